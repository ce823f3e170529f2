"""Opening review tasks for escalated decisions and choosing who gets them."""

import heapq
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from maestro.audit.events import AuditEvent
from maestro.audit.services import Actor, audit_record
from maestro.decisions.models import Decision
from maestro.engagements.models import Engagement
from maestro.engagements.scoping import people_at
from maestro.lib.prepared import PreparedValues
from maestro.mapping.models import Process
from maestro.playbooks.models import PlaybookVersion
from maestro.reviews.hooks import review_tasks_opened
from maestro.reviews.models import ReviewTask, ReviewTaskEvent
from maestro.tenancy.models import Client, Membership, User

DEFAULT_SLA_MINUTES = 240


def _lock_query(client_id: int):
    rows = Client.objects.select_for_update(no_key=True).filter(pk=client_id)
    return rows.order_by().values("pk")


def _loads_query(client_id: int, exclude: list[int]):
    open_tasks = (
        ReviewTask.objects.filter(assignee=OuterRef("pk"), status=ReviewTask.Status.OPEN)
        .order_by()
        .values("assignee")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = people_at(client_id, [Membership.Role.OPERATOR])
    if exclude:
        rows = rows.exclude(pk__in=exclude)
    return (
        rows.annotate(open_tasks=Coalesce(Subquery(open_tasks), 0))
        .order_by()
        .values("pk", "open_tasks")
    )


# Every escalated decision takes the lock and counts the loads: compiled to SQL once per shape
# (maestro/lib/prepared.py), since building the subqueries cost more than the database's work.
_lock = PreparedValues(_lock_query)
_loads = PreparedValues(_loads_query)


def _assignment_lock(*, client_id: int) -> None:
    """Serialise choosing assignees at one client until the caller's transaction ends.

    Two intakes escalating at once would otherwise both count the same loads and hand their
    tasks to the same operator. A row lock on the client (NO KEY: rows that merely reference
    the client, e.g. new memberships or engagements, do not wait for it); the count that follows
    is a new statement, so it sees the tasks the previous holder committed. SQLite lets one
    writer in at a time anyway, and Django leaves the clause out there."""
    connection = transaction.get_connection()
    if connection.features.has_select_for_update and connection.get_autocommit():
        # As Django refuses select_for_update there: the lock would end with the statement.
        raise transaction.TransactionManagementError(
            "select_for_update cannot be used outside of a transaction."
        )
    _lock.rows(client_id)


def review_operator_loads(*, engagement: Engagement, exclude: Iterable[int] = ()) -> dict[int, int]:
    """Active operators of the engagement's client → how many OPEN review tasks each holds
    (across every engagement of the client), under the client's assignment lock: call it
    inside `transaction.atomic()` and create the tasks in the same transaction.

    Reads only open tasks, through the (assignee, status, due_at) index: the cost follows the
    operators' open tasks, not every task they ever held."""
    _assignment_lock(client_id=engagement.client_id)
    rows = _loads.rows(engagement.client_id, sorted(set(exclude)))
    return {row["pk"]: row["open_tasks"] for row in rows}


def review_operator_least_loaded(
    *, engagement: Engagement, exclude: Iterable[int] = ()
) -> int | None:
    """The id of the operator of the engagement's client with the fewest open review tasks
    (ties: the lowest user id), or None when the client has no other operator. Call it inside
    `transaction.atomic()` and assign in the same transaction (see review_operator_loads)."""
    loads = review_operator_loads(engagement=engagement, exclude=exclude)
    return LeastLoaded(loads).pick() if loads else None


class LeastLoaded:
    """Hands out assignees least-loaded first, ties by user id, counting each pick so a batch
    spreads evenly (10 decisions over 2 idle operators → 5/5)."""

    def __init__(self, loads: dict[int, int]) -> None:
        self._heap = [(load, user_id) for user_id, load in loads.items()]
        heapq.heapify(self._heap)

    def __bool__(self) -> bool:
        return bool(self._heap)

    def pick(self) -> int:
        load, user_id = heapq.heappop(self._heap)
        heapq.heappush(self._heap, (load + 1, user_id))
        return user_id


def _sla_minutes_by_version(
    decisions: Sequence[Decision], given: Mapping[int, int] | None = None
) -> dict[int, int]:
    # The intake has the versions in hand already; fetch only those it did not load.
    known: dict[int, int] = dict(given or {})
    missing: set[int] = set()
    for decision in decisions:
        version_id = decision.playbook_version_id
        if version_id is None or version_id in known:
            continue
        version = (
            decision.playbook_version if Decision.playbook_version.is_cached(decision) else None
        )
        if version is not None:
            known[version_id] = version.sla_minutes
        else:
            missing.add(version_id)
    missing -= known.keys()
    if missing:
        known.update(
            PlaybookVersion.objects.filter(pk__in=missing).values_list("pk", "sla_minutes")
        )
    return known


def _process_names(decisions: Sequence[Decision]) -> dict[int, str]:
    names: dict[int, str] = {}
    missing: set[int] = set()
    for decision in decisions:
        if Decision.process.is_cached(decision):
            names[decision.process_id] = decision.process.name
        else:
            missing.add(decision.process_id)
    missing -= names.keys()
    if missing:
        names.update(Process.objects.filter(pk__in=missing).values_list("pk", "name"))
    return names


def review_task_title(*, process_name: str, case_ref: str) -> str:
    return f"Review: {process_name} case {case_ref}"[:300]


@transaction.atomic(savepoint=False)
def review_tasks_open_for_decisions(
    *,
    decisions: Sequence[Decision],
    fresh: bool = False,
    sla_minutes: Mapping[int, int] | None = None,
) -> dict[int, ReviewTask]:
    """Open one review task per human-routed decision of ONE engagement; decision id → task.

    Called by the intake inside its transaction. Assignment goes to the client's operators,
    least-loaded first (ties by user id), counting the batch's own picks and, through the
    client's assignment lock, the tasks of concurrent calls; with no operator,
    to the engagement's lead consultant. Due = now + the playbook version's SLA (240 minutes
    without a version). Decisions that already have a task (an agent retry) get that task
    back. A constant number of queries whatever the batch size; fewer when the caller knows
    more: `fresh` (the decisions were created in this transaction, so none has a task yet) and
    `sla_minutes` (playbook version id → its SLA, for the versions it has in hand).
    """
    human = [d for d in decisions if d.route == Decision.Route.HUMAN]
    if not human:
        return {}
    engagement = human[0].engagement
    if any(d.engagement_id != engagement.pk for d in human):
        raise ValueError("review_tasks_open_for_decisions takes decisions of one engagement")

    existing: dict[int, ReviewTask] = (
        {}
        if fresh
        else {
            task.decision_id: task  # type: ignore[misc]
            for task in ReviewTask.objects.filter(decision_id__in=[d.pk for d in human])
        }
    )
    new = [d for d in human if d.pk not in existing]
    if not new:
        return existing

    operators = LeastLoaded(review_operator_loads(engagement=engagement))
    sla_by_version = _sla_minutes_by_version(new, sla_minutes)
    process_names = _process_names(new)
    now = timezone.now()
    tasks = []
    for decision in new:
        sla = sla_by_version.get(decision.playbook_version_id or 0, DEFAULT_SLA_MINUTES)
        tasks.append(
            ReviewTask(
                engagement_id=engagement.pk,
                kind=ReviewTask.Kind.ESCALATED_DECISION,
                title=review_task_title(
                    process_name=process_names[decision.process_id], case_ref=decision.case_ref
                ),
                decision=decision,
                assignee_id=operators.pick() if operators else engagement.lead_id,
                due_at=now + timedelta(minutes=sla),
            )
        )
    created = ReviewTask.objects.bulk_create(tasks)
    ReviewTaskEvent.objects.bulk_create(
        ReviewTaskEvent(task=task, kind=ReviewTaskEvent.Kind.ASSIGNED, to_user_id=task.assignee_id)
        for task in created
    )
    # Apps above follow new tasks (skill transfer's shadow reviews); a receiver with nothing to
    # do costs no query.
    review_tasks_opened(engagement=engagement, tasks=created)
    return existing | {decision.pk: task for decision, task in zip(new, created, strict=True)}


@transaction.atomic
def review_task_open(
    *,
    engagement: Engagement,
    kind: str,
    title: str,
    due_at: datetime,
    actor: Actor,
    note: str = "",
    data: dict[str, Any] | None = None,
    assignee: User | None = None,
) -> ReviewTask:
    """Open one review task that is not about a decision (a weekly edge-case review, a drift
    investigation, a check-in follow-up): to `assignee` when given (the caller has chosen who,
    e.g. the plan's operator), else to the client's least-loaded operator, or the lead
    consultant when it has none, as escalations are. Its history's first entry ("assigned")
    carries `note`, what the task page shows under it (what to review, with links); the audit
    trail names `actor`. Idempotency is the caller's: it claims its own unique row in the same
    transaction."""
    if assignee is not None:
        assignee_id = assignee.pk
    else:
        assignee_id = review_operator_least_loaded(engagement=engagement) or engagement.lead_id
    task = ReviewTask(
        engagement=engagement,
        kind=kind,
        title=title[:300],
        assignee_id=assignee_id,
        due_at=due_at,
    )
    task.full_clean()
    task.save()
    ReviewTaskEvent.objects.create(
        task=task, kind=ReviewTaskEvent.Kind.ASSIGNED, to_user_id=assignee_id, note=note
    )
    if assignee is None:
        assignee = User.objects.filter(pk=assignee_id).first()
    audit_record(
        AuditEvent.TASK_ASSIGNED,
        actor=actor,
        client=engagement.client_id,
        engagement=engagement,
        target=task,
        changes={"assignee": (None, str(assignee) if assignee else None)},
        data={"kind": kind, "due_at": due_at, **(data or {})},
    )
    review_tasks_opened(engagement=engagement, tasks=[task])
    return task
