"""Reads of shadow reviews, scoped through `engagements_for(user)`, and the marks the review
queue and task pages show for them (through maestro.reviews.hooks).

Blindness: the consultant's answer is shown to nobody but its author until the operator has
answered too; the operator's answer (the task's outcome) is hidden from everyone but the plan's
operator until the consultant has answered (`ShadowCaseView`)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from handoff.models import ShadowCase, SkillTransferPlan
from maestro.engagements.models import Engagement
from maestro.engagements.scoping import can_manage_engagement, engagements_for
from maestro.reviews.hooks import TaskMark
from maestro.reviews.models import ReviewTask
from maestro.tenancy.models import Membership, User

SHADOW_LABEL = "Shadow review"


def plan_list_for_user(*, user: User) -> QuerySet[SkillTransferPlan]:
    return SkillTransferPlan.objects.filter(engagement__in=engagements_for(user)).select_related(
        "engagement__client", "operator"
    )


def plan_get_for_user(*, user: User, pk: int) -> SkillTransferPlan:
    """The plan if the user may see its engagement, else Http404."""
    return get_object_or_404(plan_list_for_user(user=user), pk=pk)


def shadow_case_list_for_user(*, user: User) -> QuerySet[ShadowCase]:
    """Shadow cases of the engagements the user may see, with what a row shows."""
    return ShadowCase.objects.filter(task__engagement__in=engagements_for(user)).select_related(
        "plan__operator",
        "plan__engagement__client",
        "competency",
        "consultant",
        "task__decision__process",
        "task__resolved_by",
    )


def shadow_case_get_for_user(*, user: User, pk: int) -> ShadowCase:
    return get_object_or_404(shadow_case_list_for_user(user=user), pk=pk)


def shadow_cases_for_plan(*, plan: SkillTransferPlan) -> QuerySet[ShadowCase]:
    """The plan's cases, newest first (the caller has scoped the plan)."""
    return (
        ShadowCase.objects.filter(plan=plan)
        .select_related("competency", "consultant", "task__decision__process", "task__resolved_by")
        .order_by("-created_at", "-pk")
    )


def _managed_engagements(user: User) -> QuerySet[Engagement]:
    # can_manage_engagement's rule as a queryset: the engagements a consultant leads or is a
    # member of, at clients they still consult for (staff: all they see).
    visible = engagements_for(user)
    if user.is_staff:
        return visible
    consulted = Membership.objects.filter(user=user, role=Membership.Role.CONSULTANT).values(
        "client_id"
    )
    assigned = Engagement.members.through.objects.filter(user=user).values("engagement_id")
    return visible.filter(Q(lead=user) | Q(pk__in=assigned), client_id__in=consulted)


def shadow_queue_for_user(*, user: User) -> QuerySet[ShadowCase]:
    """The consultant's shadow queue: cases of the engagements they manage still waiting for a
    consultant's answer, whose task was not cancelled, oldest first. Never another
    operator's own plan cases for an operator (they manage no engagement)."""
    return (
        shadow_case_list_for_user(user=user)
        .filter(
            task__engagement__in=_managed_engagements(user),
            consultant_answered_at__isnull=True,
        )
        .exclude(task__status=ReviewTask.Status.CANCELLED)
        .exclude(plan__operator=user)
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class ShadowCaseView:
    """One viewer's view of a case: what they may see of each answer."""

    case: ShadowCase
    is_operator: bool  # the plan's operator
    can_answer: bool  # a consultant of the engagement, not the operator, and still open
    viewer: Any = None

    @property
    def consultant_outcome_visible(self) -> bool:
        # The consultant's answer: to its author at once; to everyone once both answered.
        case = self.case
        if not case.consultant_answered_at:
            return False
        return case.complete or case.consultant_id == getattr(self.viewer, "pk", None)

    @property
    def operator_outcome_visible(self) -> bool:
        # The task's outcome: to the operator; to others once the consultant has answered.
        return self.is_operator or bool(self.case.consultant_answered_at)

    @property
    def hide_task_outcome(self) -> bool:
        return not self.operator_outcome_visible

    @property
    def agreed(self) -> bool | None:
        if not self.case.complete:
            return None
        return outcomes_agree(self.case.consultant_outcome, self.case.operator_outcome)


def outcomes_agree(a: str, b: str) -> bool:
    """Outcomes compare as the decisions' override check does: trimmed, case-insensitive."""
    return a.strip().casefold() == b.strip().casefold()


def shadow_case_view(*, case: ShadowCase, user: User, answering: bool = True) -> ShadowCaseView:
    """`answering=False` skips whether the user may answer (a query per engagement): lists
    only need what the user may see."""
    is_operator = case.plan.operator_id == user.pk
    can_answer = (
        answering
        and not is_operator
        and not case.consultant_answered_at
        and case.task.status != ReviewTask.Status.CANCELLED
        and can_manage_engagement(user, case.task.engagement)
    )
    return ShadowCaseView(case=case, is_operator=is_operator, can_answer=can_answer, viewer=user)


def shadow_task_marks(tasks: Sequence[ReviewTask], user: User) -> Mapping[int, TaskMark]:
    """The queue's and task list's marks (maestro.reviews.hooks): a "Shadow review" badge on
    every shadowed task, and the outcome hidden from all but the plan's operator until the
    consultant has answered. One query per page; none when no task is an escalated decision."""
    ids = [task.pk for task in tasks if task.kind == ReviewTask.Kind.ESCALATED_DECISION]
    if not ids:
        return {}
    rows = ShadowCase.objects.filter(task_id__in=ids).values_list(
        "task_id", "plan__operator_id", "consultant_answered_at"
    )
    return {
        task_id: TaskMark(
            label=SHADOW_LABEL, hide_outcome=operator_id != user.pk and answered_at is None
        )
        for task_id, operator_id, answered_at in rows
    }


def shadow_task_panel(task: ReviewTask, user: User) -> Mapping[str, Any]:
    """The task page's shadow panel (maestro.reviews.hooks): the badge; for a consultant, the
    link to their blind answer and, until they answered, the task's outcome hidden; once both
    answered, both answers side by side."""
    if task.kind != ReviewTask.Kind.ESCALATED_DECISION:
        return {}
    case = (
        ShadowCase.objects.select_related("plan", "consultant", "competency")
        .filter(task_id=task.pk)
        .first()
    )
    if case is None:
        return {}
    case.task = task
    view = shadow_case_view(case=case, user=user)
    return {
        "template": "handoff/shadow_task_panel.html",
        "badge": SHADOW_LABEL,
        "hide_outcome": view.hide_task_outcome,
        "shadow": view,
    }
