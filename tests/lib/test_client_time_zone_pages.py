"""One date-time format product-wide, in the client's time zone: every page of an engagement
reads moments on its client's clock (client_time_zone_activate in its view, then `when` / `day`
in its template); lists that span clients (the review queue, the shadow queue) read each row on
its own client's clock; machine-readable <time datetime> values carry the offset; and no
template formats a moment its own way."""

import datetime
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from maestro.decisions.models import Decision
from maestro.engagements.models import Engagement
from maestro.lib.formats import day, when
from maestro.reviews.models import ReviewTask
from maestro.tenancy.models import Membership
from tests.decisions.factories import DecisionFactory
from tests.engagements.test_views import select
from tests.mapping.factories import ProcessFactory
from tests.tenancy.factories import MembershipFactory

# 20:30 UTC on New Year's Day is 05:30 the next morning in Tokyo (UTC+9).
MOMENT = datetime.datetime(2026, 1, 1, 20, 30, tzinfo=datetime.UTC)
TOKYO_TEXT, TOKYO_ISO = "2 Jan 2026, 05:30", "2026-01-02T05:30:00+09:00"


def test_when_and_day_read_a_given_clients_zone_or_the_active_one():
    class Tokyo:
        tzinfo = ZoneInfo("Asia/Tokyo")

    assert when(MOMENT, Tokyo()) == TOKYO_TEXT
    assert when(MOMENT, ZoneInfo("Asia/Tokyo")) == TOKYO_TEXT
    assert when(MOMENT) == "1 Jan 2026, 20:30"
    assert day(MOMENT) == "1 Jan 2026"
    assert day(MOMENT, Tokyo()) == "2 Jan 2026"
    with timezone.override(ZoneInfo("Asia/Tokyo")):
        assert day(MOMENT) == "2 Jan 2026"
    assert day(datetime.date(2026, 3, 4)) == "4 Mar 2026"
    assert day(None) == "—"


# Templates of others' pages in progress, and e-mails (they name their zone, "e"), aside.
NOT_PAGES = re.compile(
    r"(handoff/document/|handoff/(handoff|documents|verify)[^/]*\.html$|emails/|/email/)"
)
# Machine formats (<time datetime>), weekday labels of daily tables, a meeting's end time.
MACHINE_OR_LABEL = {"c", "Y-m-d", "D j M", "H:i"}


def test_no_page_template_formats_a_moment_its_own_way():
    root = Path(settings.BASE_DIR) / "templates"
    own_way = []
    for path in root.rglob("*.html"):
        if NOT_PAGES.search(path.relative_to(root).as_posix()):
            continue
        text = path.read_text()
        for fmt in re.findall(r"\|date:[\"']([^\"']*)[\"']", text):
            if fmt not in MACHINE_OR_LABEL:
                own_way.append(f"{path.relative_to(root)}: date:{fmt!r}")
        if re.search(r"\|(naturaltime|naturalday)\b", text):
            own_way.append(f"{path.relative_to(root)}: humanize")
    assert own_way == [], "use |when or |day:\n" + "\n".join(own_way)


@pytest.fixture
def tokyo(world) -> Engagement:
    world.client_a.time_zone = "Asia/Tokyo"
    world.client_a.save(update_fields=["time_zone"])
    return world.engagement_a


def _times(response, css: str = "main time") -> list[tuple[str, str]]:
    return [(e.get("datetime"), "".join(e.itertext())) for e in select(response, css)]


@pytest.mark.django_db
def test_a_review_task_page_reads_in_the_clients_zone(client, world, tokyo):
    task = ReviewTask.objects.create(
        engagement=tokyo,
        kind=ReviewTask.Kind.RUNBOOK_REVIEW,
        title="Read the runbook",
        assignee=world.operator_a,
        due_at=MOMENT,
    )
    client.force_login(world.operator_a)

    response = client.get(reverse("reviews:task-detail", args=[task.pk]))

    assert response.status_code == 200
    assert (TOKYO_ISO, TOKYO_TEXT) in _times(response)
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE  # nothing leaks


@pytest.mark.django_db
def test_the_live_decisions_and_the_engagement_page_read_in_the_clients_zone(client, world, tokyo):
    decision = DecisionFactory(process=ProcessFactory(engagement=tokyo))
    Decision.objects.filter(pk=decision.pk).update(received_at=MOMENT)
    Engagement.objects.filter(pk=tokyo.pk).update(phase_changed_at=MOMENT)
    client.force_login(world.sponsor_a)

    decisions = client.get(reverse("decisions:list", args=[tokyo.pk]))
    overview = client.get(tokyo.get_absolute_url())

    assert (TOKYO_ISO, TOKYO_TEXT) in _times(decisions, "table time")
    assert (TOKYO_ISO, TOKYO_TEXT) in _times(overview)


@pytest.mark.django_db
def test_the_queue_reads_each_task_on_its_own_clients_clock(client, world, tokyo):
    # A consultant at two clients: Tokyo's task and Lisbon's (UTC+0 in January) side by side.
    MembershipFactory(user=world.consultant, client=world.client_b, role=Membership.Role.CONSULTANT)
    world.client_b.time_zone = "Europe/Lisbon"
    world.client_b.save(update_fields=["time_zone"])
    Engagement.objects.filter(pk=world.engagement_b.pk).update(lead=world.consultant)
    future = timezone.now().replace(month=1, day=1, hour=20, minute=30, second=0, microsecond=0)
    future = future.replace(year=timezone.now().year + 1)
    for engagement in (tokyo, world.engagement_b):
        ReviewTask.objects.create(
            engagement=engagement,
            kind=ReviewTask.Kind.RUNBOOK_REVIEW,
            title=f"Task of {engagement.client.name}",
            assignee=world.consultant,
            due_at=future,
        )
    client.force_login(world.consultant)

    response = client.get(reverse("reviews:queue"))

    titles = sorted(e.get("title") for e in select(response, "time.time-left"))
    year = future.year
    assert titles == [f"Due 1 Jan {year}, 20:30", f"Due 2 Jan {year}, 05:30"]
