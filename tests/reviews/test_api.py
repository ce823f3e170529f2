import pytest

from maestro.decisions.models import Decision
from maestro.reviews.models import EdgeCase, ReviewTask
from maestro.tenancy.models import Membership
from tests.conftest import client_for
from tests.decisions.factories import DecisionFactory
from tests.harness.isolation import assert_hidden, outsiders
from tests.mapping.factories import ProcessFactory
from tests.reviews.conftest import open_task
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _url(task, action=""):
    return f"/api/review-tasks/{task.pk}/{action}"


def test_queue_lists_my_open_tasks(world, task_a):
    r = client_for(world.operator_a).get("/api/review-tasks/queue/")
    assert r.status_code == 200
    body = r.json()
    assert [t["id"] for t in body["results"]] == [task_a.pk]
    row = body["results"][0]
    assert row["decision"]["case_ref"] == "INV-1"
    assert row["decision"]["reasons"][0]["code"] == "below_threshold"
    assert row["overdue"] is False
    assert client_for(world.consultant).get("/api/review-tasks/queue/").json()["results"] == []


def test_task_detail_has_events_and_outcome_choices(world, task_a):
    r = client_for(world.sponsor_a).get(_url(task_a))
    assert r.status_code == 200
    body = r.json()
    assert body["title"] == "Review: Invoice approval case INV-1"
    assert body["outcome_choices"][0] == "approve"
    assert [e["kind"] for e in body["events"]] == ["assigned"]
    assert body["assignee"]["id"] == world.operator_a.pk


def test_resolve_with_an_override(world, task_a):
    r = client_for(world.operator_a).post(
        _url(task_a, "resolve/"), {"final_outcome": "reject", "note": "duplicate invoice"}
    )
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["status"] == "resolved"
    assert body["decision"]["overridden"] is True
    assert body["decision"]["final_outcome"] == "reject"
    assert [e["kind"] for e in body["events"]] == ["assigned", "resolved"]


def test_second_resolve_is_a_409_and_the_first_outcome_stays(world, task_a):
    other = MembershipFactory(client=world.client_a, role=Membership.Role.OPERATOR).user
    first = client_for(world.operator_a).post(_url(task_a, "resolve/"), {"final_outcome": "reject"})
    assert first.status_code == 200

    r = client_for(other).post(_url(task_a, "resolve/"), {"final_outcome": "approve", "note": "n"})

    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "task_already_resolved"
    assert body["resolved_outcome"] == "reject"
    assert body["resolved_by"]["id"] == world.operator_a.pk
    assert (body["your_outcome"], body["your_note"]) == ("approve", "n")
    assert ReviewTask.objects.get(pk=task_a.pk).final_outcome == "reject"
    assert Decision.objects.get(pk=task_a.decision_id).final_outcome == "reject"


def test_resolve_rejects_bad_input(world, task_a):
    api = client_for(world.operator_a)
    r = api.post(_url(task_a, "resolve/"), {"final_outcome": ""})
    assert r.status_code == 400
    assert "final_outcome" in r.json()
    r = api.post(_url(task_a, "resolve/"), {"final_outcome": "x" * 201})
    assert r.status_code == 400
    assert "final_outcome" in r.json()
    r = api.post(_url(task_a, "resolve/"), {"final_outcome": "x", "status": "resolved"})
    assert r.status_code == 400
    assert r.json()["status"] == ["Unknown field; it cannot be set here."]
    assert ReviewTask.objects.get(pk=task_a.pk).status == "open"


def test_sponsor_gets_403_on_resolve_and_reassign(world, task_a):
    api = client_for(world.sponsor_a)
    r = api.post(_url(task_a, "resolve/"), {"final_outcome": "reject"})
    assert r.status_code == 403
    assert r.json()["code"] == "not_operator"
    r = api.post(_url(task_a, "reassign/"), {"to_user": world.consultant.pk})
    assert r.status_code == 403
    assert ReviewTask.objects.get(pk=task_a.pk).status == "open"


def test_other_tenant_gets_404_everywhere(world, task_a):
    edge = EdgeCase.objects.create(
        engagement=world.engagement_a,
        decision=task_a.decision,
        note="n",
        flagged_by=world.consultant,
    )
    for user in outsiders(world):
        api = client_for(user)
        requests = [
            ("get", _url(task_a)),
            ("post", _url(task_a, "resolve/"), {"final_outcome": "reject"}),
            ("post", _url(task_a, "reassign/"), {"to_user": user.pk}),
            ("get", f"/api/engagements/{world.engagement_a.pk}/review-tasks/"),
            ("post", f"/api/edge-cases/{edge.pk}/review/"),
        ]
        assert_hidden(api, requests)
        assert api.get("/api/edge-cases/").json()["results"] == []
        r = api.post("/api/edge-cases/", {"decision": task_a.decision_id, "note": "x"})
        assert r.status_code == 400
        assert "decision" in r.json()
    assert ReviewTask.objects.get(pk=task_a.pk).status == "open"


def test_reassign(world, task_a):
    r = client_for(world.consultant).post(
        _url(task_a, "reassign/"), {"to_user": world.consultant.pk, "note": "I take it"}
    )
    assert r.status_code == 200, r.json()
    assert r.json()["assignee"]["id"] == world.consultant.pk
    assert r.json()["events"][-1]["kind"] == "reassigned"


def test_reassign_refuses_a_user_of_another_client(world, task_a):
    r = client_for(world.consultant).post(
        _url(task_a, "reassign/"), {"to_user": world.operator_b.pk}
    )
    assert r.status_code == 400
    assert "to_user" in r.json()


def test_engagement_task_list_filters(world, task_a):
    process = ProcessFactory(engagement=world.engagement_a)
    other = open_task(DecisionFactory(process=process))
    client_for(world.operator_a).post(_url(other, "resolve/"), {"final_outcome": "approve"})
    api = client_for(world.consultant)
    url = f"/api/engagements/{world.engagement_a.pk}/review-tasks/"

    assert [t["id"] for t in api.get(url).json()["results"]] == [task_a.pk, other.pk]
    assert [t["id"] for t in api.get(url, {"status": "resolved"}).json()["results"]] == [other.pk]
    assert api.get(url, {"overdue": "true"}).json()["results"] == []
    r = api.get(url, {"status": "nope"})
    assert r.status_code == 400
    assert "status" in r.json()
    r = api.get(url, {"assignee": "99999999999"})
    assert r.status_code == 400


def test_edge_case_flag_list_and_review(world, task_a):
    api = client_for(world.operator_a)
    r = api.post("/api/edge-cases/", {"decision": task_a.decision_id, "note": "odd"})
    assert r.status_code == 201, r.json()
    edge_id = r.json()["id"]
    assert r.json()["case_ref"] == "INV-1"

    listed = api.get("/api/edge-cases/", {"engagement": world.engagement_a.pk, "reviewed": "false"})
    assert [e["id"] for e in listed.json()["results"]] == [edge_id]

    r = api.post(f"/api/edge-cases/{edge_id}/review/")
    assert r.status_code == 200
    assert r.json()["reviewed_at"] is not None
    r = api.post(f"/api/edge-cases/{edge_id}/review/")
    assert r.status_code == 409
    assert r.json()["code"] == "edge_case_already_reviewed"
    assert api.get("/api/edge-cases/", {"reviewed": "false"}).json()["results"] == []


def test_edge_case_flag_needs_a_note_and_not_a_sponsor(world, task_a):
    r = client_for(world.operator_a).post("/api/edge-cases/", {"decision": task_a.decision_id})
    assert r.status_code == 400
    assert "note" in r.json()
    r = client_for(world.sponsor_a).post(
        "/api/edge-cases/", {"decision": task_a.decision_id, "note": "x"}
    )
    assert r.status_code == 403
    assert r.json()["code"] == "not_operator"


@pytest.mark.parametrize("size", [2, 20])
def test_queue_api_query_count_is_constant(world, size, django_assert_num_queries):
    process = ProcessFactory(engagement=world.engagement_a)
    for _ in range(size):
        open_task(DecisionFactory(process=process))
    api = client_for(world.operator_a)
    with django_assert_num_queries(2):  # count, page
        r = api.get("/api/review-tasks/queue/")
    assert r.json()["count"] == size


@pytest.mark.parametrize("user_id", [10**20, -5, "abc"])
def test_reassign_to_an_impossible_user_id_is_400(world, task_a, user_id):
    r = client_for(world.consultant).post(
        _url(task_a, "reassign/"), {"to_user": user_id}, format="json"
    )
    assert r.status_code == 400
    assert "to_user" in r.json()


@pytest.mark.parametrize("decision_id", [10**20, 0, "abc"])
def test_flagging_an_impossible_decision_id_is_400(world, decision_id):
    r = client_for(world.operator_a).post(
        "/api/edge-cases/", {"decision": decision_id, "note": "odd"}, format="json"
    )
    assert r.status_code == 400
    assert "decision" in r.json()
