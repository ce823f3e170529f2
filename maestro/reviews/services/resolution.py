"""Reassigning and resolving review tasks."""

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maestro.audit.events import AuditEvent
from maestro.audit.services import audit_entry, audit_record, audit_record_many
from maestro.decisions.models import Decision
from maestro.decisions.services import decision_outcome_record
from maestro.engagements.scoping import can_work_engagement, require_engagement_worker
from maestro.exceptions import DomainError, StateConflict
from maestro.reviews.hooks import review_task_resolved
from maestro.reviews.models import ReviewTask, ReviewTaskEvent
from maestro.reviews.services.common import (
    notify_assignee,
    notify_assignee_of_batch,
    raise_not_open,
)
from maestro.reviews.services.edge_cases import edge_case_flag
from maestro.reviews.webhooks import review_task_resolved_emit
from maestro.tenancy.models import User

# --- Reassign -------------------------------------------------------------------------------


@transaction.atomic
def review_task_reassign(
    *, task: ReviewTask, to_user: User, by: User, note: str = ""
) -> ReviewTask:
    """Hand an open task to another operator of the client or a consultant of the engagement.
    Only those same people may do it."""
    engagement = task.engagement
    require_engagement_worker(
        by, engagement, message=_("Only operators and consultants reassign tasks.")
    )
    if not can_work_engagement(to_user, engagement):
        raise ValidationError(
            {
                "to_user": _(
                    "%(user)s is neither an operator of %(client)s nor a consultant of this "
                    "engagement."
                )
                % {"user": to_user, "client": engagement.client}
            }
        )
    if task.assignee_id == to_user.pk:
        raise DomainError(
            _("The task is already assigned to %(user)s.") % {"user": to_user},
            code="already_assigned",
        )
    previous = task.assignee
    won = ReviewTask.objects.filter(pk=task.pk, status=ReviewTask.Status.OPEN).update(
        assignee=to_user
    )
    if not won:
        raise_not_open(task)
    task.assignee = to_user
    ReviewTaskEvent.objects.create(
        task=task,
        kind=ReviewTaskEvent.Kind.REASSIGNED,
        from_user=previous,
        to_user=to_user,
        by=by,
        note=note,
    )
    audit_record(
        AuditEvent.TASK_REASSIGNED,
        actor=by,
        client=engagement.client_id,
        engagement=engagement,
        target=task,
        changes={"assignee": (str(previous) if previous else None, str(to_user))},
        data={"note": note},
    )
    notify_assignee(
        task=task,
        assignee=to_user,
        reason="reassigned",
        by=by,
        note=note,
    )
    return task


# At most this many tasks in one "reassign selected" (page or API).
MAX_BULK_REASSIGN = 200


@transaction.atomic
def review_tasks_reassign(
    *, tasks: Sequence[ReviewTask], to_user: User, by: User, note: str = ""
) -> list[ReviewTask]:
    """Hand several open tasks to one person at once, all or nothing, by the rules of
    review_task_reassign: `by` must work each task's engagement, and `to_user` must be an
    operator of its client or a consultant of it. Tasks `to_user` already holds are left as
    they are; a task no longer open refuses the whole batch (StateConflict `task_not_open`,
    naming the tasks). Each moved task gets its REASSIGNED event, its `task.reassigned` audit
    entry; the new assignee gets one mail listing them. Returns the tasks that moved.

    The tasks are locked (in id order, so two batches cannot deadlock) before they are read
    again, so a task resolved meanwhile is seen. Queries: a constant number, plus two per
    distinct engagement for the permission checks."""
    if not tasks:
        raise ValidationError({"tasks": _("Select at least one task to reassign.")})
    if len(tasks) > MAX_BULK_REASSIGN:
        raise ValidationError(
            {"tasks": _("Reassign at most %(max)d tasks at a time.") % {"max": MAX_BULK_REASSIGN}}
        )
    ids = sorted({task.pk for task in tasks})
    locked = list(
        ReviewTask.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("engagement__client", "assignee")
        .order_by("pk")
    )
    engagements = {task.engagement_id: task.engagement for task in locked}
    for engagement in engagements.values():
        require_engagement_worker(
            by, engagement, message=_("Only operators and consultants reassign tasks.")
        )
        if not can_work_engagement(to_user, engagement):
            raise ValidationError(
                {
                    "to_user": _(
                        "%(user)s is neither an operator of %(client)s nor a consultant of "
                        "%(engagement)s."
                    )
                    % {"user": to_user, "client": engagement.client, "engagement": engagement}
                }
            )
    closed = [task.pk for task in locked if task.status != ReviewTask.Status.OPEN]
    if closed:
        raise StateConflict(
            _("Only open tasks can be reassigned; these are not open any more: %(ids)s.")
            % {"ids": ", ".join(map(str, closed))},
            code="task_not_open",
            extra={"tasks": closed},
        )
    moving = [task for task in locked if task.assignee_id != to_user.pk]
    if not moving:
        return []
    previous = {task.pk: task.assignee for task in moving}
    ReviewTask.objects.filter(pk__in=[task.pk for task in moving]).update(assignee=to_user)
    for task in moving:
        task.assignee = to_user
    ReviewTaskEvent.objects.bulk_create(
        ReviewTaskEvent(
            task=task,
            kind=ReviewTaskEvent.Kind.REASSIGNED,
            from_user=previous[task.pk],
            to_user=to_user,
            by=by,
            note=note,
        )
        for task in moving
    )
    audit_record_many(
        audit_entry(
            AuditEvent.TASK_REASSIGNED,
            actor=by,
            client=task.engagement.client_id,
            engagement=task.engagement_id,
            target=task,
            changes={
                "assignee": (str(previous[task.pk]) if previous[task.pk] else None, str(to_user))
            },
            data={"note": note, "batch": len(moving)},
        )
        for task in moving
    )
    if len(moving) == 1:
        notify_assignee(task=moving[0], assignee=to_user, reason="reassigned", by=by, note=note)
    else:
        notify_assignee_of_batch(tasks=moving, assignee=to_user, by=by, note=note)
    return moving


# --- Resolve --------------------------------------------------------------------------------


@transaction.atomic
def review_task_resolve(
    *, task: ReviewTask, final_outcome: str, note: str = "", by: User
) -> ReviewTask:
    """Record the human's final outcome. Of two people resolving at once, the conditional
    update lets exactly one win; the other gets StateConflict `task_already_resolved` naming
    the winner and their outcome, with the loser's own outcome and note in `extra`."""
    engagement = task.engagement
    require_engagement_worker(by, engagement, message=_("Sponsors cannot resolve review tasks."))
    final_outcome = final_outcome.strip()
    if not final_outcome:
        raise ValidationError({"final_outcome": _("Give the final outcome.")})
    if len(final_outcome) > 200:
        raise ValidationError({"final_outcome": _("The final outcome is at most 200 characters.")})
    now = timezone.now()
    won = ReviewTask.objects.filter(pk=task.pk, status=ReviewTask.Status.OPEN).update(
        status=ReviewTask.Status.RESOLVED,
        final_outcome=final_outcome,
        note=note,
        resolved_by=by,
        resolved_at=now,
    )
    if not won:
        raise_not_open(task, your_outcome=final_outcome, your_note=note)
    task.status = ReviewTask.Status.RESOLVED
    task.final_outcome, task.note, task.resolved_by, task.resolved_at = final_outcome, note, by, now
    ReviewTaskEvent.objects.create(
        task=task,
        kind=ReviewTaskEvent.Kind.RESOLVED,
        from_user_id=task.assignee_id,
        by=by,
        note=note,
    )
    decision = task.decision
    overridden = False
    if decision is not None:
        # The decision's own service judges the override (outcomes compare case-insensitively).
        decision = decision_outcome_record(
            decision=decision, outcome=final_outcome, source=Decision.OutcomeSource.REVIEW, by=by
        )
        overridden = decision.overridden
    _record_resolution(task=task, decision=decision, by=by)
    # Apps above follow resolutions (skill transfer records a shadow case's operator answer).
    review_task_resolved(task=task, by=by)
    review_task_resolved_emit(task=task, decision=decision, overridden=overridden, by=by, at=now)
    return task


def _record_resolution(*, task: ReviewTask, decision: Decision | None, by: User) -> None:
    common: dict[str, Any] = {
        "actor": by,
        "client": task.engagement.client_id,
        "engagement": task.engagement,
    }
    audit_record(
        AuditEvent.TASK_RESOLVED,
        target=task,
        changes={
            "status": (ReviewTask.Status.OPEN, task.status),
            "final_outcome": ("", task.final_outcome),
        },
        data={"note": task.note, "decision": task.decision_id},
        **common,
    )
    if decision is not None and decision.overridden:
        audit_record(
            AuditEvent.DECISION_OVERRIDDEN,
            target=decision,
            changes={"outcome": (decision.proposed_outcome, decision.final_outcome)},
            data={"review_task": task.pk, "case_ref": decision.case_ref},
            **common,
        )


@transaction.atomic
def review_task_resolve_and_flag(
    *, task: ReviewTask, final_outcome: str, note: str = "", by: User, edge_case_note: str
) -> ReviewTask:
    """Resolve the task and flag its decision as an edge case, all or nothing: a flag refused
    (no note) leaves the task open, as if neither was asked (the task page's one form)."""
    review_task_resolve(task=task, final_outcome=final_outcome, note=note, by=by)
    if task.decision is not None:
        edge_case_flag(decision=task.decision, note=edge_case_note, by=by)
    return task
