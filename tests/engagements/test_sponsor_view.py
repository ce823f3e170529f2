"""Where people land and what they are offered: a sponsor lands on their engagement's summary
(the list of their engagements when they have several) and sees no consultant tooling in the
navigation; the engagement list shows each engagement's health (phase, accuracy this week, open
and overdue review tasks) in a constant number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from maestro.engagements.models import Engagement
from maestro.engagements.scoping import is_sponsor_only
from maestro.lib.timezones import iso_week_start, local_today
from maestro.monitoring.models import DailyScore
from maestro.reviews.models import ReviewTask
from maestro.tenancy.models import Membership
from tests.engagements.factories import EngagementFactory
from tests.engagements.test_views import select, text, texts
from tests.harness.isolation import page_as
from tests.mapping.factories import ProcessFactory
from tests.monitoring.factories import DailyScoreFactory
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db

HOME = "/home/"


def test_a_sponsor_with_one_engagement_lands_on_its_summary_after_login(client, world):
    world.sponsor_a.set_password("pw")
    world.sponsor_a.save()
    response = client.post(
        reverse("login"), {"username": world.sponsor_a.username, "password": "pw"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse(
        "engagements:summary", args=[world.engagement_a.pk]
    )
    assert texts(response, "h1") == ["A agents"]


def test_opening_the_site_signed_out_still_lands_a_sponsor_on_the_summary(client, world):
    world.sponsor_a.set_password("pw")
    world.sponsor_a.save()
    login_page = client.get("/")["Location"]
    assert login_page == reverse("login") + "?next=/"
    response = client.post(
        login_page, {"username": world.sponsor_a.username, "password": "pw"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse(
        "engagements:summary", args=[world.engagement_a.pk]
    )
    # Any other `next` is honoured as before.
    client.logout()
    response = client.post(
        reverse("login") + "?next=/people/",
        {"username": world.sponsor_a.username, "password": "pw"},
    )
    assert response["Location"] == "/people/"


def test_a_sponsor_with_several_engagements_lands_on_the_list_whose_rows_open_summaries(world):
    second = EngagementFactory(client=world.client_a, lead=world.consultant, name="A second")
    page = page_as(world.sponsor_a)
    response = page.get(HOME)
    assert response["Location"] == reverse("engagements:list")
    response = page.get(response["Location"])
    assert sorted(a.get("href") for a in select(response, "tbody th a")) == sorted(
        reverse("engagements:summary", args=[e.pk]) for e in (world.engagement_a, second)
    )


@pytest.mark.parametrize("who", ["consultant", "operator_a", "staff"])
def test_everyone_else_lands_on_the_engagement_list(world, who):
    response = page_as(getattr(world, who)).get(HOME)
    assert response.status_code == 302 and response["Location"] == reverse("engagements:list")


def test_a_sponsor_who_also_operates_somewhere_is_not_sponsor_only(world):
    assert is_sponsor_only(world.sponsor_a)
    MembershipFactory(user=world.sponsor_a, client=world.client_b, role=Membership.Role.OPERATOR)
    assert not is_sponsor_only(world.sponsor_a)
    assert not is_sponsor_only(world.staff) and not is_sponsor_only(world.consultant)


def _main_nav(response) -> list[str]:
    (nav,) = select(response, 'nav[aria-label="Main"]')
    return [text(a) for a in nav.iter("a")]


@pytest.mark.parametrize(
    "page", ["engagements:list", "engagements:detail", "engagements:summary", "webhooks:list"]
)
def test_a_sponsors_navigation_offers_no_consultant_tooling(world, page):
    args = [] if page == "engagements:list" else [world.engagement_a.pk]
    response = page_as(world.sponsor_a).get(reverse(page, args=args))
    assert response.status_code == 200
    assert "Status" not in _main_nav(response) and "API" not in _main_nav(response)
    section_links = texts(response, 'nav[aria-label="Engagement sections"] a')
    assert "Webhooks" not in section_links and "Agent API keys" not in section_links
    html = response.content.decode()
    assert reverse("system:status") not in html and reverse("api-docs") not in html


@pytest.mark.parametrize("who", ["consultant", "operator_a", "staff"])
def test_the_others_keep_their_tooling(world, who):
    response = page_as(getattr(world, who)).get(
        reverse("engagements:detail", args=[world.engagement_a.pk])
    )
    assert {"Status", "API"} <= set(_main_nav(response))
    assert "Webhooks" in texts(response, 'nav[aria-label="Engagement sections"] a')


# --- the list's health ------------------------------------------------------------------------


def _row(response, engagement) -> dict[str, str]:
    (tr,) = select(response, f"tr[data-testid=engagement-row-{engagement.pk}]")
    return {td.get("data-label"): text(td) for td in tr if td.get("data-label")}


def test_the_list_shows_phase_accuracy_this_week_and_open_and_overdue_tasks(world):
    engagement = world.engagement_a  # target 85%
    monday = iso_week_start(local_today(engagement.client.tzinfo))
    process = ProcessFactory(engagement=engagement)
    DailyScoreFactory(process=process, day=monday, with_outcome=100, correct=80)  # 80.0%
    DailyScoreFactory(process=process, day=monday - timedelta(days=1), correct=10)  # last week
    DailyScoreFactory(process=process, day=monday, category="compliance", correct=0)  # a category
    now = timezone.now()
    for due in (now - timedelta(hours=1), now + timedelta(hours=1), now + timedelta(hours=2)):
        ReviewTask.objects.create(
            engagement=engagement, kind="runbook_review", title="t", due_at=due
        )
    ReviewTask.objects.create(
        engagement=engagement, kind="runbook_review", title="done", due_at=now, status="resolved"
    )
    quiet = EngagementFactory(client=world.client_a, lead=world.consultant, name="Quiet")

    response = page_as(world.consultant).get(reverse("engagements:list"))

    row = _row(response, engagement)
    assert row["Phase"] == "Mapping"
    assert row["Accuracy this week"] == "80.0% below target target 85.0%"
    assert row["Review tasks"] == "3 open 1 overdue"
    assert _row(response, quiet)["Accuracy this week"] == "— target 85.0%"
    assert _row(response, quiet)["Review tasks"] == "none open"


def test_the_lists_accuracy_is_the_clients_local_week(world):
    """A client far east is already in next week when the server's is still Sunday."""
    engagement = world.engagement_a
    world.client_a.time_zone = "Pacific/Kiritimati"  # UTC+14
    world.client_a.save()
    monday = iso_week_start(local_today(world.client_a.tzinfo))
    process = ProcessFactory(engagement=engagement)
    DailyScoreFactory(process=process, day=monday, with_outcome=10, correct=9)
    DailyScoreFactory(process=process, day=monday - timedelta(days=1), with_outcome=10, correct=1)
    response = page_as(world.consultant).get(reverse("engagements:list"))
    assert _row(response, engagement)["Accuracy this week"].startswith("90.0%")


def test_the_list_hides_another_clients_health(world):
    process = ProcessFactory(engagement=world.engagement_b)
    DailyScoreFactory(
        process=process, day=iso_week_start(local_today(world.client_b.tzinfo)), correct=1
    )
    response = page_as(world.sponsor_a).get(reverse("engagements:list"))
    assert not select(response, f"tr[data-testid=engagement-row-{world.engagement_b.pk}]")
    assert "B agents" not in response.content.decode()


def test_the_lists_queries_are_the_same_at_50_and_500_engagements(world):
    """Each engagement with a scored day this week and an open, overdue task."""
    page = page_as(world.consultant)

    def grow_to(count: int) -> None:
        have = Engagement.objects.filter(client=world.client_a).count()
        new = Engagement.objects.bulk_create(
            Engagement(client=world.client_a, name=f"E{i}", lead=world.consultant)
            for i in range(have, count)
        )
        processes = [ProcessFactory.build(engagement=e) for e in new]
        for p in processes:
            p.save()
        monday = iso_week_start(local_today(world.client_a.tzinfo))
        DailyScore.objects.bulk_create(
            DailyScoreFactory.build(process=p, engagement=p.engagement, day=monday)
            for p in processes
        )
        ReviewTask.objects.bulk_create(
            ReviewTask(engagement=e, kind="runbook_review", title="t", due_at=timezone.now())
            for e in new
        )

    def measure(count: int) -> int:
        grow_to(count)
        with CaptureQueriesContext(connection) as queries:
            response = page.get(reverse("engagements:list"))
        assert len(select(response, "tbody tr")) == count
        assert (
            _row(response, Engagement.objects.get(name="E7"))["Review tasks"] == "1 open 1 overdue"
        )
        return len(queries)

    assert measure(50) == measure(500)
