import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from maestro.decisions import charts, selectors, services
from maestro.decisions.forms import AgentApiKeyForm, DecisionFilterForm
from maestro.engagements.scoping import can_manage_engagement, require_engagement_manager
from maestro.engagements.selectors import engagement_get_for_user
from maestro.lib.forms import form_errors
from maestro.lib.pagination import page_get
from maestro.lib.timezones import client_time_zone_activate
from maestro.mapping.models import Process


@login_required
@require_safe
def decision_list(request, engagement_id: int):
    """The engagement's live decisions, newest first, filtered by route and process."""
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
    processes = Process.objects.filter(engagement=engagement).order_by("name")
    form = DecisionFilterForm(request.GET or None, processes=processes)
    decisions = selectors.decision_list_for_user(user=request.user).filter(engagement=engagement)
    if form.is_valid():
        if form.cleaned_data["route"]:
            decisions = decisions.filter(route=form.cleaned_data["route"])
        if form.cleaned_data["process"]:
            decisions = decisions.filter(process_id=form.cleaned_data["process"])
        if form.cleaned_data["mode"]:
            decisions = decisions.filter(is_test=form.cleaned_data["mode"] == "test")
    page, query = page_get(request, decisions.order_by("-received_at", "-pk"))
    process_id = form.cleaned_data["process"] if form.is_valid() else None
    days = selectors.decision_daily_volume(engagement=engagement, process_id=process_id)
    return render(
        request,
        "decisions/list.html",
        {
            "engagement": engagement,
            "form": form,
            "page": page,
            "query": query,
            "days": days,
            "volume_chart": mark_safe(  # noqa: S308 - ElementTree output, every text escaped
                charts.decision_volume_svg(days=days)
            ),
            "volume_summary": charts.volume_summary(days),
            "process_name": next((p.name for p in processes if p.pk == process_id), ""),
            "test_counts": selectors.decision_test_counts(engagement=engagement)
            if can_manage_engagement(request.user, engagement)
            else None,
        },
    )


@login_required
@require_safe
def decision_detail(request, decision_id: int):
    decision = selectors.decision_get_for_user(user=request.user, pk=decision_id)
    client_time_zone_activate(decision.engagement.client)
    return render(
        request,
        "decisions/detail.html",
        {
            "decision": decision,
            "engagement": decision.engagement,
            "review_task": getattr(decision, "review_task", None),
            "payload_json": json.dumps(decision.payload, indent=2, ensure_ascii=False),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def api_key_list(request, engagement_id: int):
    """The engagement's agent API keys (its consultants only); create shows the secret once."""
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
    require_engagement_manager(
        request.user,
        engagement,
        message=_("Only the engagement's consultants manage its API keys."),
        page=True,
    )
    keys = selectors.agent_api_key_list(engagement=engagement, user=request.user)
    form = AgentApiKeyForm(request.POST if request.method == "POST" else None)
    created = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with form_errors(form) as call:
                key, secret = services.agent_api_key_create(
                    engagement=engagement, by=request.user, **form.cleaned_data
                )
            if call.ok:
                # Rendered, not redirected: the secret must never sit in a URL or a session.
                created, status, form = {"key": key, "secret": secret}, 201, AgentApiKeyForm()
    return render(
        request,
        "decisions/api_keys.html",
        {
            "engagement": engagement,
            "keys": keys,
            "form": form,
            "created": created,
            "test_counts": selectors.decision_test_counts(engagement=engagement),
        },
        status=status,
    )


@login_required
@require_POST
def api_key_revoke(request, key_id: int):
    key = get_object_or_404(selectors.agent_api_key_visible_to(user=request.user), pk=key_id)
    require_engagement_manager(
        request.user,
        key.engagement,
        message=_("Only the engagement's consultants revoke its API keys."),
        page=True,
    )
    services.agent_api_key_revoke(key=key, by=request.user)
    messages.success(
        request, _("Revoked “%(name)s”: the agent's next call is refused.") % {"name": key.name}
    )
    return redirect("decisions:api-keys", engagement_id=key.engagement_id)


@login_required
@require_http_methods(["GET", "POST"])
def test_decisions_remove(request, engagement_id: int):
    """What removing the engagement's test decisions takes with it, then (POST) the removal.
    Its consultants only."""
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
    require_engagement_manager(
        request.user,
        engagement,
        message=_("Only the engagement's consultants remove its test decisions."),
        page=True,
    )
    if request.method == "POST":
        removed = services.decisions_remove_test(engagement=engagement, by=request.user)
        messages.success(
            request,
            _("Removed %(decisions)d test decision(s) and %(tasks)d review task(s).")
            % {"decisions": removed.decisions, "tasks": removed.review_tasks},
        )
        return redirect("decisions:list", engagement_id=engagement.pk)
    return render(
        request,
        "decisions/test_decisions_remove.html",
        {"engagement": engagement, "counts": selectors.decision_test_counts(engagement=engagement)},
    )
