"""Test keys: decisions posted with one are routed and answered like live ones, stored as test
decisions, left out of every metric, and removed in one action."""

from datetime import timedelta

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from maestro.decisions import selectors
from maestro.decisions.models import AgentApiKey, Decision
from maestro.decisions.services import agent_api_key_create, decisions_remove_test
from maestro.exceptions import NotPermitted
from maestro.playbooks.models import KnownCounterparty
from maestro.reviews.models import EdgeCase, ReviewTask, ReviewTaskEvent
from maestro.reviews.services import review_task_resolve
from maestro.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import client_for
from tests.decisions.conftest import agent_client, decision
from tests.harness.isolation import assert_hidden_from_outsiders

URL = "/api/decisions/"
OUTCOMES = "/api/decisions/outcomes/"


def browser(user) -> HttpClient:
    client = HttpClient()
    client.force_login(user)
    return client


@pytest.fixture
def trial_key(world):
    return agent_api_key_create(
        engagement=world.engagement_a, name="Trial agent", by=world.consultant, is_test=True
    )


@pytest.fixture
def agent_trial(trial_key):
    return agent_client(trial_key[1])


def post(agent, process, **fields):
    r = agent.post(URL, decision(process, **fields), format="json")
    assert r.status_code == 201, r.json()
    return r.json()


def _answer(body: dict) -> dict:
    return {k: v for k, v in body.items() if k not in ("id", "review_task")}


# --- keys ---------------------------------------------------------------------------------------


def test_consultant_creates_a_test_key_that_says_so(world):
    url = f"/api/engagements/{world.engagement_a.pk}/api-keys/"
    r = client_for(world.consultant).post(url, {"name": "Sandbox", "is_test": True}, format="json")
    assert r.status_code == 201
    body = r.json()
    assert body["is_test"] is True
    assert body["prefix"].startswith("mk_test_")
    assert body["secret"].startswith(body["prefix"] + "_")
    assert AgentApiKey.objects.get(pk=body["id"]).is_test
    live = client_for(world.consultant).post(url, {"name": "Prod"}, format="json").json()
    assert live["is_test"] is False and not live["prefix"].startswith("mk_test_")
    listed = {k["name"]: k["is_test"] for k in client_for(world.consultant).get(url).json()}
    assert listed == {"Sandbox": True, "Prod": False}


def test_keys_page_creates_a_test_key_and_shows_the_badge(world):
    url = f"/engagements/{world.engagement_a.pk}/api-keys/"
    page = browser(world.consultant).post(url, {"name": "Sandbox", "is_test": "on"})
    assert page.status_code == 201
    body = page.content.decode()
    assert "mk_test_" in body and 'class="badge test"' in body
    assert AgentApiKey.objects.get(name="Sandbox").is_test


def test_a_test_key_authenticates_and_a_malformed_one_does_not(trial_key, process_a, playbook_a):
    key, secret = trial_key
    assert post(agent_client(secret), process_a)["route"] == "auto"
    broken = secret.replace("mk_test_", "mk_tst_", 1)
    r = agent_client(broken).post(URL, decision(process_a, case_ref="X"), format="json")
    assert r.status_code == 401


# --- routed and answered like live ones -----------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {},  # auto
        {"confidence": 0.2},  # human: confidence
        {"amount": "90000", "counterparty": "Fabrikam"},  # human: amount and new counterparty
    ],
)
def test_a_test_decision_is_routed_and_answered_like_a_live_one(
    agent_a, agent_trial, process_a, playbook_a, fields
):
    live = post(agent_a, process_a, case_ref="L-1", **fields)
    KnownCounterparty.objects.all().delete()  # the live post taught it; start equal
    test = post(agent_trial, process_a, case_ref="L-1", **fields)
    assert _answer(test) == _answer(live)
    assert (test["review_task"] is None) == (live["review_task"] is None)
    stored = Decision.objects.get(pk=test["id"])
    assert stored.is_test and not Decision.objects.get(pk=live["id"]).is_test
    if live["route"] == "human":
        assert ReviewTask.objects.get(pk=test["review_task"]).decision_id == test["id"]


def test_a_case_ref_tried_with_a_test_key_stays_free_for_the_live_agent(
    agent_a, agent_trial, process_a, playbook_a
):
    first = post(agent_trial, process_a, case_ref="PO-1", proposed_outcome="reject")
    again = agent_trial.post(URL, decision(process_a, case_ref="PO-1"), format="json")
    assert again.status_code == 200
    assert again.json()["id"] == first["id"] and again.json()["created"] is False
    live = post(agent_a, process_a, case_ref="PO-1")
    assert live["created"] is True and live["id"] != first["id"]
    assert Decision.objects.get(pk=live["id"]).proposed_outcome == "approve"
    assert Decision.objects.filter(case_ref="PO-1").count() == 2


def test_a_test_decision_teaches_no_counterparty_to_live_routing(
    agent_a, agent_trial, process_a, playbook_a
):
    trial = post(agent_trial, process_a, case_ref="T-1", counterparty="Contoso")
    assert [r["code"] for r in trial["reasons"]] == ["new_counterparty"]
    assert not KnownCounterparty.objects.filter(name="Contoso").exists()
    live = post(agent_a, process_a, case_ref="T-1", counterparty="Contoso")
    assert [r["code"] for r in live["reasons"]] == ["new_counterparty"]
    assert KnownCounterparty.objects.filter(name="Contoso").exists()
    # The live list is read by test decisions: now known to both.
    assert post(agent_trial, process_a, case_ref="T-2", counterparty="Contoso")["route"] == "auto"


def test_outcome_feedback_reaches_the_keys_own_mode_only(
    agent_a, agent_trial, process_a, playbook_a
):
    post(agent_trial, process_a, case_ref="F-1")
    body = {"process": process_a.pk, "case_ref": "F-1", "outcome": "reject"}
    assert agent_a.post(OUTCOMES, body, format="json").status_code == 404
    r = agent_trial.post(OUTCOMES, body, format="json")
    assert r.status_code == 200 and r.json()["overridden"] is True
    assert Decision.objects.get(case_ref="F-1").final_outcome == "reject"


def test_escalated_webhook_says_the_decision_is_a_test(
    agent_trial, process_a, playbook_a, world, django_capture_on_commit_callbacks
):
    WebhookEndpoint.objects.create(
        engagement=world.engagement_a,
        url="https://example.com/hook",
        secret="s",
        events=["decision.escalated"],
    )
    with django_capture_on_commit_callbacks():
        post(agent_trial, process_a, case_ref="W-1", confidence=0.2)
    (delivery,) = WebhookDelivery.objects.all()
    assert delivery.payload["decision"]["is_test"] is True


# --- left out of every figure --------------------------------------------------------------------


def _figures(engagement) -> dict:
    rows = selectors.process_economics(engagement=engagement)
    return {
        "metrics": selectors.deployment_metrics(engagement=engagement),
        "days": selectors.decision_daily_volume(engagement=engagement),
        "economics": [
            (r.process.pk, r.decisions, r.automation_rate, r.hours_freed_per_day) for r in rows
        ],
        "total": selectors.economics_total(rows),
    }


def _live_and_test(agent, process, world, prefix: str) -> None:
    """Decisions that move every figure: auto ones with feedback (right and wrong), a human one
    resolved with an override, a human one open and overdue, one received days ago."""
    post(agent, process, case_ref=f"{prefix}-1")
    post(agent, process, case_ref=f"{prefix}-2")
    overridden = post(agent, process, case_ref=f"{prefix}-3", confidence=0.2)
    overdue = post(agent, process, case_ref=f"{prefix}-4", confidence=0.2)
    for case_ref, outcome in [(f"{prefix}-1", "approve"), (f"{prefix}-2", "reject")]:
        body = {"process": process.pk, "case_ref": case_ref, "outcome": outcome}
        assert agent.post(OUTCOMES, body, format="json").status_code == 200
    review_task_resolve(
        task=ReviewTask.objects.get(pk=overridden["review_task"]),
        final_outcome="reject",
        by=world.operator_a,
    )
    ReviewTask.objects.filter(pk=overdue["review_task"]).update(
        due_at=timezone.now() - timedelta(minutes=5)
    )
    Decision.objects.filter(case_ref=f"{prefix}-1").update(
        received_at=timezone.now() - timedelta(days=3)
    )


def test_test_decisions_are_left_out_of_every_metric(
    agent_a, agent_trial, process_a, playbook_a, world
):
    _live_and_test(agent_a, process_a, world, "LIVE")
    before = _figures(world.engagement_a)
    assert before["metrics"]["volume"]["total"] == 4  # the live figures move…
    assert before["metrics"]["overdue_tasks"] == 1
    _live_and_test(agent_trial, process_a, world, "TEST")
    for i in range(5):  # …and a test key's many auto decisions would move them all
        post(agent_trial, process_a, case_ref=f"TEST-AUTO-{i}")
    assert Decision.objects.test().count() == 9
    assert _figures(world.engagement_a) == before


def test_metrics_api_and_engagement_page_leave_test_decisions_out(
    agent_a, agent_trial, process_a, playbook_a, world
):
    post(agent_a, process_a, case_ref="LIVE-1")
    post(agent_a, process_a, case_ref="LIVE-2", confidence=0.2)
    for i in range(3):
        post(agent_trial, process_a, case_ref=f"TEST-{i}", confidence=0.2)
    r = client_for(world.sponsor_a).get(
        f"/api/engagements/{world.engagement_a.pk}/deployment-metrics/"
    )
    assert r.json()["volume"]["total"] == 2
    assert r.json()["escalation_rate"] == "0.5000"
    assert r.json()["open_tasks"] == 1
    assert r.json()["economics"][0]["decisions"] == 2
    page = browser(world.consultant).get(f"/engagements/{world.engagement_a.pk}/")
    assert 'id="deployment-volume">2<' in page.content.decode()
    assert 'id="deployment-escalation">50.0%<' in page.content.decode()


def test_live_selector_is_what_figures_count(world, process_a):
    from tests.decisions.factories import DecisionFactory

    live = DecisionFactory(process=process_a)
    DecisionFactory(process=process_a, is_test=True)
    assert list(Decision.objects.live()) == [live]
    assert Decision.objects.test().count() == 1


# --- removed in one action ---------------------------------------------------------------------


@pytest.fixture
def trials(agent_a, agent_trial, process_a, playbook_a, world):
    """Two live decisions (one with a task) and three test ones (two with tasks, one of them
    resolved and flagged as an edge case)."""
    post(agent_a, process_a, case_ref="LIVE-1")
    live_task = post(agent_a, process_a, case_ref="LIVE-2", confidence=0.2)["review_task"]
    post(agent_trial, process_a, case_ref="TEST-1")
    resolved = post(agent_trial, process_a, case_ref="TEST-2", confidence=0.2)
    post(agent_trial, process_a, case_ref="TEST-3", confidence=0.2)
    task = ReviewTask.objects.get(pk=resolved["review_task"])
    review_task_resolve(task=task, final_outcome="approve", by=world.operator_a)
    EdgeCase.objects.create(
        engagement=world.engagement_a, decision_id=resolved["id"], note="odd", flagged_by=None
    )
    return live_task


def _snapshot():
    return (
        sorted(Decision.objects.values_list("case_ref", "is_test")),
        ReviewTask.objects.count(),
        ReviewTaskEvent.objects.count(),
        EdgeCase.objects.count(),
    )


def test_removing_test_decisions_takes_their_tasks_and_leaves_live_ones(trials, world):
    metrics = selectors.deployment_metrics(engagement=world.engagement_a)
    r = client_for(world.consultant).post(
        f"/api/engagements/{world.engagement_a.pk}/test-decisions/remove/"
    )
    assert r.status_code == 200
    assert r.json() == {"decisions": 3, "review_tasks": 2}
    assert sorted(Decision.objects.values_list("case_ref", flat=True)) == ["LIVE-1", "LIVE-2"]
    assert list(ReviewTask.objects.values_list("pk", flat=True)) == [trials]
    assert set(ReviewTaskEvent.objects.values_list("task_id", flat=True)) == {trials}
    assert EdgeCase.objects.count() == 0
    assert selectors.deployment_metrics(engagement=world.engagement_a) == metrics
    again = client_for(world.consultant).post(
        f"/api/engagements/{world.engagement_a.pk}/test-decisions/remove/"
    )
    assert again.json() == {"decisions": 0, "review_tasks": 0}


def test_only_consultants_remove_test_decisions(trials, world):
    url = f"/api/engagements/{world.engagement_a.pk}/test-decisions/remove/"
    before = _snapshot()
    for user in (world.operator_a, world.sponsor_a):
        r = client_for(user).post(url)
        assert r.status_code == 403
        assert r.json()["code"] == "not_consultant"
        page = browser(user).post(f"/engagements/{world.engagement_a.pk}/test-decisions/remove/")
        assert page.status_code == 403
    assert _snapshot() == before
    with pytest.raises(NotPermitted):
        decisions_remove_test(engagement=world.engagement_a, by=world.operator_a)


def test_another_clients_users_cannot_remove_or_see_test_decisions(trials, world):
    assert_hidden_from_outsiders(
        world,
        [("post", f"/api/engagements/{world.engagement_a.pk}/test-decisions/remove/")],
        unchanged=_snapshot,
    )
    assert_hidden_from_outsiders(
        world,
        [
            ("get", f"/engagements/{world.engagement_a.pk}/test-decisions/remove/"),
            ("post", f"/engagements/{world.engagement_a.pk}/test-decisions/remove/"),
        ],
        as_page=True,
        unchanged=_snapshot,
    )


def test_removal_page_asks_first_then_removes(trials, world):
    url = f"/engagements/{world.engagement_a.pk}/test-decisions/remove/"
    page = browser(world.consultant).get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "3 test decisions" in body and "2 review tasks" in body and "1 still open" in body
    assert Decision.objects.test().count() == 3  # asking removes nothing
    assert browser(world.operator_a).get(url).status_code == 403
    done = browser(world.consultant).post(url, follow=True)
    assert done.redirect_chain[-1][0] == f"/engagements/{world.engagement_a.pk}/decisions/"
    assert "Removed 3 test decision(s) and 2 review task(s)." in done.content.decode()
    assert Decision.objects.test().count() == 0 and Decision.objects.live().count() == 2


def test_pages_mark_test_decisions_and_offer_the_removal(trials, world):
    listing = browser(world.consultant).get(f"/engagements/{world.engagement_a.pk}/decisions/")
    body = listing.content.decode()
    assert body.count('class="badge test"') == 3
    assert "test-decisions/remove/" in body
    only_test = browser(world.operator_a).get(
        f"/engagements/{world.engagement_a.pk}/decisions/?mode=test"
    )
    body = only_test.content.decode()
    assert "TEST-1" in body and "LIVE-1" not in body
    assert "test-decisions/remove/" not in body  # operators cannot remove
    keys = browser(world.consultant).get(f"/engagements/{world.engagement_a.pk}/api-keys/")
    assert "3 test decisions with 2 review tasks" in keys.content.decode()
    # The operator's queue (one live and one test task open) and the task page say it too.
    queue = browser(world.operator_a).get("/queue/").content.decode()
    assert queue.count('class="badge test"') == 1
    test_task = ReviewTask.objects.get(decision__case_ref="TEST-3")
    page = browser(world.operator_a).get(f"/review-tasks/{test_task.pk}/").content.decode()
    assert 'class="badge test"' in page and "test key" in page
    live_page = browser(world.operator_a).get(f"/review-tasks/{trials}/").content.decode()
    assert 'class="badge test"' not in live_page
