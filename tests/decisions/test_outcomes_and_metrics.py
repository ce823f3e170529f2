from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from maestro.decisions.models import Decision
from maestro.decisions.selectors import (
    deployment_metrics,
    economics_compute,
    economics_total,
    process_economics,
)
from maestro.reviews.models import ReviewTask
from maestro.reviews.services import review_task_resolve
from maestro.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import client_for
from tests.decisions.conftest import decision
from tests.mapping.factories import ProcessFactory

URL = "/api/decisions/"
OUTCOMES = "/api/decisions/outcomes/"


def post(agent, process, **fields):
    r = agent.post(URL, decision(process, **fields), format="json")
    assert r.status_code == 201, r.json()
    return r.json()


# --- outcome feedback ---------------------------------------------------------------------------


def test_feedback_records_the_true_outcome_of_an_auto_decision(agent_a, process_a, playbook_a):
    answer = post(agent_a, process_a, case_ref="F-1")
    r = agent_a.post(
        OUTCOMES, {"process": process_a.pk, "case_ref": "F-1", "outcome": "reject"}, format="json"
    )
    assert r.status_code == 200, r.json()
    assert r.json() == {
        "status": "recorded",
        "id": answer["id"],
        "case_ref": "F-1",
        "final_outcome": "reject",
        "overridden": True,
    }
    stored = Decision.objects.get(pk=answer["id"])
    assert (stored.outcome_source, stored.final_outcome) == ("feedback", "reject")


def test_feedback_on_a_decision_under_review_is_409(agent_a, process_a, playbook_a):
    answer = post(agent_a, process_a, case_ref="F-2", confidence=0.2)
    r = agent_a.post(
        OUTCOMES, {"process": process_a.pk, "case_ref": "F-2", "outcome": "approve"}, format="json"
    )
    assert r.status_code == 409
    assert r.json()["code"] == "decision_under_review"
    assert r.json()["review_task"] == answer["review_task"]


def test_feedback_after_the_review_outcome_is_409(agent_a, process_a, playbook_a, world):
    answer = post(agent_a, process_a, case_ref="F-3", confidence=0.2)
    task = ReviewTask.objects.get(pk=answer["review_task"])
    review_task_resolve(task=task, final_outcome="reject", by=world.operator_a)
    r = agent_a.post(
        OUTCOMES, {"process": process_a.pk, "case_ref": "F-3", "outcome": "approve"}, format="json"
    )
    assert r.status_code == 409
    assert r.json()["code"] == "outcome_already_recorded"
    assert r.json()["recorded_outcome"] == "reject"


def test_feedback_for_an_unknown_case_ref_is_404(agent_a, process_a):
    r = agent_a.post(
        OUTCOMES, {"process": process_a.pk, "case_ref": "nope", "outcome": "x"}, format="json"
    )
    assert r.status_code == 404
    assert r.json()["code"] == "unknown_decision"


def test_feedback_cannot_reach_another_engagements_decision(agent_a, world):
    from tests.decisions.factories import DecisionFactory

    process_b = ProcessFactory(engagement=world.engagement_b)
    other = DecisionFactory(process=process_b, case_ref="B-1", route="auto")
    r = agent_a.post(
        OUTCOMES, {"process": process_b.pk, "case_ref": "B-1", "outcome": "x"}, format="json"
    )
    assert r.status_code == 404
    other.refresh_from_db()
    assert other.final_outcome == ""


def test_feedback_batch_records_each_item_on_its_own(agent_a, process_a, playbook_a):
    post(agent_a, process_a, case_ref="G-1")
    post(agent_a, process_a, case_ref="G-2", confidence=0.2)
    r = agent_a.post(
        OUTCOMES,
        {
            "outcomes": [
                {"process": process_a.pk, "case_ref": "G-1", "outcome": "approve"},
                {"process": process_a.pk, "case_ref": "G-2", "outcome": "approve"},
                {"process": process_a.pk, "case_ref": "G-9", "outcome": "approve"},
                {"process": process_a.pk, "case_ref": "G-1"},
                "G-1",
            ]
        },
        format="json",
    )
    assert r.status_code == 200
    body = r.json()
    assert (body["recorded"], body["rejected"]) == (1, 4)
    assert "Expected a dictionary" in body["results"][4]["errors"]["non_field_errors"][0]
    assert [row.get("code") for row in body["results"]] == [
        None,
        "decision_under_review",
        "unknown_decision",
        None,
        None,
    ]
    assert "outcome" in body["results"][3]["errors"]
    assert body["results"][0]["overridden"] is False


# --- webhooks -----------------------------------------------------------------------------------


def test_human_routed_decisions_emit_decision_escalated(
    agent_a, process_a, playbook_a, world, django_capture_on_commit_callbacks
):
    endpoint = WebhookEndpoint.objects.create(
        engagement=world.engagement_a,
        url="https://example.com/hook",
        secret="s",
        events=["decision.escalated"],
    )
    with django_capture_on_commit_callbacks():
        agent_a.post(
            URL,
            {
                "decisions": [
                    decision(process_a, case_ref="W-1", confidence=0.2),
                    decision(process_a, case_ref="W-2"),
                ]
            },
            format="json",
        )
    deliveries = list(WebhookDelivery.objects.filter(endpoint=endpoint))
    assert len(deliveries) == 1
    assert deliveries[0].event == "decision.escalated"
    assert deliveries[0].payload["decision"]["case_ref"] == "W-1"
    assert deliveries[0].payload["review_task"]["assignee_id"] == world.operator_a.pk


# --- metrics ------------------------------------------------------------------------------------


@pytest.fixture
def live(agent_a, process_a, playbook_a, world):
    """4 decisions: 2 auto (one confirmed right, one confirmed wrong by feedback), 2 human (one
    resolved with an override, one still open and overdue)."""
    post(agent_a, process_a, case_ref="M-1")
    post(agent_a, process_a, case_ref="M-2")
    overridden = post(agent_a, process_a, case_ref="M-3", confidence=0.2)
    open_ = post(agent_a, process_a, case_ref="M-4", confidence=0.2)
    for case_ref, outcome in [("M-1", "approve"), ("M-2", "reject")]:
        agent_a.post(
            OUTCOMES,
            {"process": process_a.pk, "case_ref": case_ref, "outcome": outcome},
            format="json",
        )
    review_task_resolve(
        task=ReviewTask.objects.get(pk=overridden["review_task"]),
        final_outcome="reject",
        by=world.operator_a,
    )
    ReviewTask.objects.filter(pk=open_["review_task"]).update(
        due_at=timezone.now() - timedelta(minutes=5)
    )
    Decision.objects.filter(case_ref="M-1").update(received_at=timezone.now() - timedelta(days=3))


def test_deployment_metrics(live, world, django_assert_num_queries):
    with django_assert_num_queries(2):
        metrics = deployment_metrics(engagement=world.engagement_a)
    assert metrics["volume"] == {"total": 4, "today": 3, "last_7_days": 4}
    assert metrics["escalation_rate"] == Decimal("0.5")
    assert metrics["override_rate"] == Decimal("1")  # the one reviewed decision was overridden
    assert metrics["accuracy"] == Decimal("0.3333")  # M-1 right; M-2 and M-3 wrong
    assert (metrics["open_tasks"], metrics["overdue_tasks"]) == (1, 1)


def test_metrics_of_an_engagement_without_decisions_are_empty(world):
    metrics = deployment_metrics(engagement=world.engagement_b)
    assert metrics["volume"]["total"] == 0
    assert metrics["escalation_rate"] is None and metrics["accuracy"] is None


def test_metrics_api_is_scoped_to_the_users_engagements(live, world):
    url = f"/api/engagements/{world.engagement_a.pk}/deployment-metrics/"
    r = client_for(world.sponsor_a).get(url)
    assert r.status_code == 200
    assert r.json()["escalation_rate"] == "0.5000"
    assert r.json()["economics"][0]["automation_rate"] == "0.5000"
    r = client_for(world.operator_b).get(url)
    assert r.status_code == 404


# --- economics ----------------------------------------------------------------------------------


def test_economics_of_the_article_example():
    hours, freed, fte = economics_compute(
        volume_per_day=200, minutes_per_case=12, automation_rate=Decimal("0.85")
    )
    assert (hours, freed, fte) == (Decimal(40), Decimal(34), Decimal("4.25"))


def test_economics_not_measured_without_live_decisions(world):
    ProcessFactory(engagement=world.engagement_b, volume_per_day=200, minutes_per_case=12)
    (row,) = process_economics(engagement=world.engagement_b)
    assert row.hours_per_day == Decimal(40)
    assert row.automation_rate is None and row.hours_freed_per_day is None
    assert economics_total([row])["hours_freed_per_day"] is None


def test_economics_uses_the_measured_automation_rate(world, django_assert_num_queries):
    from tests.decisions.factories import DecisionFactory

    process = ProcessFactory(engagement=world.engagement_b, volume_per_day=200, minutes_per_case=12)
    ProcessFactory(engagement=world.engagement_b, volume_per_day=10, minutes_per_case=6)
    for i in range(20):
        DecisionFactory(process=process, route="auto" if i < 17 else "human")
    # One for the processes' live decisions, one for monitoring's weekly automation rates
    # (none here: no day scored yet, so the rate is the live decisions' share).
    with django_assert_num_queries(2):
        rows = process_economics(engagement=world.engagement_b)
    measured = next(r for r in rows if r.process == process)
    assert measured.automation_rate == Decimal("0.85")
    assert measured.hours_freed_per_day == Decimal(34)
    assert measured.fte_freed == Decimal("4.25")
    assert measured.automation_basis == "all live decisions so far"
    total = economics_total(rows)
    assert total["hours_per_day"] == Decimal(41)
    assert total["hours_freed_per_day"] == Decimal(34)
    assert (total["measured_processes"], total["processes"]) == (1, 2)
