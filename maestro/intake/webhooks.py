"""The `decision.escalated` webhook: the one place its payload is built."""

from collections.abc import Mapping

from maestro.decisions.models import Decision
from maestro.engagements.models import Engagement
from maestro.mapping.models import Process
from maestro.reviews.models import ReviewTask
from maestro.webhooks.models import WebhookEvent
from maestro.webhooks.services import webhook_events_emit


def decision_escalated_payload(
    decision: Decision, process: Process, task: ReviewTask | None
) -> dict:
    return {
        "decision": {
            "id": decision.pk,
            "process": {"id": process.pk, "name": process.name},
            "case_ref": decision.case_ref,
            "category": decision.category,
            "proposed_outcome": decision.proposed_outcome,
            "confidence": str(decision.confidence),
            "amount": str(decision.amount) if decision.amount is not None else None,
            "currency": decision.currency,
            "counterparty": decision.counterparty,
            "reasons": decision.reasons,
            "received_at": decision.received_at.isoformat(),
            # Posted with a test key: a receiver can tell a trial from the real thing.
            "is_test": decision.is_test,
        },
        "review_task": None
        if task is None
        else {
            "id": task.pk,
            "assignee_id": task.assignee_id,
            "due_at": task.due_at.isoformat() if task.due_at else None,
        },
    }


def decisions_escalated_emit(
    *,
    engagement: Engagement,
    decisions: list[Decision],
    processes: Mapping[int, Process],
    tasks: Mapping[int, ReviewTask],
) -> None:
    """One `decision.escalated` event per human-routed decision of the batch."""
    if decisions:
        webhook_events_emit(
            engagement=engagement,
            event=WebhookEvent.DECISION_ESCALATED,
            payloads=[
                decision_escalated_payload(d, processes[d.process_id], tasks.get(d.pk))
                for d in decisions
            ],
        )
