"""The decision record through the API: GET /api/decisions/ and /api/decisions/{id}/ for the
people who may see it, filtered, cursor-paginated, in a constant number of queries."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from maestro.decisions.models import Decision
from maestro.decisions.services import agent_api_key_create
from maestro.reviews.models import ReviewTask
from maestro.reviews.services import review_task_resolve
from tests.conftest import client_for
from tests.decisions.conftest import agent_client, decision
from tests.harness.isolation import assert_hidden_from_outsiders, outsiders
from tests.mapping.factories import ProcessFactory

URL = "/api/decisions/"


def post(agent, process, **fields) -> dict:
    r = agent.post(URL, decision(process, **fields), format="json")
    assert r.status_code == 201, r.json()
    return r.json()


def post_batch(agent, process, n: int, prefix: str) -> None:
    """`n` decisions, one in three routed to a human (low confidence)."""
    items = [
        decision(process, case_ref=f"{prefix}-{i}", confidence=0.2 if i % 3 == 0 else 0.95)
        for i in range(n)
    ]
    r = agent.post(URL, {"decisions": items}, format="json")
    assert r.status_code == 200 and r.json()["accepted"] == n, r.json()


def refs(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["case_ref"] for row in response.json()["results"]]


@pytest.fixture
def record(agent_a, process_a, playbook_a, world):
    """Five decisions of process_a, oldest first:
    R-1 auto, received 3 days ago, confirmed right by feedback;
    R-2 human (confidence), resolved by the operator with an override;
    R-3 human (amount above the limit and a new counterparty), still open;
    R-4 auto, no outcome;
    R-5 auto, posted with a test key.
    """
    post(agent_a, process_a, case_ref="R-1")
    agent_a.post(
        "/api/decisions/outcomes/",
        {"process": process_a.pk, "case_ref": "R-1", "outcome": "approve"},
        format="json",
    )
    overridden = post(agent_a, process_a, case_ref="R-2", confidence=0.2)
    review_task_resolve(
        task=ReviewTask.objects.get(pk=overridden["review_task"]),
        final_outcome="reject",
        by=world.operator_a,
    )
    post(agent_a, process_a, case_ref="R-3", amount="90000", counterparty="Fabrikam")
    post(agent_a, process_a, case_ref="R-4")
    _key, secret = agent_api_key_create(
        engagement=world.engagement_a, name="Trial", by=world.consultant, is_test=True
    )
    post(agent_client(secret), process_a, case_ref="R-5")
    Decision.objects.filter(case_ref="R-1").update(received_at=timezone.now() - timedelta(days=3))
    return {d.case_ref: d for d in Decision.objects.all()}


# --- who reads it -------------------------------------------------------------------------------


def test_consultants_operators_and_sponsors_read_the_record_newest_first(record, world):
    for user in (world.consultant, world.operator_a, world.sponsor_a, world.staff):
        assert refs(client_for(user).get(URL)) == ["R-5", "R-4", "R-3", "R-2", "R-1"]


def test_another_clients_users_see_none_of_it(record, world):
    for user in outsiders(world):
        assert refs(client_for(user).get(URL)) == []
        answer = client_for(user).get(URL, {"engagement": world.engagement_a.pk})
        assert refs(answer) == []
    assert_hidden_from_outsiders(
        world, [("get", f"{URL}{d.pk}/") for d in record.values()], api_code=True
    )


def test_a_consultant_off_the_engagement_sees_none_of_it(record, world):
    from tests.tenancy.factories import MembershipFactory

    other = MembershipFactory(client=world.client_a, role="consultant").user
    assert refs(client_for(other).get(URL)) == []
    assert client_for(other).get(f"{URL}{record['R-1'].pk}/").status_code == 404


def test_agent_keys_cannot_read_the_record(record, key_a):
    agent = agent_client(key_a[1])
    # The key is recognised and refused by name: keys only post decisions and outcomes.
    for url in (URL, f"{URL}{record['R-1'].pk}/"):
        answer = agent.get(url)
        assert answer.status_code == 403
        assert answer.json()["code"] == "agent_key_not_allowed"
        assert "results" not in answer.json() and "case_ref" not in answer.json()


def test_the_record_is_read_only(record, world):
    url = f"{URL}{record['R-2'].pk}/"
    client = client_for(world.consultant)
    for method in ("put", "patch", "delete"):
        assert getattr(client, method)(url, {"route": "auto"}, format="json").status_code == 405
    assert Decision.objects.get(pk=record["R-2"].pk).route == "human"


def test_a_person_still_cannot_post_decisions(process_a, world):
    client = APIClient()
    client.force_login(world.consultant)  # a session: what reads the record does not post
    r = client.post(URL, decision(process_a), format="json")
    assert r.status_code == 401
    assert r.json()["code"] == "api_key_required"
    assert not Decision.objects.exists()


# --- what a decision shows ---------------------------------------------------------------------


def test_detail_has_reasons_version_review_task_outcome_and_payload(record, world, playbook_a):
    d = record["R-2"]
    body = client_for(world.sponsor_a).get(f"{URL}{d.pk}/").json()
    task = ReviewTask.objects.get(decision=d)
    assert body["url"] == f"/decisions/{d.pk}/"
    assert body["process"] == {"id": d.process_id, "name": "Procurement approval"}
    assert body["route"] == "human"
    assert [r["code"] for r in body["reasons"]] == ["confidence_below"]
    assert body["reasons"][0]["message"]
    assert body["playbook_version"] == {"id": playbook_a.pk, "number": 1}
    assert body["review_task"]["id"] == task.pk
    assert body["review_task"]["status"] == "resolved"
    assert body["review_task"]["assignee"]["id"] == world.operator_a.pk
    assert body["review_task"]["final_outcome"] == "reject"
    assert body["outcome"]["final_outcome"] == "reject"
    assert body["outcome"]["outcome_source"] == "review"
    assert body["outcome"]["overridden"] is True
    assert body["outcome"]["outcome_at"]
    assert body["confidence"] == "0.2000"
    assert body["payload"] == {"lines": 3}
    assert body["is_test"] is False


def test_list_rows_say_what_is_still_open(record, world):
    rows = {r["case_ref"]: r for r in client_for(world.consultant).get(URL).json()["results"]}
    assert rows["R-3"]["review_task"]["status"] == "open"
    assert rows["R-3"]["outcome"] is None
    assert rows["R-4"]["review_task"] is None and rows["R-4"]["outcome"] is None
    assert rows["R-1"]["outcome"]["outcome_source"] == "feedback"
    assert rows["R-5"]["is_test"] is True
    assert "payload" not in rows["R-1"]


# --- filters ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"route": "human"}, ["R-3", "R-2"]),
        ({"route": "auto"}, ["R-5", "R-4", "R-1"]),
        ({"reason": "amount_above"}, ["R-3"]),
        ({"reason": "new_counterparty"}, ["R-3"]),
        ({"reason": "confidence_below"}, ["R-2"]),
        ({"reason": "no_such_code"}, []),
        ({"overridden": "true"}, ["R-2"]),
        ({"overridden": "false"}, ["R-5", "R-4", "R-3", "R-1"]),
        ({"has_outcome": "true"}, ["R-2", "R-1"]),
        ({"has_outcome": "false"}, ["R-5", "R-4", "R-3"]),
        ({"is_test": "true"}, ["R-5"]),
        ({"is_test": "false"}, ["R-4", "R-3", "R-2", "R-1"]),
        ({"case_ref": "R-3"}, ["R-3"]),
        ({"route": "auto", "is_test": "false", "has_outcome": "false"}, ["R-4"]),
    ],
)
def test_filters(record, world, query, expected):
    assert refs(client_for(world.operator_a).get(URL, query)) == expected


def test_received_date_range_includes_both_days(record, world):
    today = timezone.localdate()
    three_days_ago = (today - timedelta(days=3)).isoformat()
    client = client_for(world.consultant)
    assert refs(client.get(URL, {"received_before": three_days_ago})) == ["R-1"]
    assert refs(client.get(URL, {"received_after": three_days_ago})) == [
        "R-5",
        "R-4",
        "R-3",
        "R-2",
        "R-1",
    ]
    yesterday = (today - timedelta(days=1)).isoformat()
    assert "R-1" not in refs(client.get(URL, {"received_after": yesterday}))
    assert refs(client.get(URL, {"received_after": "9999-12-31"})) == []
    assert len(refs(client.get(URL, {"received_before": "9999-12-31"}))) == 5
    assert len(refs(client.get(URL, {"received_after": "0001-01-01"}))) == 5


def test_engagement_and_process_filters(record, agent_a, world, playbook_a):
    other = ProcessFactory(engagement=world.engagement_a, name="Tickets")
    post(agent_a, other, case_ref="T-1")
    client = client_for(world.consultant)
    assert refs(client.get(URL, {"process": other.pk})) == ["T-1"]
    assert len(refs(client.get(URL, {"engagement": world.engagement_a.pk}))) == 6
    assert refs(client.get(URL, {"engagement": world.engagement_b.pk})) == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"overridden": "yes"}, "overridden"),
        ({"has_outcome": "maybe"}, "has_outcome"),
        ({"is_test": "2"}, "is_test"),
        ({"route": "robot"}, "route"),
        ({"received_after": "yesterday"}, "received_after"),
        ({"received_before": "2026-02-30"}, "received_before"),
        ({"engagement": "0"}, "engagement"),
        ({"process": "1e30"}, "process"),
        ({"reason": "x" * 51}, "reason"),
        ({"case_ref": "a\x00b"}, "case_ref"),
        ({"page_size": "0"}, "page_size"),
    ],
)
def test_bad_filters_are_400_naming_the_filter(record, world, query, field):
    r = client_for(world.consultant).get(URL, query)
    assert r.status_code == 400
    assert field in r.json()


# --- cursor pagination ---------------------------------------------------------------------------


def test_cursor_pages_walk_the_record_once_even_as_decisions_arrive(
    agent_a, process_a, playbook_a, world
):
    post_batch(agent_a, process_a, 7, "P")
    client = client_for(world.operator_a)
    first = client.get(URL, {"page_size": 3}).json()
    assert [r["case_ref"] for r in first["results"]] == ["P-6", "P-5", "P-4"]
    assert first["previous"] is None and "count" not in first
    post(agent_a, process_a, case_ref="NEW")  # arrives while the client reads on
    seen = [r["case_ref"] for r in first["results"]]
    url = first["next"]
    while url:
        page = client.get(url).json()
        seen += [r["case_ref"] for r in page["results"]]
        url = page["next"]
    assert seen == [f"P-{i}" for i in range(6, -1, -1)]
    newest = client.get(URL, {"page_size": 3}).json()["results"][0]["case_ref"]
    assert newest == "NEW"


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "cD1ub3QtYW4taWQ=",  # p=not-an-id: the position must be a decision id
        "bz0tMQ==",  # o=-1
        "eD0x",  # x=1: not a key of ours
    ],
)
def test_page_size_caps_at_500_and_a_made_up_cursor_is_a_400_naming_it(record, world, cursor):
    client = client_for(world.consultant)
    assert len(client.get(URL, {"page_size": 10_000}).json()["results"]) == 5
    r = client.get(URL, {"cursor": cursor})
    assert r.status_code == 400
    assert r.json()["cursor"] == ["Not a cursor of this list: follow its next or previous."]


# --- constant queries ---------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [3, 30])
def test_the_list_costs_the_same_queries_whatever_the_rows(
    agent_a, process_a, playbook_a, world, django_assert_num_queries, rows
):
    post_batch(agent_a, process_a, rows, "Q")
    ReviewTask.objects.filter(decision__case_ref="Q-0").update(status="resolved")
    client = client_for(world.operator_a)
    with django_assert_num_queries(1):  # one page: decisions with process, type, version, task
        answer = client.get(URL, {"page_size": 500})
    assert len(answer.json()["results"]) == rows
    assert sum(1 for r in answer.json()["results"] if r["review_task"]) == rows // 3


def test_the_detail_costs_one_query(record, world, django_assert_num_queries):
    client = client_for(world.operator_a)
    with django_assert_num_queries(1):
        assert client.get(f"{URL}{record['R-2'].pk}/").status_code == 200
