"""Handing over the open review tasks of someone who left a client (or can no longer work
them), for maestro.people's deactivation and role changes."""

from collections.abc import Collection
from dataclasses import dataclass

from django.db import transaction

from maestro.audit.events import AuditEvent
from maestro.audit.services import audit_entry, audit_record_many
from maestro.reviews.models import ReviewTask, ReviewTaskEvent
from maestro.reviews.services.assignment import LeastLoaded, review_operator_loads
from maestro.reviews.services.common import notify_assignee
from maestro.tenancy.models import User


@dataclass(frozen=True)
class HandedOver:
    task: ReviewTask
    to_user: User | None


@transaction.atomic
def review_tasks_hand_over(
    *,
    from_user: User,
    client_id: int,
    by: User,
    note: str,
    reason: str,
    engagement_ids: Collection[int] | None = None,
) -> list[HandedOver]:
    """Reassign every open task `from_user` holds on the client's engagements (or only on
    `engagement_ids`) by the intake's rule: the client's remaining operators, least-loaded
    first, counting these picks; with none, the engagement's lead consultant; when that is
    `from_user` too, the task is left unassigned for the escalation job to place.

    The caller has already ended `from_user`'s reach (their membership is deactivated or
    changed), so they are not among the operators. Each move is a conditional update on
    (task, open, still theirs), recorded as a REASSIGNED event by `by` with `note` and in the
    audit trail (`task.reassigned`, with `reason` in its data), and mailed to the new assignee
    once committed. Returns what moved, in due order.
    """
    held = ReviewTask.objects.filter(
        assignee=from_user, status=ReviewTask.Status.OPEN, engagement__client_id=client_id
    )
    if engagement_ids is not None:
        held = held.filter(engagement_id__in=list(engagement_ids))
    tasks = list(held.select_related("engagement").order_by("due_at", "pk"))
    if not tasks:
        return []
    # The operators' load counts every open task at the client, so one picker serves all of
    # the client's engagements.
    operators = LeastLoaded(
        review_operator_loads(engagement=tasks[0].engagement, exclude=[from_user.pk])
    )
    targets: dict[int, int | None] = {}
    for task in tasks:
        lead_id = task.engagement.lead_id
        targets[task.pk] = (
            operators.pick() if operators else (lead_id if lead_id != from_user.pk else None)
        )
    users = User.objects.in_bulk({pk for pk in targets.values() if pk is not None})
    moved = []
    for task in tasks:
        to_user = users.get(targets[task.pk]) if targets[task.pk] is not None else None
        won = ReviewTask.objects.filter(
            pk=task.pk, status=ReviewTask.Status.OPEN, assignee=from_user
        ).update(assignee=to_user)
        if not won:
            continue  # resolved or reassigned meanwhile
        task.assignee = to_user
        ReviewTaskEvent.objects.create(
            task=task,
            kind=ReviewTaskEvent.Kind.REASSIGNED,
            from_user=from_user,
            to_user=to_user,
            by=by,
            note=note,
        )
        if to_user is not None:
            notify_assignee(task=task, assignee=to_user, reason="reassigned", by=by, note=note)
        moved.append(HandedOver(task=task, to_user=to_user))
    audit_record_many(
        audit_entry(
            AuditEvent.TASK_REASSIGNED,
            actor=by,
            client=client_id,
            engagement=item.task.engagement_id,
            target=item.task,
            changes={"assignee": (from_user.pk, item.to_user.pk if item.to_user else None)},
            data={"reason": reason, "note": note},
        )
        for item in moved
    )
    return moved
