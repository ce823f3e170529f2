"""Drift-alert pages of an engagement: its alerts (filterable) and the acknowledge form, its
rules (consultants create and edit them), its silences (consultants add and lift them).
Times show in the client's time zone."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from maestro.engagements.scoping import (
    can_manage_engagement,
    can_work_engagement,
    require_engagement_manager,
    require_engagement_worker,
)
from maestro.engagements.selectors import engagement_get_for_user
from maestro.lib.forms import flash_errors, form_errors
from maestro.lib.pagination import page_get
from maestro.lib.timezones import client_time_zone_activate
from maestro.mapping.models import Process
from maestro.monitoring.alert_display import (
    alert_episode_value,
    alert_rule_scope,
    alert_rule_summary,
)
from maestro.monitoring.forms import AcknowledgeForm, AlertFilterForm, AlertRuleForm, SilenceForm
from maestro.monitoring.selectors import alerts as selectors
from maestro.monitoring.services import alert_rules as services

RULES_READ_ONLY = services.RULES_MANAGERS_ONLY


def _processes(engagement):
    return Process.objects.filter(engagement=engagement).order_by("name", "pk")


def _describe(rules) -> None:
    for rule in rules:
        rule.summary = alert_rule_summary(rule)
        rule.scope = alert_rule_scope(rule)


def _describe_episodes(episodes) -> None:
    for episode in episodes:
        _describe([episode.rule])
        episode.value_text = alert_episode_value(episode)


@login_required
@require_safe
def alert_list(request, engagement_id: int):
    """The engagement's alerts: open ones first, then the latest resolved."""
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
    form = AlertFilterForm(request.GET or None, processes=_processes(engagement))
    filters = form.filters() if form.is_valid() else {}
    episodes = selectors.alert_episode_list_for_engagement(engagement=engagement, **filters)
    page, query = page_get(request, episodes)
    _describe_episodes(page.object_list)
    with timezone.override(engagement.client.tzinfo):
        return render(
            request,
            "monitoring/alerts.html",
            {
                "engagement": engagement,
                "form": form,
                "page": page,
                "query": query,
                "can_work": can_work_engagement(request.user, engagement),
            },
            status=200 if not form.is_bound or form.is_valid() else 400,
        )


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
@require_http_methods(["GET", "POST"])
def alert_acknowledge(request, episode_id: int):
    """The acknowledge form (GET) and the acknowledgement (POST, from here or from the
    Monitoring page, which may pass `next`)."""
    episode = selectors.alert_episode_get_for_user(user=request.user, pk=episode_id)
    engagement = episode.engagement
    client_time_zone_activate(engagement.client)
    require_engagement_worker(
        request.user, engagement, message=services.ACKNOWLEDGE_WORKERS_ONLY, page=True
    )
    form = AcknowledgeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            with form_errors(form, field="note") as call:
                services.alert_episode_acknowledge(
                    episode=episode, by=request.user, note=form.cleaned_data["note"]
                )
            if call.ok:
                messages.success(request, _("Alert acknowledged."))
                return redirect(
                    _next_url(request, reverse("monitoring:alerts", args=[engagement.pk]))
                )
            status = call.status
        else:
            status = 400
    _describe_episodes([episode])
    with timezone.override(engagement.client.tzinfo):
        return render(
            request,
            "monitoring/alerts_acknowledge.html",
            {
                "engagement": engagement,
                "episode": episode,
                "form": form,
                "next": _next_url(request, ""),
            },
            status=status,
        )


@login_required
@require_safe
def alert_rule_list(request, engagement_id: int):
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
    rules = list(selectors.alert_rule_list_for_engagement(engagement=engagement))
    _describe(rules)
    return render(
        request,
        "monitoring/alerts_rules.html",
        {
            "engagement": engagement,
            "rules": rules,
            "can_manage": can_manage_engagement(request.user, engagement),
        },
    )


def _rule_form_page(request, *, engagement, form, rule=None, status=200):
    return render(
        request,
        "monitoring/alerts_rule_form.html",
        {"engagement": engagement, "form": form, "rule": rule},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def alert_rule_create(request, engagement_id: int):
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
    require_engagement_manager(request.user, engagement, message=RULES_READ_ONLY, page=True)
    form = AlertRuleForm(request.POST or None, processes=_processes(engagement))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with form_errors(form) as call:
                services.alert_rule_create(
                    engagement=engagement, by=request.user, **form.service_kwargs()
                )
            if call.ok:
                messages.success(request, _("Alert rule added."))
                return redirect("monitoring:alert-rules", engagement.pk)
            status = call.status
    return _rule_form_page(request, engagement=engagement, form=form, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def alert_rule_edit(request, rule_id: int):
    rule = selectors.alert_rule_get_for_user(user=request.user, pk=rule_id)
    engagement = rule.engagement
    client_time_zone_activate(engagement.client)
    require_engagement_manager(request.user, engagement, message=RULES_READ_ONLY, page=True)
    form = AlertRuleForm(request.POST or None, processes=_processes(engagement), rule=rule)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with form_errors(form) as call:
                services.alert_rule_update(rule=rule, by=request.user, **form.service_kwargs())
            if call.ok:
                messages.success(request, _("Alert rule saved."))
                return redirect("monitoring:alert-rules", engagement.pk)
            status = call.status
    return _rule_form_page(request, engagement=engagement, form=form, rule=rule, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def silence_list(request, engagement_id: int):
    """The engagement's silences, newest end first, and (consultants) the form adding one."""
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
    can_manage = can_manage_engagement(request.user, engagement)
    if request.method == "POST":
        require_engagement_manager(
            request.user, engagement, message=services.SILENCES_MANAGERS_ONLY, page=True
        )
    tz = engagement.client.tzinfo
    status = 200
    with timezone.override(tz):
        form = SilenceForm(
            request.POST or None,
            processes=_processes(engagement),
            rules=selectors.alert_rule_list_for_engagement(engagement=engagement),
            time_zone=engagement.client.time_zone,
        )
        if request.method == "POST":
            status = 400
            if form.is_valid():
                with form_errors(form) as call:
                    services.silence_create(
                        engagement=engagement, by=request.user, **form.cleaned_data
                    )
                if call.ok:
                    messages.success(request, _("Silenced."))
                    return redirect("monitoring:silences", engagement.pk)
                status = call.status
        page, query = page_get(
            request, selectors.silence_list_for_engagement(engagement=engagement)
        )
        return render(
            request,
            "monitoring/alerts_silences.html",
            {
                "engagement": engagement,
                "form": form if can_manage else None,
                "page": page,
                "query": query,
                "now": timezone.now(),
                "can_manage": can_manage,
            },
            status=status,
        )


@login_required
@require_POST
def silence_lift(request, silence_id: int):
    silence = selectors.silence_get_for_user(user=request.user, pk=silence_id)
    require_engagement_manager(
        request.user, silence.engagement, message=services.SILENCES_MANAGERS_ONLY, page=True
    )
    with flash_errors(request) as call:
        services.silence_lift(silence=silence, by=request.user)
    if call.ok:
        messages.success(request, _("Silence lifted: the alerts it covered notify again."))
    return redirect("monitoring:silences", silence.engagement_id)
