"""GET /api/engagements/{id}/activity/ and /api/clients/{id}/activity/: the audit trail,
read-only, filtered, cursor-paginated, for the people who see the engagement or client."""

from datetime import UTC, datetime

import pytest

from maestro.audit.events import AuditEvent
from maestro.audit.models import AuditEntry
from maestro.audit.services import Actor
from maestro.engagements.api import activity
from maestro.engagements.models import Engagement
from maestro.tenancy.models import Membership
from tests.audit.factories import record
from tests.conftest import client_for
from tests.harness.isolation import assert_hidden_from_outsiders
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def url(engagement, query=""):
    return f"/api/engagements/{engagement.pk}/activity/{query}"


def client_url(client, query=""):
    return f"/api/clients/{client.pk}/activity/{query}"


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_an_entry_reads_as_who_what_which_object_and_before_after(world):
    engagement = world.engagement_a
    entry = record(
        AuditEvent.STANCE_CHANGED,
        engagement=engagement,
        target=engagement,
        changes={"stance": ("lead", "advisory")},
        data={"note": "Handed over"},
    )

    r = client_for(world.operator_a).get(url(engagement))

    assert r.status_code == 200
    assert r.json()["results"] == [
        {
            "id": entry.pk,
            "at": entry.at.isoformat().replace("+00:00", "Z"),
            "event": "engagement.stance_changed",
            "event_label": "Stance changed",
            "client": world.client_a.pk,
            "engagement": engagement.pk,
            "actor": {
                "kind": "user",
                "label": str(world.consultant),
                "user": world.consultant.pk,
                "api_key": None,
            },
            "target": {
                "type": "engagements.Engagement",
                "id": str(engagement.pk),
                "label": str(engagement),
            },
            "changes": {"stance": ["lead", "advisory"]},
            "data": {"note": "Handed over"},
        }
    ]
    assert set(r.json()) == {"next", "previous", "results"}


@pytest.mark.parametrize("who", ["consultant", "operator_a", "sponsor_a", "staff"])
def test_everyone_on_the_engagement_reads_it_newest_first(world, who):
    first = record(engagement=world.engagement_a)
    second = record(engagement=world.engagement_a)
    record(engagement=world.engagement_b)  # another client's
    assert _ids(client_for(getattr(world, who)).get(url(world.engagement_a))) == [
        second.pk,
        first.pk,
    ]


def test_another_clients_users_see_none_of_it(world):
    record(engagement=world.engagement_a, target=world.engagement_a)
    record(client=world.client_a)  # a client-level entry (people)
    assert_hidden_from_outsiders(
        world,
        [
            ("get", url(world.engagement_a)),
            ("get", f"/api/engagements/{world.engagement_a.pk}/activity/export/"),
            ("get", client_url(world.client_a)),
        ],
        unchanged=lambda: AuditEntry.objects.count(),
    )


def test_a_consultant_of_the_client_who_is_not_on_the_engagement_gets_404(world):
    record(engagement=world.engagement_a)
    other = MembershipFactory(client=world.client_a, role=Membership.Role.CONSULTANT).user
    r = client_for(other).get(url(world.engagement_a))
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_trail_cannot_be_written_through_the_api(world, method):
    entry = record(engagement=world.engagement_a)
    api = client_for(world.consultant)
    for path in (url(world.engagement_a), client_url(world.client_a)):
        assert getattr(api, method)(path, {}, format="json").status_code == 405
    assert AuditEntry.objects.get().actor_label == entry.actor_label


def test_filters_by_event_actor_kind_person_object_and_dates(world, settings):
    settings.TIME_ZONE = "UTC"
    engagement = world.engagement_a
    key = Actor(kind="agent_key", label="Agent (mk_1…)", key_id=9)
    phase = record(
        AuditEvent.PHASE_CHANGED,
        engagement=engagement,
        target=engagement,
        at=datetime(2026, 3, 1, 12, tzinfo=UTC),
    )
    assigned = record(
        AuditEvent.TASK_ASSIGNED,
        engagement=engagement,
        actor=key,
        target=world.operator_a,  # any model: only its label and type are stored
        at=datetime(2026, 3, 2, 23, 59, tzinfo=UTC),
    )
    by_operator = record(
        AuditEvent.TASK_RESOLVED,
        engagement=engagement,
        actor=world.operator_a,
        at=datetime(2026, 3, 3, 0, 0, tzinfo=UTC),
    )
    api = client_for(world.consultant)

    def ids(query):
        return _ids(api.get(url(engagement, query)))

    assert ids("?event=task.assigned&event=engagement.phase_changed") == [assigned.pk, phase.pk]
    assert ids("?actor_kind=agent_key") == [assigned.pk]
    assert ids(f"?actor={world.operator_a.pk}") == [by_operator.pk]
    assert ids("?target_type=engagements.Engagement") == [phase.pk]
    assert ids("?since=2026-03-02") == [by_operator.pk, assigned.pk]
    assert ids("?until=2026-03-02") == [assigned.pk, phase.pk]
    assert ids("?since=2026-03-02&until=2026-03-02") == [assigned.pk]


@pytest.mark.parametrize(
    "query,field",
    [
        ("?event=engagement.renamed", "event"),
        ("?actor_kind=robot", "actor_kind"),
        ("?actor=x", "actor"),
        ("?actor=99999999999999999999999", "actor"),
        ("?since=yesterday", "since"),
        ("?until=2026-02-30", "until"),
        ("?page_size=0", "page_size"),
        ("?page_size=ten", "page_size"),
        ("?cursor=bm90IGEgY3Vyc29y", "cursor"),  # "not a cursor"
        ("?cursor=cD1ub3QtYS1kYXRl", "cursor"),  # p=not-a-date
        ("?cursor=%%%", "cursor"),
    ],
)
def test_bad_filters_are_400s_naming_the_parameter(world, query, field):
    record(engagement=world.engagement_a)
    r = client_for(world.consultant).get(url(world.engagement_a, query))
    assert r.status_code == 400, r.content
    assert field in r.json()


def test_pages_follow_the_cursor_without_gaps_or_repeats(world):
    entries = [record(engagement=world.engagement_a) for _ in range(5)]
    api = client_for(world.consultant)

    seen, link = [], url(world.engagement_a, "?page_size=2")
    while link:
        page = api.get(link).json()
        seen += [row["id"] for row in page["results"]]
        link = page["next"]
    assert seen == [e.pk for e in reversed(entries)]

    last = api.get(url(world.engagement_a, "?page_size=2")).json()
    second = api.get(last["next"]).json()
    back = api.get(second["previous"]).json()
    assert [row["id"] for row in back["results"]] == seen[:2]


def test_a_page_size_over_the_most_returns_the_most(world, monkeypatch):
    monkeypatch.setattr(activity.ActivityPagination, "max_page_size", 2)  # 500 in the product
    for _ in range(3):
        record(engagement=world.engagement_a)
    r = client_for(world.consultant).get(url(world.engagement_a, "?page_size=900"))
    assert len(_ids(r)) == 2


@pytest.mark.parametrize("rows", [3, 30])
def test_queries_do_not_grow_with_the_trail(world, rows, django_assert_num_queries):
    for _ in range(rows):
        record(engagement=world.engagement_a, target=world.engagement_a, changes={"x": (1, 2)})
    api = client_for(world.consultant)
    # the engagement (with its team), the page
    with django_assert_num_queries(3):
        r = api.get(url(world.engagement_a, "?page_size=100&event=engagement.changed"))
    assert len(r.json()["results"]) == rows


def test_the_client_list_holds_the_clients_own_entries_only(world):
    own = record(AuditEvent.ROLE_CHANGED, client=world.client_a, target=world.operator_a)
    record(engagement=world.engagement_a)  # an engagement's: on its own list
    record(AuditEvent.ROLE_CHANGED, client=world.client_b)
    for who in (world.consultant, world.operator_a, world.sponsor_a, world.staff):
        assert _ids(client_for(who).get(client_url(world.client_a))) == [own.pk]
    r = client_for(world.operator_a).get(client_url(world.client_a, "?event=invitation.sent"))
    assert _ids(r) == []


def test_a_deleted_engagement_name_and_renamed_person_still_read_as_recorded(world):
    entry = record(engagement=world.engagement_a, target=world.engagement_a)
    Engagement.objects.filter(pk=world.engagement_a.pk).update(name="Renamed")
    world.consultant.first_name = "Someone"
    world.consultant.save()
    row = client_for(world.consultant).get(url(world.engagement_a)).json()["results"][0]
    assert row["target"]["label"] == entry.target_label
    assert row["actor"]["label"] == entry.actor_label
