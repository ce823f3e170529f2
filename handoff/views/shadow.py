"""Shadow review pages: the consultant's shadow queue, one shadow review (answered blind), the
engagement's agreement table, and the plan's shadow share (a form on that table)."""

import json
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from handoff.selectors import shadow as selectors
from handoff.selectors.evidence import engagement_agreement
from handoff.services import shadow as services
from handoff.shadow_forms import ShadowAnswerForm, ShadowShareForm
from maestro.engagements.scoping import can_manage_engagement, require_engagement_manager
from maestro.engagements.selectors import engagement_get_for_user
from maestro.lib.forms import flash_errors, form_errors
from maestro.lib.pagination import page_get
from maestro.lib.timezones import client_time_zone_activate
from maestro.reviews.selectors import decision_outcome_choices


@login_required
@require_safe
def shadow_queue(request):
    """The shadow reviews waiting for the user's answer (a consultant's; empty for others)."""
    page, query = page_get(request, selectors.shadow_queue_for_user(user=request.user))
    return render(request, "handoff/shadow_queue.html", {"page": page, "query": query})


def _case_page(request, case, *, form=None, status=200):
    view = selectors.shadow_case_view(case=case, user=request.user)
    decision = case.task.decision
    if form is None and view.can_answer:
        form = ShadowAnswerForm(outcomes=decision_outcome_choices(decision=decision))
    return render(
        request,
        "handoff/shadow_case.html",
        {
            "case": case,
            "view": view,
            "task": case.task,
            "decision": decision,
            "engagement": case.task.engagement,
            "form": form if view.can_answer else None,
            "payload_json": json.dumps(decision.payload, indent=2, sort_keys=True),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def shadow_case_detail(request, case_id: int):
    """One shadow review: the decision as the operator sees it, without its outcome until the
    consultant has answered; POST is the consultant's answer (once: a second is a 409)."""
    case = selectors.shadow_case_get_for_user(user=request.user, pk=case_id)
    client_time_zone_activate(case.plan.engagement.client)
    if request.method != "POST":
        return _case_page(request, case)
    require_engagement_manager(
        request.user,
        case.task.engagement,
        message=_("Only the engagement's consultants answer shadow reviews."),
        page=True,
    )
    form = ShadowAnswerForm(
        request.POST, outcomes=decision_outcome_choices(decision=case.task.decision)
    )
    if not form.is_valid():
        return _case_page(request, case, form=form, status=400)
    with form_errors(form, field="outcome") as call:
        services.shadow_case_answer(case=case, outcome=form.cleaned_data["answer"], by=request.user)
    if not call.ok:
        case = selectors.shadow_case_get_for_user(user=request.user, pk=case_id)
        if call.status == 409:
            # Answered already (by this consultant in another tab, or a colleague): the page
            # as it is now, with the refusal on top.
            messages.error(request, call.error.message)  # type: ignore[union-attr]
            return _case_page(request, case, status=409)
        return _case_page(request, case, form=form, status=call.status)
    messages.success(request, _("Your shadow answer is recorded."))
    return redirect("handoff:shadow-case", case.pk)


@login_required
@require_safe
def agreement(request, engagement_id: int):
    """The engagement's agreement table: every plan, overall, per competency and per week."""
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
    can_manage = can_manage_engagement(request.user, engagement)
    plans = engagement_agreement(engagement)
    weeks = sorted({week for plan in plans for week, _a in plan.weeks})
    return render(
        request,
        "handoff/agreement.html",
        {
            "engagement": engagement,
            "plans": plans,
            "weeks": weeks,
            "can_manage": can_manage,
            "share_forms": {
                p.plan.pk: ShadowShareForm(
                    initial={"shadow_share": (p.plan.shadow_share * 100).normalize()},
                    auto_id=f"share_{p.plan.pk}_%s",
                )
                for p in plans
            }
            if can_manage
            else {},
        },
    )


@login_required
@require_POST
def plan_shadow_share(request, plan_id: int):
    """Set a plan's shadow share from the agreement page (percent in, share 0–1 stored)."""
    plan = selectors.plan_get_for_user(user=request.user, pk=plan_id)
    require_engagement_manager(
        request.user,
        plan.engagement,
        message=_("Only the engagement's consultants set the shadow share."),
        page=True,
    )
    form = ShadowShareForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("shadow_share", []):
            messages.error(request, _("Shadow share: %(error)s") % {"error": error})
        return redirect("handoff:agreement", plan.engagement_id)
    share = (form.cleaned_data["shadow_share"] / Decimal(100)).quantize(Decimal("0.0001"))
    with flash_errors(request) as call:
        services.plan_shadow_share_set(plan=plan, share=share, by=request.user)
    if call.ok:
        messages.success(
            request,
            _("%(operator)s's shadow share is now %(percent)s%%.")
            % {"operator": plan.operator, "percent": (share * 100).normalize()},
        )
    return redirect("handoff:agreement", plan.engagement_id)
