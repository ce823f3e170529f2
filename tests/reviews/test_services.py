import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from maestro.decisions.models import Decision
from maestro.exceptions import DomainError, NotPermitted, StateConflict
from maestro.reviews.models import EdgeCase, ReviewTask, ReviewTaskEvent
from maestro.reviews.services import (
    edge_case_flag,
    edge_case_mark_reviewed,
    review_task_reassign,
    review_task_resolve,
    review_task_resolve_and_flag,
)
from maestro.tenancy.models import Membership
from maestro.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _endpoint(engagement):
    return WebhookEndpoint.objects.create(
        engagement=engagement,
        url="http://127.0.0.1:9/hook",
        secret="s" * 32,
        events=["task.resolved", "task.overridden", "task.overdue"],
    )


def test_resolve_with_the_proposed_outcome_is_not_an_override(world, task_a):
    endpoint = _endpoint(world.engagement_a)

    task = review_task_resolve(
        task=task_a, final_outcome="Approve ", note="ok", by=world.operator_a
    )

    task.refresh_from_db()
    decision = Decision.objects.get(pk=task.decision_id)
    assert (task.status, task.final_outcome, task.resolved_by) == (
        ReviewTask.Status.RESOLVED,
        "Approve",
        world.operator_a,
    )
    assert (decision.final_outcome, decision.outcome_source, decision.overridden) == (
        "Approve",
        Decision.OutcomeSource.REVIEW,
        False,
    )
    assert decision.outcome_at is not None
    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert [d.event for d in deliveries] == ["task.resolved"]
    assert deliveries[0].payload["overridden"] is False
    assert task.events.filter(kind=ReviewTaskEvent.Kind.RESOLVED, by=world.operator_a).exists()


def test_resolve_with_another_outcome_is_an_override_and_emits_both_events(world, task_a):
    endpoint = _endpoint(world.engagement_a)

    review_task_resolve(task=task_a, final_outcome="reject", note="", by=world.consultant)

    decision = Decision.objects.get(pk=task_a.decision_id)
    assert decision.overridden is True
    assert decision.final_outcome == "reject"
    events = sorted(
        WebhookDelivery.objects.filter(endpoint=endpoint).values_list("event", flat=True)
    )
    assert events == ["task.overridden", "task.resolved"]
    payload = WebhookDelivery.objects.get(event="task.overridden").payload
    assert payload["overridden"] is True
    assert payload["case_ref"] == "INV-1"
    assert payload["proposed_outcome"] == "approve"


def test_resolve_twice_conflicts_with_the_winners_outcome_and_keeps_the_losers_input(world, task_a):
    other = MembershipFactory(client=world.client_a, role=Membership.Role.OPERATOR).user
    stale = ReviewTask.objects.get(pk=task_a.pk)
    review_task_resolve(task=task_a, final_outcome="reject", note="first", by=world.operator_a)

    with pytest.raises(StateConflict) as exc:
        review_task_resolve(task=stale, final_outcome="escalate", note="mine", by=other)

    assert exc.value.code == "task_already_resolved"
    assert "reject" in exc.value.message
    assert exc.value.extra["resolved_outcome"] == "reject"
    assert exc.value.extra["resolved_by"]["id"] == world.operator_a.pk
    assert (exc.value.extra["your_outcome"], exc.value.extra["your_note"]) == ("escalate", "mine")
    task = ReviewTask.objects.get(pk=task_a.pk)
    assert (task.final_outcome, task.note, task.resolved_by) == (
        "reject",
        "first",
        world.operator_a,
    )
    assert Decision.objects.get(pk=task.decision_id).final_outcome == "reject"
    assert task.events.filter(kind=ReviewTaskEvent.Kind.RESOLVED).count() == 1


def test_resolve_refuses_a_cancelled_task(world, task_a):
    ReviewTask.objects.filter(pk=task_a.pk).update(status=ReviewTask.Status.CANCELLED)
    with pytest.raises(StateConflict) as exc:
        review_task_resolve(task=task_a, final_outcome="x", note="", by=world.operator_a)
    assert exc.value.code == "task_not_open"


def test_resolve_refuses_sponsors(world, task_a):
    with pytest.raises(NotPermitted) as exc:
        review_task_resolve(task=task_a, final_outcome="x", note="", by=world.sponsor_a)
    assert exc.value.code == "not_operator"
    assert ReviewTask.objects.get(pk=task_a.pk).status == ReviewTask.Status.OPEN


def test_resolve_refuses_a_blank_outcome(world, task_a):
    with pytest.raises(ValidationError) as exc:
        review_task_resolve(task=task_a, final_outcome="   ", note="", by=world.operator_a)
    assert "final_outcome" in exc.value.message_dict


def test_reassign_to_another_operator_records_the_event_and_mails_them(
    world, task_a, django_capture_on_commit_callbacks
):
    other = MembershipFactory(
        client=world.client_a, role=Membership.Role.OPERATOR, user__email="o2@example.com"
    ).user

    with django_capture_on_commit_callbacks(execute=True):
        review_task_reassign(task=task_a, to_user=other, by=world.consultant, note="on leave")

    assert ReviewTask.objects.get(pk=task_a.pk).assignee == other
    event = task_a.events.get(kind=ReviewTaskEvent.Kind.REASSIGNED)
    assert (event.from_user, event.to_user, event.by, event.note) == (
        world.operator_a,
        other,
        world.consultant,
        "on leave",
    )
    assert [m.to for m in mail.outbox] == [["o2@example.com"]]
    assert mail.outbox[0].subject.startswith("Review task reassigned to you: Review: ")
    assert "Note: on leave" in mail.outbox[0].body


def test_reassign_refuses_a_target_outside_the_engagement(world, task_a):
    with pytest.raises(ValidationError) as exc:
        review_task_reassign(task=task_a, to_user=world.operator_b, by=world.consultant, note="")
    assert "to_user" in exc.value.message_dict
    with pytest.raises(ValidationError):
        review_task_reassign(task=task_a, to_user=world.sponsor_a, by=world.consultant, note="")


def test_reassign_refuses_sponsors_and_the_same_assignee(world, task_a):
    with pytest.raises(NotPermitted):
        review_task_reassign(task=task_a, to_user=world.consultant, by=world.sponsor_a, note="")
    with pytest.raises(DomainError) as exc:
        review_task_reassign(task=task_a, to_user=world.operator_a, by=world.consultant, note="")
    assert exc.value.code == "already_assigned"


def test_reassign_refuses_a_resolved_task(world, task_a):
    review_task_resolve(task=task_a, final_outcome="approve", note="", by=world.operator_a)
    with pytest.raises(StateConflict) as exc:
        review_task_reassign(task=task_a, to_user=world.consultant, by=world.consultant, note="")
    assert exc.value.code == "task_already_resolved"


def test_edge_case_flag_and_mark_reviewed(world, task_a):
    edge = edge_case_flag(decision=task_a.decision, note=" odd supplier ", by=world.operator_a)
    assert (edge.note, edge.engagement, edge.flagged_by) == (
        "odd supplier",
        world.engagement_a,
        world.operator_a,
    )

    edge_case_mark_reviewed(edge_case=edge, by=world.consultant)

    assert EdgeCase.objects.get(pk=edge.pk).reviewed_at is not None
    with pytest.raises(StateConflict) as exc:
        edge_case_mark_reviewed(edge_case=edge, by=world.consultant)
    assert exc.value.code == "edge_case_already_reviewed"


def test_edge_case_flag_requires_a_note_and_a_worker(world, task_a):
    with pytest.raises(ValidationError) as exc:
        edge_case_flag(decision=task_a.decision, note="  ", by=world.operator_a)
    assert "note" in exc.value.message_dict
    with pytest.raises(NotPermitted):
        edge_case_flag(decision=task_a.decision, note="x", by=world.sponsor_a)
    assert not EdgeCase.objects.exists()


def test_resolve_and_flag_resolves_and_flags_together(world, task_a):
    review_task_resolve_and_flag(
        task=task_a, final_outcome="approve", by=world.operator_a, edge_case_note="odd supplier"
    )

    task_a.refresh_from_db()
    assert task_a.status == ReviewTask.Status.RESOLVED
    assert EdgeCase.objects.get(decision=task_a.decision).note == "odd supplier"


def test_resolve_and_flag_refused_flag_leaves_the_task_open(world, task_a):
    endpoint = _endpoint(world.engagement_a)

    with pytest.raises(ValidationError):
        review_task_resolve_and_flag(
            task=task_a, final_outcome="approve", by=world.operator_a, edge_case_note="  "
        )

    task_a.refresh_from_db()
    decision = Decision.objects.get(pk=task_a.decision_id)
    assert (task_a.status, task_a.final_outcome) == (ReviewTask.Status.OPEN, "")
    assert (decision.outcome_source, decision.final_outcome) == ("", "")
    assert not EdgeCase.objects.exists()
    assert not ReviewTaskEvent.objects.filter(task=task_a, kind="resolved").exists()
    assert not WebhookDelivery.objects.filter(endpoint=endpoint).exists()
