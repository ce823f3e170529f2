"""Escalating overdue review tasks along the playbook's chain."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from maestro.audit.events import AuditEvent
from maestro.audit.services import Actor, audit_record
from maestro.reviews.models import ReviewTask, ReviewTaskEvent
from maestro.reviews.services.assignment import (
    DEFAULT_SLA_MINUTES,
    review_operator_least_loaded,
)
from maestro.reviews.services.common import notify_assignee
from maestro.reviews.webhooks import review_task_overdue_emit
from maestro.tenancy.models import Membership, User

# --- Escalation along the playbook's chain --------------------------------------------------

# Who the audit trail names for an escalation: the periodic job, not a person.
ESCALATION_SWEEP = Actor.system("escalation sweep")


class _EscalationContext:
    """Everything the escalation job needs about the people around a batch of overdue tasks,
    loaded in a handful of queries for the whole batch. Operators' loads are not among them:
    they change with every intake, so each fallback counts them under the client's assignment
    lock, when it assigns (`_review_task_escalate`)."""

    def __init__(self, tasks: Sequence[ReviewTask]) -> None:
        client_ids = {task.engagement.client_id for task in tasks}
        self.operators: dict[int, set[int]] = defaultdict(set)
        self.consultants: dict[int, set[int]] = defaultdict(set)
        for client_id, user_id, role in Membership.objects.filter(
            client_id__in=client_ids,
            role__in=[Membership.Role.OPERATOR, Membership.Role.CONSULTANT],
            user__is_active=True,
        ).values_list("client_id", "user_id", "role"):
            target = self.operators if role == Membership.Role.OPERATOR else self.consultants
            target[client_id].add(user_id)
        self.held: dict[int, set[int]] = defaultdict(set)
        for task_id, user_id in ReviewTaskEvent.objects.filter(
            task__in=list(tasks), to_user__isnull=False
        ).values_list("task_id", "to_user_id"):
            self.held[task_id].add(user_id)

    def eligible(self, user_id: int, task: ReviewTask) -> bool:
        """Still at the client as an operator or consultant (engagements.scoping's rule: a lead or
        member whose consultant membership is gone no longer reaches the engagement)."""
        client_id = task.engagement.client_id
        return user_id in self.operators[client_id] or user_id in self.consultants[client_id]

    def skip(self, task: ReviewTask) -> set[int]:
        """The current assignee and everyone who already held the task."""
        held = set(self.held[task.pk])
        if task.assignee_id is not None:
            held.add(task.assignee_id)
        return held

    def chain_next(self, task: ReviewTask) -> int | None:
        """The first person of the playbook's chain who may take the task (not held before,
        still at the client), or None: then the least-loaded other operator takes it, else
        the lead consultant."""
        skip = self.skip(task)
        version = task.decision.playbook_version if task.decision else None
        for user_id in version.escalation_chain if version else []:
            if isinstance(user_id, int) and user_id not in skip and self.eligible(user_id, task):
                return user_id
        return None

    def candidates(self, tasks: Sequence[ReviewTask]) -> set[int]:
        """Everyone a task of the batch may go to, to load them in one query."""
        people = {task.engagement.lead_id for task in tasks}
        for ids in self.operators.values():
            people |= ids
        return people | {user_id for task in tasks if (user_id := self.chain_next(task))}


def review_tasks_escalate_overdue(
    *, now: datetime | None = None, actor: Actor = ESCALATION_SWEEP
) -> int:
    """Escalate every open task past its due time one step (see `_EscalationContext`).

    Safe to run twice and from two schedulers at once: each step is a conditional update on
    (pk, escalation_level, open), so a task moves at most one step per due time, and the new
    due time (now + SLA) keeps the next run away from it. Returns how many tasks moved.
    """
    now = now or timezone.now()
    tasks = list(
        ReviewTask.objects.filter(status=ReviewTask.Status.OPEN, due_at__lt=now)
        .select_related("engagement", "assignee", "decision__playbook_version")
        .order_by("due_at", "pk")
    )
    if not tasks:
        return 0
    context = _EscalationContext(tasks)
    users = User.objects.in_bulk(context.candidates(tasks))
    escalated = 0
    for task in tasks:
        escalated += _review_task_escalate(
            task=task,
            chain_next=context.chain_next(task),
            skip=context.skip(task),
            users=users,
            now=now,
            actor=actor,
        )
    return escalated


@transaction.atomic
def _review_task_escalate(
    *,
    task: ReviewTask,
    chain_next: int | None,
    skip: set[int],
    users: dict[int, User],
    now: datetime,
    actor: Actor = ESCALATION_SWEEP,
) -> bool:
    # Off the chain, the least-loaded other operator: counted under the client's assignment
    # lock, as the intake counts, so an escalation and a concurrent intake never both pick
    # the operator they each saw as idle.
    to_user_id = (
        chain_next
        or review_operator_least_loaded(engagement=task.engagement, exclude=skip)
        or task.engagement.lead_id
    )
    to_user = users[to_user_id]
    version = task.decision.playbook_version if task.decision else None
    sla = version.sla_minutes if version else DEFAULT_SLA_MINUTES
    due_at = now + timedelta(minutes=sla)
    won = ReviewTask.objects.filter(
        pk=task.pk, status=ReviewTask.Status.OPEN, escalation_level=task.escalation_level
    ).update(assignee=to_user, escalation_level=F("escalation_level") + 1, due_at=due_at)
    if not won:
        return False  # another scheduler escalated it, or someone resolved it meanwhile
    previous, overdue_since = task.assignee, task.due_at
    task.assignee, task.due_at, task.escalation_level = to_user, due_at, task.escalation_level + 1
    ReviewTaskEvent.objects.create(
        task=task,
        kind=ReviewTaskEvent.Kind.ESCALATED,
        from_user=previous,
        to_user=to_user,
        note=_("Overdue since %(due)s; escalation step %(level)s.")
        % {"due": f"{overdue_since:%Y-%m-%d %H:%M} UTC", "level": task.escalation_level},
    )
    audit_record(
        AuditEvent.TASK_ESCALATED,
        actor=actor,
        client=task.engagement.client_id,
        engagement=task.engagement,
        target=task,
        changes={
            "assignee": (str(previous) if previous else None, str(to_user)),
            "escalation_level": (task.escalation_level - 1, task.escalation_level),
            "due_at": (overdue_since, due_at),
        },
    )
    notify_assignee(
        task=task,
        assignee=to_user,
        reason="escalated",
        overdue_since=overdue_since,
    )
    review_task_overdue_emit(
        task=task, overdue_since=overdue_since, from_user=previous, to_user=to_user
    )
    return True
