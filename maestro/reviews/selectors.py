"""Reads of review tasks and edge cases, all scoped through `engagements_for(user)`."""

from datetime import datetime

from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from maestro.decisions.models import Decision
from maestro.engagements.models import Engagement
from maestro.engagements.scoping import (
    engagement_consultants,
    engagements_for,
    people_at,
)
from maestro.mapping.models import DecisionPoint
from maestro.reviews.models import EdgeCase, ReviewTask, ReviewTaskEvent
from maestro.tenancy.models import Membership, User
from maestro.training.models import EvaluationCase

# How many known outcomes the task page offers as choices (beyond the agent's proposal).
OUTCOME_CHOICES_LIMIT = 30


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


def review_queue_for_user(*, user: User) -> QuerySet[ReviewTask]:
    """My open tasks, oldest due first."""
    return (
        review_task_list_for_user(user=user)
        .filter(assignee=user, status=ReviewTask.Status.OPEN)
        .order_by("due_at", "pk")
    )


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


def decision_outcome_choices(*, decision: Decision) -> list[str]:
    """Outcomes to offer for a decision: the agent's proposal, then the outcomes the process
    map names at its decision points, then outcomes seen in the process's evaluation data and
    earlier decisions (first `OUTCOME_CHOICES_LIMIT`, alphabetical). Three queries."""
    seen: dict[str, None] = {decision.proposed_outcome: None}
    for outcomes in DecisionPoint.objects.filter(step__process_id=decision.process_id).values_list(
        "outcomes", flat=True
    ):
        for outcome in outcomes if isinstance(outcomes, list) else []:
            if isinstance(outcome, str) and outcome.strip():
                seen.setdefault(outcome.strip(), None)
    dataset_outcomes = (
        EvaluationCase.objects.filter(dataset__process_id=decision.process_id)
        .values_list("correct_outcome", flat=True)
        .distinct()
        .order_by("correct_outcome")[:OUTCOME_CHOICES_LIMIT]
    )
    live_outcomes = (
        Decision.objects.filter(process_id=decision.process_id)
        .values_list("proposed_outcome", flat=True)
        .distinct()
        .order_by("proposed_outcome")[:OUTCOME_CHOICES_LIMIT]
    )
    for outcome in [*dataset_outcomes, *live_outcomes]:
        if outcome:
            seen.setdefault(outcome, None)
    return list(seen)


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
