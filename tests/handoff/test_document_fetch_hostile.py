"""Hostile content from the product's own data (a runbook's Markdown with raw HTML, a process
name, a decision's payload, the engagement's and the client's names) through the real
document: `document_build`, then `document_pdf`. The sanitiser and the templates' escaping may
stop some of it first; the fetcher must hold even when they do not, so the same values are also
spliced raw into the built HTML, as a template that marked them safe would."""

import markdown
import pytest

from handoff.document.render import BuiltDocument, document_build, document_pdf
from handoff.document.source import DocumentSource
from runbooks import services as runbook_services
from runbooks.models import RunbookVersion
from tests.decisions.factories import DecisionFactory
from tests.handoff import document_fetch_probes
from tests.handoff.document_fetch_probes import (
    attachment_names,
    leak_in,
    listeners,
    make_canary,
)
from tests.mapping.factories import ProcessFactory

pytestmark = pytest.mark.django_db

default_fetcher = document_fetch_probes.default_fetcher


def _runbook_body(file_url: str, css_url: str, net: str) -> str:
    return f"""# Night shift

Check the queue, then read the attachment.

<link rel="attachment" href="{file_url}">
<link rel="stylesheet" href="{css_url}">
<style>@import url("{net}/runbook-import.css");
p {{ background: url("{net}/runbook-bg.svg"); }}</style>
<img src="{net}/runbook-img.svg">
<object data="{net}/runbook-object.svg" type="image/svg+xml"></object>
<embed src="{net}/runbook-embed.svg" type="image/svg+xml">
<a rel="attachment" href="{file_url}">the log</a>
<div style="background-image: url('{net}/runbook-style.svg')">styled</div>

![diagram]({net}/runbook-markdown.png)
![local](file:///etc/passwd)
![up](/static/../../etc/passwd)

- [ ] Step one
"""


def _hostile_engagement(world, tmp_path, redirector):
    """The engagement with hostile values in every place content comes from; returns the
    values as stored, the raw HTML they would make unescaped and unsanitised, and the canary."""
    canary = make_canary(tmp_path)
    urls = canary.urls()
    net = redirector.url("")
    engagement = world.engagement_a

    engagement.name = f'<link rel="attachment" href="{urls["text"]}">'[:200]
    engagement.save(update_fields=["name"])
    client = engagement.client
    client.name = f'<img src="{net}/client-name.svg">'[:200]
    client.save(update_fields=["name"])

    names = [
        f'<link rel="attachment" href="{urls["text"]}">',
        f'<link rel="stylesheet" href="{urls["css"]}">',
        f'<img src="{net}/process-img.svg">',
        f'<style>@import url("{net}/process.css");</style>',
        f'<object data="{net}/process-object.svg"></object>',
    ]
    processes = [ProcessFactory(engagement=engagement, name=name[:200]) for name in names]
    payload_html = (
        f'<link rel="attachment" href="{urls["text"]}">'
        f'<img src="{urls["svg"]}"><img src="{net}/payload-img.svg">'
        f'<link rel="stylesheet" href="{net}/payload.css">'
        f"<div style=\"background: url('{net}/payload-bg.svg')\">x</div>"
    )
    DecisionFactory(
        process=processes[0],
        payload={"customer": payload_html, f"<img src='{net}/payload-key.svg'>": "key"},
    )

    body = _runbook_body(urls["text"], urls["css"], net)
    runbook = runbook_services.runbook_create(
        engagement=engagement, title=names[0][:200], slug="night-shift", body=body,
        by=world.consultant,
    )  # fmt: skip
    runbook_services.runbook_publish(runbook=runbook, by=world.consultant)
    stored = RunbookVersion.objects.filter(runbook=runbook).latest("number").html

    raw = "".join(
        [
            engagement.name,
            client.name,
            *(process.name for process in processes),
            payload_html,
            markdown.markdown(body),  # as if the sanitiser let everything through
            stored,
        ]
    )
    return engagement, raw, canary


def _built(engagement) -> tuple[BuiltDocument, DocumentSource]:
    source = DocumentSource(engagement=engagement, version=1)
    return document_build(source), source


def test_hostile_content_in_the_real_document_fetches_nothing(world, tmp_path):
    with listeners() as (redirector, target):
        engagement, _, canary = _hostile_engagement(world, tmp_path, redirector)
        built, source = _built(engagement)

        pdf = document_pdf(built, source)

        assert leak_in(pdf, canary.secret) is None
        assert attachment_names(pdf) == ["handoff.json"]
        assert redirector.connections() == 0
        assert target.connections() == 0


def test_hostile_content_spliced_raw_into_the_document_fetches_nothing(world, tmp_path):
    with listeners() as (redirector, target):
        engagement, raw, canary = _hostile_engagement(world, tmp_path, redirector)
        built, source = _built(engagement)
        spliced = BuiltDocument(
            html=built.html.replace("</body>", f"{raw}</body>"), data=built.data, title=raw
        )

        pdf = document_pdf(spliced, source)

        assert leak_in(pdf, canary.secret) is None
        assert attachment_names(pdf) == ["handoff.json"]
        assert redirector.connections() == 0
        assert target.connections() == 0


def test_control_the_spliced_document_leaks_with_the_default_fetcher(
    world,
    tmp_path,
    default_fetcher,
):
    with listeners() as (redirector, target):
        engagement, raw, canary = _hostile_engagement(world, tmp_path, redirector)
        built, source = _built(engagement)
        spliced = BuiltDocument(
            html=built.html.replace("</body>", f"{raw}</body>"), data=built.data, title="t"
        )

        pdf = document_pdf(spliced, source)

        assert leak_in(pdf, canary.secret) is not None
        assert "canary.txt" in attachment_names(pdf)
        assert redirector.connections() >= 1
        assert target.hit_paths()  # through the redirect
