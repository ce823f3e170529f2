"""The review queue's webhooks — `task.resolved`, `task.overridden`, `task.overdue` — and the
one place their payloads are built."""

from datetime import datetime
from typing import Any

from maestro.decisions.models import Decision
from maestro.reviews.models import ReviewTask
from maestro.reviews.services.common import user_summary
from maestro.tenancy.models import User
from maestro.webhooks.models import WebhookEvent
from maestro.webhooks.services import webhook_event_emit


def _task_fields(task: ReviewTask) -> dict[str, Any]:
    decision = task.decision
    return {
        "task_id": task.pk,
        "engagement_id": task.engagement_id,
        "kind": task.kind,
        "title": task.title,
        "decision_id": decision.pk if decision else None,
        "case_ref": decision.case_ref if decision else None,
        "process_id": decision.process_id if decision else None,
    }


def review_task_resolved_payload(
    *, task: ReviewTask, decision: Decision | None, overridden: bool, by: User, at: datetime
) -> dict[str, Any]:
    """`task.resolved` and, for an override, `task.overridden` (the same payload)."""
    return _task_fields(task) | {
        "final_outcome": task.final_outcome,
        "proposed_outcome": decision.proposed_outcome if decision else None,
        "overridden": overridden,
        "note": task.note,
        "resolved_by": user_summary(by),
        "resolved_at": at.isoformat(),
    }


def review_task_resolved_emit(
    *, task: ReviewTask, decision: Decision | None, overridden: bool, by: User, at: datetime
) -> None:
    payload = review_task_resolved_payload(
        task=task, decision=decision, overridden=overridden, by=by, at=at
    )
    webhook_event_emit(
        engagement=task.engagement, event=WebhookEvent.TASK_RESOLVED, payload=payload
    )
    if overridden:
        webhook_event_emit(
            engagement=task.engagement, event=WebhookEvent.TASK_OVERRIDDEN, payload=payload
        )


def review_task_overdue_payload(
    *, task: ReviewTask, overdue_since: datetime, from_user: User | None, to_user: User
) -> dict[str, Any]:
    """`task.overdue`: sent when the task escalates one step (`task` already escalated)."""
    return _task_fields(task) | {
        "overdue_since": overdue_since.isoformat(),
        "escalation_level": task.escalation_level,
        "from_user": user_summary(from_user),
        "to_user": user_summary(to_user),
        "due_at": task.due_at.isoformat(),
    }


def review_task_overdue_emit(
    *, task: ReviewTask, overdue_since: datetime, from_user: User | None, to_user: User
) -> None:
    webhook_event_emit(
        engagement=task.engagement,
        event=WebhookEvent.TASK_OVERDUE,
        payload=review_task_overdue_payload(
            task=task, overdue_since=overdue_since, from_user=from_user, to_user=to_user
        ),
    )
