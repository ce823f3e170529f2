"""Skill-transfer pages: the engagement's plans with their readiness, a plan (competencies on the
ladder, readiness bar and trend, check-ins, evidence), the forms that create and edit plans and
competencies (the engagement's consultants), and the stance step. An operator reads their own
plan; sponsors read every plan; nobody but the consultants sees a form. Times show in the
client's time zone."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from handoff.models import STAGE_ORDER, CheckIn, Stage
from handoff.readiness_chart import readiness_trend_svg
from handoff.selectors import plans as selectors
from handoff.selectors.readiness import PlanReadiness, plans_readiness, readiness_of
from handoff.services import plans as services
from handoff.views.plan_forms import (
    WEEKDAYS,
    CompetencyForm,
    CompetencyMoveForm,
    PlanForm,
    StanceStepForm,
)
from maestro.engagements.models import Engagement
from maestro.engagements.scoping import (
    OPERATOR,
    can_manage_engagement,
    people_at,
    require_engagement_manager,
)
from maestro.engagements.selectors import engagement_get_for_user
from maestro.lib.forms import flash_errors, form_errors
from maestro.lib.timezones import client_time_zone_activate

EVIDENCE_TEMPLATE = "handoff/_evidence.html"


class _DayPoint:
    def __init__(self, day, share) -> None:
        self.day, self.share = day, share


def _ladder(competency) -> list[dict]:
    """The three rungs of one competency, the current and the target marked."""
    current = STAGE_ORDER.index(competency.current_stage)
    target = STAGE_ORDER.index(competency.target_stage)
    return [
        {
            "label": label,
            "current": i == current,
            "target": i == target,
            "reached": i <= current,
        }
        for i, (_value, label) in enumerate(Stage.choices)
    ]


def _chart(readiness: PlanReadiness, tz) -> str:
    points = [_DayPoint(timezone.localtime(p.at, tz).date(), p.share) for p in readiness.trend]
    return readiness_trend_svg(
        points=points,
        title=_("Readiness of %(operator)s") % {"operator": readiness.plan.operator},
        id_prefix=f"readiness-{readiness.plan.pk}",
    )


def _evidence_template() -> str | None:
    """The shadow reviews' evidence panel, once that part of the product provides it."""
    try:
        return select_template([EVIDENCE_TEMPLATE]).template.name
    except TemplateDoesNotExist:
        return None


@login_required
@require_safe
def plan_list(request, engagement_id: int):
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
    readiness = plans_readiness(
        selectors.plan_list_for_engagement(user=request.user, engagement=engagement)
    )
    tz = engagement.client.tzinfo
    with timezone.override(tz):
        return render(
            request,
            "handoff/plans.html",
            {
                "engagement": engagement,
                "plans": [{"readiness": r, "chart": _chart(r, tz)} for r in readiness],
                "can_manage": can_manage_engagement(request.user, engagement),
            },
        )


@login_required
@require_safe
def plan_detail(request, plan_id: int):
    plan = selectors.plan_get_for_user(user=request.user, pk=plan_id)
    engagement = plan.engagement
    client_time_zone_activate(engagement.client)
    readiness = readiness_of(plan)
    competencies = list(plan.competencies.all())
    for competency in competencies:
        competency.ladder = _ladder(competency)
    tz = engagement.client.tzinfo
    now = timezone.now()
    check_ins = list(selectors.plan_check_ins(plan=plan))
    with timezone.override(tz):
        return render(
            request,
            "handoff/plan.html",
            {
                "engagement": engagement,
                "plan": plan,
                "readiness": readiness,
                "chart": _chart(readiness, tz),
                "competencies": competencies,
                "upcoming": [
                    c
                    for c in check_ins
                    if c.status == CheckIn.Status.SCHEDULED and c.scheduled_at >= now
                ],
                "past": [
                    c
                    for c in reversed(check_ins)
                    if not (c.status == CheckIn.Status.SCHEDULED and c.scheduled_at >= now)
                ],
                "evidence_template": _evidence_template(),
                "can_manage": can_manage_engagement(request.user, engagement),
                "weekday": dict(WEEKDAYS)[plan.weekday],
            },
        )


def _operators_without_plan(engagement: Engagement):
    return (
        people_at(engagement.client_id, [OPERATOR])
        .exclude(skill_plans__engagement=engagement)
        .order_by("username")
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request, engagement_id: int):
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
    require_engagement_manager(
        request.user, engagement, message=services.PLANS_MANAGERS_ONLY, page=True
    )
    form = PlanForm(request.POST or None, operators=_operators_without_plan(engagement))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with form_errors(form) as call:
                plan = services.plan_create(
                    engagement=engagement, by=request.user, **form.service_kwargs()
                )
            if call.ok:
                messages.success(
                    request,
                    _("Plan created for %(operator)s with the four starting competencies.")
                    % {"operator": plan.operator},
                )
                return redirect("handoff:plan", plan.pk)
            status = call.status
    return render(
        request,
        "handoff/plan_form.html",
        {"engagement": engagement, "form": form, "plan": None},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, plan_id: int):
    plan = selectors.plan_get_for_user(user=request.user, pk=plan_id)
    engagement = plan.engagement
    client_time_zone_activate(engagement.client)
    require_engagement_manager(
        request.user, engagement, message=services.PLANS_MANAGERS_ONLY, page=True
    )
    form = PlanForm(request.POST or None, plan=plan)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with form_errors(form) as call:
                services.plan_update(plan=plan, by=request.user, **form.service_kwargs())
            if call.ok:
                messages.success(request, _("Plan saved."))
                return redirect("handoff:plan", plan.pk)
            status = call.status
    return render(
        request,
        "handoff/plan_form.html",
        {"engagement": engagement, "form": form, "plan": plan},
        status=status,
    )


def _competency_page(request, *, plan, form, competency=None, status=200):
    return render(
        request,
        "handoff/plan_competency_form.html",
        {"engagement": plan.engagement, "plan": plan, "form": form, "competency": competency},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def competency_create(request, plan_id: int):
    plan = selectors.plan_get_for_user(user=request.user, pk=plan_id)
    require_engagement_manager(
        request.user, plan.engagement, message=services.PLANS_MANAGERS_ONLY, page=True
    )
    form = CompetencyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with form_errors(form) as call:
                services.competency_add(plan=plan, by=request.user, **form.cleaned_data)
            if call.ok:
                messages.success(request, _("Competency added."))
                return redirect("handoff:plan", plan.pk)
            status = call.status
    return _competency_page(request, plan=plan, form=form, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def competency_edit(request, competency_id: int):
    competency = selectors.competency_get_for_user(user=request.user, pk=competency_id)
    client_time_zone_activate(competency.plan.engagement.client)
    plan = competency.plan
    require_engagement_manager(
        request.user, plan.engagement, message=services.PLANS_MANAGERS_ONLY, page=True
    )
    form = CompetencyForm(request.POST or None, competency=competency)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with form_errors(form) as call:
                services.competency_update(
                    competency=competency, by=request.user, **form.cleaned_data
                )
            if call.ok:
                messages.success(request, _("Competency saved."))
                return redirect("handoff:plan", plan.pk)
            status = call.status
    return _competency_page(request, plan=plan, form=form, competency=competency, status=status)


@login_required
@require_POST
def competency_delete(request, competency_id: int):
    competency = selectors.competency_get_for_user(user=request.user, pk=competency_id)
    client_time_zone_activate(competency.plan.engagement.client)
    plan = competency.plan
    require_engagement_manager(
        request.user, plan.engagement, message=services.PLANS_MANAGERS_ONLY, page=True
    )
    with flash_errors(request) as call:
        services.competency_remove(competency=competency, by=request.user)
    if call.ok:
        messages.success(request, _("Removed “%(name)s”.") % {"name": competency.name})
    return redirect("handoff:plan", plan.pk)


@login_required
@require_POST
def competency_move(request, competency_id: int):
    """Move a competency one place up or down (the plan page's arrows)."""
    competency = selectors.competency_get_for_user(user=request.user, pk=competency_id)
    client_time_zone_activate(competency.plan.engagement.client)
    plan = competency.plan
    require_engagement_manager(
        request.user, plan.engagement, message=services.PLANS_MANAGERS_ONLY, page=True
    )
    form = CompetencyMoveForm(request.POST)
    if form.is_valid():
        ids = list(plan.competencies.order_by("order", "pk").values_list("pk", flat=True))
        position = ids.index(competency.pk) + (-1 if form.cleaned_data["direction"] == "up" else 1)
        if 0 <= position < len(ids):
            with flash_errors(request):
                services.competency_update(
                    competency=competency, by=request.user, position=position
                )
    else:
        messages.error(request, _("Choose up or down."))
    return redirect("handoff:plan", plan.pk)


@login_required
@require_http_methods(["GET", "POST"])
def stance_step(request, engagement_id: int):
    """The next rung down, with a note; explained when the phase does not allow it yet."""
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
    require_engagement_manager(
        request.user, engagement, message=services.STANCE_MANAGERS_ONLY, page=True
    )
    following = services.stance_next(engagement)
    refusal = services.stance_step_refusal(engagement, following) if following else None
    form = StanceStepForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with form_errors(form) as call:
                services.stance_step(
                    engagement=engagement,
                    by=request.user,
                    to_stance=following or engagement.stance,
                    note=form.cleaned_data["note"],
                )
            if call.ok:
                messages.success(
                    request,
                    _("The consultant's stance is now %(stance)s.")
                    % {"stance": engagement.get_stance_display()},
                )
                return redirect(engagement)
            status = call.status
    return render(
        request,
        "handoff/plan_stance_step.html",
        {
            "engagement": engagement,
            "form": form,
            "next_stance": Engagement.Stance(following).label if following else None,
            "refusal": refusal.message if refusal else "",
            "history": list(selectors.stance_step_list(engagement=engagement)),
        },
        status=status,
    )
