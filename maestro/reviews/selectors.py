"""Reads of review tasks and edge cases, all scoped through `engagements_for(user)`."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from maestro.decisions.models import Decision
from maestro.engagements.models import Engagement
from maestro.engagements.scoping import (
    engagement_consultants,
    engagements_for,
    people_at,
)
from maestro.mapping.models import DecisionPoint, DecisionType, Process
from maestro.reviews.models import EdgeCase, ReviewTask, ReviewTaskEvent
from maestro.tenancy.models import Membership, User
from maestro.training.models import EvaluationCase

# How many known outcomes the task page offers as choices (beyond the agent's proposal).
OUTCOME_CHOICES_LIMIT = 30
# How many of a counterparty's earlier decisions the task page lists.
COUNTERPARTY_RECENT_LIMIT = 5
# How far "resolve and next" and the task page's previous/next links look into a filtered queue
# (task ids only): an operator's queue is far shorter in practice.
QUEUE_WINDOW = 1000


def review_task_list_for_user(*, user: User) -> QuerySet[ReviewTask]:
    """Every task of the engagements the user may see, with what a list row shows."""
    return ReviewTask.objects.filter(engagement__in=engagements_for(user)).select_related(
        "engagement__client",
        "assignee",
        "resolved_by",
        "decision__process",
        "decision__playbook_version",
    )


def review_task_get_for_user(*, user: User, pk: int) -> ReviewTask:
    """The task if the user may see its engagement, else Http404."""
    return get_object_or_404(review_task_list_for_user(user=user), pk=pk)


def review_tasks_get_for_user(*, user: User, ids: list[int]) -> list[ReviewTask]:
    """The tasks with these ids, in that order, if the user may see every one of them; else
    Http404 (naming none: an id of another client's task is as unknown as one that never
    existed). One query."""
    found = review_task_list_for_user(user=user).in_bulk(ids)
    if len(found) != len(set(ids)):
        raise Http404("No such review task.")
    return [found[pk] for pk in ids]


def review_queue_for_user(*, user: User) -> QuerySet[ReviewTask]:
    """My open tasks, oldest due first."""
    return (
        review_task_list_for_user(user=user)
        .filter(assignee=user, status=ReviewTask.Status.OPEN)
        .order_by("due_at", "pk")
    )


@dataclass(frozen=True)
class QueueFilters:
    """What narrows and orders My queue (the queue page's form, carried in the URL)."""

    engagement_id: int | None = None
    process_id: int | None = None
    kind: str = ""
    reason: str = ""
    overdue: bool | None = None
    sort: str = "due"


# Sort key → ordering; ties by due time, then id, so the order (and "next") is stable.
_RECEIVED = Coalesce("decision__received_at", "created_at")
QUEUE_SORTS: dict[str, list[Any]] = {
    "due": ["due_at", "pk"],
    "received": [_RECEIVED.asc(), "due_at", "pk"],
    "-received": [_RECEIVED.desc(), "due_at", "pk"],
    "amount": [F("decision__amount").desc(nulls_last=True), "due_at", "pk"],
}


def review_queue_filtered(
    *, user: User, filters: QueueFilters, now: datetime | None = None
) -> QuerySet[ReviewTask]:
    """My open tasks narrowed by `filters` and in their order (one query for a page of rows:
    the row's engagement, client, process and decision come joined)."""
    now = now or timezone.now()
    tasks = review_queue_for_user(user=user)
    if filters.engagement_id:
        tasks = tasks.filter(engagement_id=filters.engagement_id)
    if filters.process_id:
        tasks = tasks.filter(decision__process_id=filters.process_id)
    if filters.kind:
        tasks = tasks.filter(kind=filters.kind)
    if filters.reason:
        tasks = tasks.filter(decision__reasons__has_code=filters.reason)
    if filters.overdue is True:
        tasks = tasks.filter(due_at__lt=now)
    elif filters.overdue is False:
        tasks = tasks.filter(due_at__gte=now)
    return tasks.order_by(*QUEUE_SORTS.get(filters.sort, QUEUE_SORTS["due"]))


@dataclass(frozen=True)
class QueuePosition:
    """Where a task sits in a filtered queue: the tasks before and after it (ids), if any."""

    previous_id: int | None
    next_id: int | None
    index: int | None  # 0-based; None when the task is not (or no longer) in the queue
    total: int


def queue_position(ids: list[int], task_id: int) -> QueuePosition:
    """The neighbours of a task among a filtered queue's ids (review_queue_ids). A task
    outside the queue (resolved, someone else's, filtered out) has no previous, and its next
    is the queue's first task."""
    if task_id not in ids:
        return QueuePosition(None, ids[0] if ids else None, None, len(ids))
    at = ids.index(task_id)
    return QueuePosition(
        ids[at - 1] if at > 0 else None,
        ids[at + 1] if at + 1 < len(ids) else None,
        at,
        len(ids),
    )


def review_queue_next_after(
    *, user: User, filters: QueueFilters, order: list[int], task_id: int
) -> int | None:
    """The open task to work after `task_id`: the first of those that followed it in `order`
    (the queue's ids read before it was resolved) still in my filtered queue, then those
    before it, so "next" keeps going down the list and comes round to the skipped ones.
    One query."""
    at = order.index(task_id) if task_id in order else -1
    candidates = [pk for pk in order[at + 1 :] + order[: max(at, 0)] if pk != task_id]
    if not candidates:
        return None
    still_open = set(
        review_queue_filtered(user=user, filters=filters)
        .filter(pk__in=candidates)
        .values_list("pk", flat=True)
    )
    return next((pk for pk in candidates if pk in still_open), None)


def review_queue_ids(
    *, user: User, filters: QueueFilters, now: datetime | None = None
) -> list[int]:
    """The ids of my filtered queue in order (at most QUEUE_WINDOW). One query."""
    return list(
        review_queue_filtered(user=user, filters=filters, now=now).values_list("pk", flat=True)[
            :QUEUE_WINDOW
        ]
    )


def review_queue_filter_choices(*, user: User) -> dict[str, list[tuple[int, str]]]:
    """Engagements and processes the queue's filters offer: those the user may see (not only
    those of today's open tasks, so a filter stays valid once its last task is resolved).
    Two queries."""
    engagements = list(
        engagements_for(user).select_related("client").order_by("client__name", "name", "pk")
    )
    processes = Process.objects.filter(engagement__in=[e.pk for e in engagements]).order_by(
        "name", "pk"
    )
    several = len(engagements) > 1
    names = {e.pk: e.name for e in engagements}
    return {
        "engagements": [(e.pk, f"{e.client.name} · {e.name}") for e in engagements],
        "processes": [
            (p.pk, f"{p.name} ({names[p.engagement_id]})" if several else p.name) for p in processes
        ],
    }


def review_queue_nav(*, user: User) -> dict[str, int | bool]:
    """For the main navigation: whether to offer "My queue" (to operators, see
    user_has_review_queue, and to anyone holding an open task) and its open count. One query."""
    if not (user and user.is_authenticated and user.is_active):
        return {"show": False, "open": 0}
    operator = Membership.objects.filter(user=OuterRef("pk"), role=Membership.Role.OPERATOR)
    open_count = (
        review_queue_for_user(user=user)
        .order_by()
        .values("assignee")
        .annotate(n=Count("pk"))
        .values("n")
    )
    row = (
        User.objects.filter(pk=user.pk)
        .values(operator=Exists(operator), open=Coalesce(Subquery(open_count), 0))
        .first()
    )
    if row is None:
        return {"show": False, "open": 0}
    return {"show": bool(row["operator"] or row["open"]), "open": row["open"]}


def review_queue_counts(*, user: User, now: datetime | None = None) -> dict[str, int]:
    """`open` and `overdue` counts of my queue, in one query."""
    now = now or timezone.now()
    return review_queue_for_user(user=user).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now))
    )


def review_task_list_for_engagement(
    *,
    engagement: Engagement,
    status: str | None = None,
    assignee_id: int | None = None,
    overdue: bool | None = None,
    now: datetime | None = None,
) -> QuerySet[ReviewTask]:
    """All tasks of one engagement (the caller has scoped the engagement), open ones first by
    due time, then the others latest resolved first. `overdue=True` keeps open tasks past due;
    False keeps the rest."""
    now = now or timezone.now()
    tasks = ReviewTask.objects.filter(engagement=engagement).select_related(
        "assignee", "resolved_by", "decision__process", "decision__playbook_version"
    )
    if status:
        tasks = tasks.filter(status=status)
    if assignee_id:
        tasks = tasks.filter(assignee_id=assignee_id)
    late = Q(status=ReviewTask.Status.OPEN, due_at__lt=now)
    if overdue is True:
        tasks = tasks.filter(late)
    elif overdue is False:
        tasks = tasks.exclude(late)
    is_open = Q(status=ReviewTask.Status.OPEN)
    open_first = Case(When(is_open, then=0), default=1)
    # Closed tasks newest first: the pages show 50 at a time, and a task just resolved would
    # otherwise sit on the last one.
    open_due = Case(When(is_open, then=F("due_at")))
    return tasks.order_by(
        open_first, open_due, F("resolved_at").desc(nulls_last=True), "-due_at", "pk"
    )


def review_task_event_list(*, task: ReviewTask) -> QuerySet[ReviewTaskEvent]:
    return task.events.select_related("from_user", "to_user", "by").order_by("at", "pk")


def review_task_assignee_choices(*, engagement: Engagement) -> QuerySet[User]:
    """Who a task of this engagement may be handed to: the client's operators and the
    engagement's consultants (those can_work_engagement lets in, staff aside)."""
    operators = people_at(engagement.client_id, [Membership.Role.OPERATOR]).values("pk")
    consultants = engagement_consultants(engagement).values("pk")
    return User.objects.filter(Q(pk__in=operators) | Q(pk__in=consultants)).order_by(
        "first_name", "last_name", "username"
    )


def _clean_outcomes(outcomes) -> list[str]:
    if not isinstance(outcomes, list):
        return []
    return [o.strip() for o in outcomes if isinstance(o, str) and o.strip()]


def review_task_assignee_choices_for_all(*, engagements: list[Engagement]) -> QuerySet[User]:
    """Who may receive tasks of all these engagements at once (review_task_assignee_choices
    of each, intersected). One query when evaluated."""
    users = User.objects.all()
    for engagement_id in {e.pk for e in engagements}:
        engagement = next(e for e in engagements if e.pk == engagement_id)
        choices = review_task_assignee_choices(engagement=engagement)
        users = users.filter(pk__in=choices.values("pk"))
    return users


def decision_outcome_choices(*, decision: Decision) -> list[str]:
    """Outcomes to offer for a decision, in ONE taxonomy: the agent's proposal first, then

    - when the decision names its decision type: the outcomes the process map gives that type
      at its decision points;
    - otherwise, when one decision type of the process lists the proposal among its outcomes:
      that type's outcomes;
    - otherwise (or when the map gives none): the agent's own vocabulary, the outcomes of the
      process's evaluation data and earlier decisions (of the same decision type), first
      `OUTCOME_CHOICES_LIMIT` of each, alphabetical.

    A process whose map says "billing/technical" while its agent answers "finance/it-support"
    thus offers one list or the other, never both. At most three queries."""
    # Keyed case-insensitively, as decisions compare outcomes: "Approve" is the proposal "approve".
    seen: dict[str, str] = {decision.proposed_outcome.lower(): decision.proposed_outcome}
    points = DecisionPoint.objects.filter(
        Q(decision_type_id=decision.decision_type_id)
        if decision.decision_type_id
        else Q(step__process_id=decision.process_id)
    ).order_by("step__order", "pk")
    by_type: dict[int, list[str]] = {}
    for type_id, outcomes in points.values_list("decision_type_id", "outcomes"):
        listed = by_type.setdefault(type_id, [])
        listed.extend(o for o in _clean_outcomes(outcomes) if o not in listed)
    proposal = decision.proposed_outcome.strip().lower()
    taxonomy: list[str]
    if decision.decision_type_id:
        taxonomy = by_type.get(decision.decision_type_id, [])
    else:
        taxonomy = next(
            (
                outcomes
                for outcomes in by_type.values()
                if proposal in (o.lower() for o in outcomes)
            ),
            [],
        )
    if taxonomy:
        for outcome in taxonomy:
            seen.setdefault(outcome.lower(), outcome)
        return list(seen.values())
    cases = EvaluationCase.objects.filter(dataset__process_id=decision.process_id)
    live = Decision.objects.filter(process_id=decision.process_id)
    if decision.decision_type_id:
        type_name = DecisionType.objects.filter(pk=decision.decision_type_id).values("name")
        cases = cases.filter(decision_type=Subquery(type_name[:1]))
        live = live.filter(decision_type_id=decision.decision_type_id)
    dataset_outcomes = (
        cases.values_list("correct_outcome", flat=True)
        .distinct()
        .order_by("correct_outcome")[:OUTCOME_CHOICES_LIMIT]
    )
    live_outcomes = (
        live.values_list("proposed_outcome", flat=True)
        .distinct()
        .order_by("proposed_outcome")[:OUTCOME_CHOICES_LIMIT]
    )
    for outcome in [*dataset_outcomes, *live_outcomes]:
        if outcome:
            seen.setdefault(outcome.lower(), outcome)
    return list(seen.values())


def counterparty_recent_decisions(
    *, decision: Decision, limit: int = COUNTERPARTY_RECENT_LIMIT
) -> list[Decision]:
    """The latest other decisions of the same engagement with this counterparty (live ones),
    newest first, with their review task if any. One query; none without a counterparty."""
    if not decision.counterparty:
        return []
    return list(
        Decision.objects.live()
        .filter(engagement_id=decision.engagement_id, counterparty=decision.counterparty)
        .exclude(pk=decision.pk)
        .select_related("process", "review_task")
        .order_by("-received_at", "-pk")[:limit]
    )


def edge_case_list(*, engagement: Engagement) -> QuerySet[EdgeCase]:
    """The engagement's edge-case log, unreviewed first, newest first."""
    return (
        EdgeCase.objects.filter(engagement=engagement)
        .select_related("decision__process", "decision__review_task", "flagged_by")
        .order_by(F("reviewed_at").asc(nulls_first=True), "-flagged_at", "-pk")
    )


def edge_case_list_for_user(*, user: User) -> QuerySet[EdgeCase]:
    return EdgeCase.objects.filter(engagement__in=engagements_for(user)).select_related(
        "engagement", "decision__process", "flagged_by"
    )


def edge_case_get_for_user(*, user: User, pk: int) -> EdgeCase:
    return get_object_or_404(edge_case_list_for_user(user=user), pk=pk)


def decision_list_for_user(*, user: User) -> QuerySet[Decision]:
    """Decisions of the engagements the user may see (the edge-case flag picks from these)."""
    return Decision.objects.filter(engagement__in=engagements_for(user)).select_related(
        "engagement__client", "process"
    )


def user_has_review_queue(*, user: User) -> bool:
    """Whether the main navigation offers "My queue": to operators (scoping.is_operator) and
    to anyone holding an open task. One query."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    operator = Membership.objects.filter(user=OuterRef("pk"), role=Membership.Role.OPERATOR)
    holds_task = ReviewTask.objects.filter(assignee=OuterRef("pk"), status=ReviewTask.Status.OPEN)
    return User.objects.filter(Q(Exists(operator)) | Q(Exists(holds_task)), pk=user.pk).exists()
