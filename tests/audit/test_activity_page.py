"""The engagement's Activity page: who changed what and when, filterable, for everyone on
the engagement; another client's users get a 404."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from maestro.audit.events import AuditEvent
from maestro.audit.services import Actor
from maestro.engagements.models import Phase
from maestro.engagements.services import engagement_transition
from tests.audit.factories import record
from tests.engagements.test_views import select, text, texts
from tests.harness.isolation import assert_hidden_from_outsiders

pytestmark = pytest.mark.django_db


def page_url(engagement, query=""):
    return reverse("engagements:activity", args=[engagement.pk]) + query


def _words(element) -> str:
    """The element's text, its elements' texts apart (a <br> or a <dt> ends a word)."""
    return " ".join(" ".join(element.itertext()).split())


def _rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    return [
        {cell.get("data-label"): _words(cell) for cell in row}
        for row in select(response, "table.activity tbody tr")
    ]


@pytest.mark.parametrize("who", ["consultant", "operator_a", "sponsor_a", "staff"])
def test_everyone_on_the_engagement_reads_when_who_what_object_and_before_after(client, world, who):
    engagement_transition(
        engagement=world.engagement_a,
        to_phase=Phase.TRAINING,
        by=world.consultant,
        override=True,
        override_reason="Maps agreed on paper",
    )
    client.force_login(getattr(world, who))

    rows = _rows(client.get(page_url(world.engagement_a)))

    assert [row["What"] for row in rows] == ["Gate overridden", "Phase changed"]
    phase = rows[1]
    assert phase["Who"] == str(world.consultant)
    assert phase["Object"] == f"{world.engagement_a} Engagement"
    assert "Phase mapping → changed to training" in phase["Change"]
    assert "Reason Maps agreed on paper" in rows[0]["Change"]


def test_agents_and_jobs_are_marked_as_such(client, world):
    record(engagement=world.engagement_a, actor=Actor.system("escalation sweep"))
    client.force_login(world.operator_a)
    (row,) = _rows(client.get(page_url(world.engagement_a)))
    assert row["Who"] == "escalation sweep System job"


def test_the_page_is_in_the_section_navigation_and_marked_current(client, world):
    client.force_login(world.sponsor_a)
    response = client.get(page_url(world.engagement_a))
    (current,) = select(response, 'nav[aria-label="Engagement sections"] a[aria-current="page"]')
    assert (text(current), current.get("href")) == ("Activity", page_url(world.engagement_a))


def test_another_clients_users_get_404(world):
    record(engagement=world.engagement_a, target=world.engagement_a)
    assert_hidden_from_outsiders(
        world, [("get", page_url(world.engagement_a))], as_page=True, absent=["A agents"]
    )


def test_filters_narrow_the_list_and_the_export_link_keeps_them(client, world):
    record(AuditEvent.PHASE_CHANGED, engagement=world.engagement_a)
    record(AuditEvent.TASK_RESOLVED, engagement=world.engagement_a, actor=world.operator_a)
    client.force_login(world.consultant)

    response = client.get(page_url(world.engagement_a, f"?actor={world.operator_a.pk}"))

    assert [row["What"] for row in _rows(response)] == ["Review task resolved"]
    (link,) = select(response, "a[download]")
    assert link.get("href") == (
        f"/api/engagements/{world.engagement_a.pk}/activity/export/?actor={world.operator_a.pk}"
    )
    # The people and kinds of object offered are those in this engagement's trail.
    assert texts(response, "select#id_actor option") == [
        "Anyone",
        *sorted([str(world.consultant), str(world.operator_a)]),
    ]


def test_an_invalid_filter_shows_its_error_and_no_entries(client, world):
    record(engagement=world.engagement_a)
    client.force_login(world.consultant)
    response = client.get(page_url(world.engagement_a, "?since=soon"))
    assert response.status_code == 200
    assert _rows(response) == []
    assert "Enter a valid date." in response.content.decode()


def test_dates_filter_in_the_sites_time_zone(client, world, settings):
    settings.TIME_ZONE = "UTC"
    record(engagement=world.engagement_a, at=datetime(2026, 3, 1, 9, tzinfo=UTC))
    record(engagement=world.engagement_a, at=datetime(2026, 3, 2, 9, tzinfo=UTC))
    client.force_login(world.consultant)
    response = client.get(page_url(world.engagement_a, "?since=2026-03-02&until=2026-03-02"))
    assert [row["When"] for row in _rows(response)] == ["2 Mar 2026, 09:00"]


def test_an_empty_trail_says_so(client, world):
    client.force_login(world.consultant)
    response = client.get(page_url(world.engagement_a))
    assert "Nothing has been recorded for this engagement yet." in response.content.decode()


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_the_page_only_reads(client, world, method):
    client.force_login(world.consultant)
    assert getattr(client, method)(page_url(world.engagement_a)).status_code == 405


def test_queries_do_not_grow_with_the_trail(client, world, django_assert_num_queries):
    client.force_login(world.consultant)

    def measure(count: int) -> int:
        while len(world.engagement_a.audit_entries.all()) < count:
            record(
                AuditEvent.ENGAGEMENT_CHANGED,
                engagement=world.engagement_a,
                target=world.engagement_a,
                changes={"name": ("a", "b")},
            )
        # session, user, engagement (+ team), the people and kinds of object in the trail,
        # count, page, can_manage, the review-queue link
        with django_assert_num_queries(10) as queries:
            response = client.get(page_url(world.engagement_a))
        assert len(_rows(response)) == count
        return len(queries)

    assert measure(3) == measure(40)
