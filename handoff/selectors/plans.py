"""Reads of skill-transfer plans and stance steps, scoped through engagements_for(user): another
tenant's rows are absent (404). The engagement's consultants and its client's sponsors read
every plan of it; an operator reads only their own plan."""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from handoff.models import CheckIn, Competency, SkillTransferPlan, StanceStep
from handoff.selectors.readiness import plans_readiness
from maestro.engagements.models import Engagement
from maestro.engagements.scoping import engagements_for, is_operator_at
from maestro.tenancy.models import Membership, User


def _operator_sees_own(plans: QuerySet[SkillTransferPlan], user: User) -> QuerySet:
    """An operator of a client reads their own plans there, not their colleagues'."""
    if not (user.is_authenticated and user.is_active) or user.is_staff:
        return plans
    operating_at = Membership.objects.filter(user=user, role=Membership.Role.OPERATOR).values(
        "client_id"
    )
    return plans.exclude(Q(engagement__client_id__in=operating_at) & ~Q(operator=user))


def plan_list_for_user(*, user: User) -> QuerySet[SkillTransferPlan]:
    plans = SkillTransferPlan.objects.filter(engagement__in=engagements_for(user))
    return _operator_sees_own(plans, user).select_related(
        "engagement__client", "operator", "created_by"
    )


def plan_list_for_engagement(*, user: User, engagement: Engagement) -> QuerySet:
    """The engagement's plans the user may read (the caller scoped `engagement`)."""
    plans = SkillTransferPlan.objects.filter(engagement=engagement)
    if is_operator_at(user, engagement.client_id) and not user.is_staff:
        plans = plans.filter(operator=user)
    return plans.select_related("operator").order_by("operator__username", "pk")


def plan_get_for_user(*, user: User, pk: int) -> SkillTransferPlan:
    """The plan with its competencies, if the user may read it, else Http404."""
    return get_object_or_404(
        plan_list_for_user(user=user).prefetch_related(
            "engagement__members",
            Prefetch("competencies", queryset=Competency.objects.order_by("order", "pk")),
        ),
        pk=pk,
    )


def competency_get_for_user(*, user: User, pk: int) -> Competency:
    return get_object_or_404(
        Competency.objects.filter(plan__in=plan_list_for_user(user=user))
        .select_related("plan__engagement__client", "plan__operator")
        .prefetch_related("plan__engagement__members"),
        pk=pk,
    )


def plan_check_ins(*, plan: SkillTransferPlan) -> QuerySet[CheckIn]:
    return CheckIn.objects.filter(plan=plan).order_by("scheduled_at", "pk")


def stance_step_list(*, engagement: Engagement) -> QuerySet[StanceStep]:
    """The stance's history, oldest first."""
    return StanceStep.objects.filter(engagement=engagement).select_related("by")


def engagement_stance_overview(engagement: Engagement) -> dict:
    """The engagement page's stance history and each operator's readiness with their missed
    check-ins (maestro.engagements.hooks.on_engagement_overview): four queries."""
    plans = (
        SkillTransferPlan.objects.filter(engagement=engagement)
        .annotate(missed_check_ins=Count("check_ins", filter=Q(check_ins__missed_at__isnull=False)))
        .order_by("operator__username")
    )
    return {
        "stance_history": list(stance_step_list(engagement=engagement)),
        "skill_plans": [
            {"readiness": readiness, "missed": getattr(readiness.plan, "missed_check_ins", 0)}
            for readiness in plans_readiness(plans)
        ],
    }
