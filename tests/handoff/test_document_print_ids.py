"""One id, one element, in the whole handoff document: its process maps, charts and runbooks
are drawn or written for pages of their own, and several of each meet in the document."""

import re
from collections import Counter
from html.parser import HTMLParser

import pytest

from maestro.mapping.models import Step
from runbooks import services as runbook_services
from tests.handoff.print_fixtures import render_pdf
from tests.handoff.test_document_sections_b import build
from tests.mapping.factories import DecisionPointFactory, StepFactory

pytestmark = pytest.mark.django_db

ROUTINE = """# {title}

## Steps
- [ ] Open the queue

See [the steps](#h-steps).
"""


class _Ids(HTMLParser):
    """Every id, and every reference to one: href="#…", url(#…), aria-labelledby."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.references: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name == "id":
                self.ids.append(value)
            elif name == "href" and value.startswith("#"):
                self.references.add(value[1:])
            elif name == "aria-labelledby":
                self.references.update(value.split())
            self.references.update(re.findall(r"url\(#([^)]+)\)", value))

    handle_startendtag = handle_starttag


def _map(process) -> None:
    documented = [
        StepFactory(process=process, flow=Step.Flow.DOCUMENTED, name=f"Documented {i}")
        for i in range(2)
    ]
    for i in range(3):
        step = StepFactory(process=process, name=f"Actual {i}", documented_step=documented[i % 2])
    DecisionPointFactory(step=step)


def test_no_id_is_defined_twice_and_every_reference_resolves(world, caplog):
    built = build(world.engagement_a, world.consultant, plans=2)
    _map(built.procurement)
    _map(built.routing)
    for slug in ("routine-a", "routine-b"):  # the same headings, as runbooks often have
        runbook = runbook_services.runbook_create(
            engagement=world.engagement_a,
            title=slug,
            slug=slug,
            body=ROUTINE.format(title=slug),
            by=world.consultant,
        )
        runbook_services.runbook_publish(runbook=runbook, by=world.consultant)

    doc = render_pdf(world.engagement_a, caplog=caplog, version=1)

    found = _Ids()
    found.feed(doc.built.html)
    assert found.ids.count("process_maps") == 1  # the parser reads the document
    assert sum("arrow" in i for i in found.ids) == 4  # two maps, two markers each
    assert [i for i, n in Counter(found.ids).items() if n > 1] == []
    assert found.references - set(found.ids) == set()
    assert "Anchor defined twice" not in caplog.text
