from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from maestro.engagements import hooks, selectors, services
from maestro.engagements.forms import (
    ClientSettingsForm,
    EngagementCreateForm,
    EngagementEditForm,
    EngagementFilterForm,
    TransitionForm,
)
from maestro.engagements.models import PHASE_ORDER, Engagement, Phase
from maestro.engagements.scoping import (
    can_manage_engagement,
    can_work_engagement,
    clients_consulted_by,
    clients_for,
    is_consultant,
    is_consultant_at,
    is_sponsor_only,
    require_engagement_manager,
)
from maestro.exceptions import DomainError
from maestro.lib.forms import form_errors
from maestro.lib.timezones import client_time_zone_activate
from maestro.tenancy.models import Client

STATE_LABELS = {
    "done": gettext_lazy("completed"),
    "current": gettext_lazy("current phase"),
    "todo": gettext_lazy("not started"),
}
STANCE_HINTS = {
    Engagement.Stance.LEAD: gettext_lazy("The consultant runs the engagement day to day."),
    Engagement.Stance.ADVISORY: gettext_lazy(
        "The client's operator runs it; the consultant advises."
    ),
    Engagement.Stance.OUT: gettext_lazy(
        "The consultant has stepped out; the client runs it alone."
    ),
}


def _timeline(engagement: Engagement, transitions) -> list[dict]:
    """The lifecycle as steps, each with when the engagement last entered it. `transitions`
    is the already-fetched history (newest first), so this costs no query."""
    entered = {Phase.MAPPING.value: engagement.created_at}
    for t in reversed(transitions):
        entered[t.to_phase] = t.at
    entered[engagement.phase] = engagement.phase_changed_at
    current = PHASE_ORDER.index(engagement.phase)
    steps = []
    for i, (value, label) in enumerate(Phase.choices):
        state = "done" if i < current else "current" if i == current else "todo"
        steps.append(
            {
                "value": value,
                "label": label,
                "state": state,
                "state_label": STATE_LABELS[state],
                "entered": entered.get(value) if state != "todo" else None,
            }
        )
    return steps


def _stance_steps(engagement: Engagement) -> list[dict]:
    current = [s.value for s in Engagement.Stance].index(engagement.stance)
    return [
        {"value": s.value, "label": s.label, "current": i == current, "done": i < current}
        for i, s in enumerate(Engagement.Stance)
    ]


def _redirect_to_saved(request, engagement: Engagement):
    # A consultant may hand an engagement to another lead and leave its team; its detail page
    # would then be a 404 for them.
    if selectors.engagement_list_for_user(user=request.user).filter(pk=engagement.pk).exists():
        return redirect(engagement)
    messages.info(request, _("You are not on its team, so it does not appear in your engagements."))
    return redirect("engagements:list")


class LoginView(auth_views.LoginView):
    """Django's login, except that `?next=/` (what opening the site's root while signed out
    asks for) goes home like no `next` at all, so each role lands where it works."""

    redirect_authenticated_user = True

    def get_redirect_url(self) -> str:
        url = super().get_redirect_url()
        return "" if url == reverse("engagements:list") else url


@login_required
@require_safe
def home(request):
    """Where a login lands: a sponsor on their engagement's summary (on the list of their
    engagements when they have several), everyone else on the engagement list."""
    engagement_id = selectors.sponsor_home_engagement_id(user=request.user)
    if engagement_id is not None:
        return redirect("engagements:summary", engagement_id=engagement_id)
    return redirect("engagements:list")


@login_required
@require_safe
def engagement_list(request):
    form = EngagementFilterForm(request.GET or None, clients=clients_for(request.user))
    engagements = list(form.filter(selectors.engagement_list_for_user(user=request.user)))
    # Health at a glance (accuracy this week, open and overdue tasks), from the layers above
    # (maestro.engagements.hooks): a constant number of queries for any number of rows.
    health = hooks.engagement_list_health(engagements=engagements)
    return render(
        request,
        "engagements/list.html",
        {
            "engagements": engagements,
            "rows": [{"engagement": e, "health": health[e.pk]} for e in engagements],
            "form": form,
            "can_create": is_consultant(request.user),
            # A sponsor's rows open the summaries (and base.html's navigation reuses the answer).
            "sponsor_only": is_sponsor_only(request.user),
        },
    )


@login_required
@require_safe
def engagement_summary(request, engagement_id: int):
    """The executive summary: the figures a sponsor cares about first (accuracy against the
    target, hours freed, automation and override rates, open risks, readiness once skill
    transfer provides it), then the phase and its dates, the trend with its charts, the risks
    and the economics. Everyone who sees the engagement reads it."""
    engagement = selectors.engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
    transitions = list(selectors.transition_list(engagement=engagement))
    can_manage = can_manage_engagement(request.user, engagement)
    parts = hooks.engagement_summary_parts(engagement=engagement)
    return render(
        request,
        "engagements/summary.html",
        {
            "engagement": engagement,
            "timeline": _timeline(engagement, transitions),
            "started": engagement.created_at,
            "can_manage": can_manage,
            "can_work": can_manage or can_work_engagement(request.user, engagement),
            "figures": parts.figures,
            "panels": parts.panels,
            "documents": parts.documents,
        },
    )


@login_required
@require_safe
def engagement_detail(request, engagement_id: int):
    engagement = selectors.engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
    transitions = list(selectors.transition_list(engagement=engagement))
    can_manage = can_manage_engagement(request.user, engagement)
    return render(
        request,
        "engagements/detail.html",
        {
            "engagement": engagement,
            "timeline": _timeline(engagement, transitions),
            "stance_steps": _stance_steps(engagement),
            "stance_hint": STANCE_HINTS[engagement.stance],
            "transitions": transitions,
            "can_manage": can_manage,
            # A manager is a consultant at the client (scoping's rule): no second question.
            "can_set_time_zone": can_manage or is_consultant_at(request.user, engagement.client),
            # The process maps and training charts, from the layers above
            # (maestro.engagements.hooks).
            **hooks.engagement_overview_context(engagement=engagement),
        },
    )


def _gate_field(exc: DomainError) -> str | None:
    return "to_phase" if exc.code == "gate_failed" else None


@login_required
@require_http_methods(["GET", "POST"])
def engagement_transition(request, engagement_id: int):
    engagement = selectors.engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
    require_engagement_manager(
        request.user,
        engagement,
        message=_("Only the engagement's consultants can move its phase."),
        page=True,
    )
    moves = selectors.engagement_moves(engagement=engagement)
    form = TransitionForm(request.POST or None, moves=moves, current_phase=engagement.phase)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            # A failing gate is about the chosen move; anything else concerns the whole form.
            with form_errors(form, field=_gate_field) as call:
                transition = services.engagement_transition(
                    engagement=engagement, by=request.user, **form.cleaned_data
                )
            if call.ok:
                text = _("Moved to %(phase)s.") % {"phase": engagement.get_phase_display()}
                if transition.overridden:
                    text += " " + _("The gate override and its reason are on record.")
                messages.success(request, text)
                return redirect(engagement)
            status = call.status
    return render(
        request,
        "engagements/transition.html",
        {
            "engagement": engagement,
            "form": form,
            "move_options": form.move_options(),
            "timeline": _timeline(engagement, []),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def engagement_create(request):
    if not is_consultant(request.user):
        raise PermissionDenied(_("Only consultants can open engagements."))
    clients = clients_consulted_by(request.user)
    form = EngagementCreateForm(
        request.POST if request.method == "POST" else None,
        clients=clients,
        consultants=selectors.consultant_choices(clients=clients, include=[request.user.pk]),
        initial={"lead": request.user.pk},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with form_errors(form) as call:
                engagement = services.engagement_create(by=request.user, **form.cleaned_data)
            if call.ok:
                messages.success(
                    request,
                    _("Opened “%(name)s” for %(client)s. It starts in Mapping.")
                    % {"name": engagement.name, "client": engagement.client},
                )
                return _redirect_to_saved(request, engagement)
            status = call.status
    return render(request, "engagements/new.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def engagement_edit(request, engagement_id: int):
    engagement = selectors.engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
    require_engagement_manager(
        request.user,
        engagement,
        message=_("Only the engagement's consultants can change it."),
        page=True,
    )
    team = [engagement.lead_id, request.user.pk, *(m.pk for m in engagement.members.all())]
    form = EngagementEditForm(
        request.POST if request.method == "POST" else None,
        engagement=engagement,
        consultants=selectors.consultant_choices(
            clients=Client.objects.filter(pk=engagement.client_id), include=team
        ),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with form_errors(form) as call:
                services.engagement_update(
                    engagement=engagement, by=request.user, **form.cleaned_data
                )
            if call.ok:
                messages.success(request, _("Saved your changes."))
                return _redirect_to_saved(request, engagement)
            # full_clean refuses after the service has set the new values on this instance;
            # the page heading must still show what is saved.
            engagement.refresh_from_db()
            status = call.status
    return render(
        request,
        "engagements/edit.html",
        {"engagement": engagement, "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def client_time_zone_edit(request, client_id: int):
    """The client's settings (time zone, the handoff PDF's paper size), for its consultants;
    `?next=` an engagement page to go back to."""
    client = get_object_or_404(clients_for(request.user), pk=client_id)
    client_time_zone_activate(client)
    if not is_consultant_at(request.user, client):
        raise PermissionDenied(_("Only the client's consultants can change its settings."))
    form = ClientSettingsForm(
        request.POST or None,
        initial={"time_zone": client.time_zone, "paper_size": client.paper_size},
    )
    status = 200
    back = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with form_errors(form) as call:
                services.client_settings_update(
                    client=client,
                    time_zone=form.cleaned_data["time_zone"],
                    paper_size=form.cleaned_data["paper_size"] or None,
                    by=request.user,
                )
            if call.ok:
                messages.success(
                    request, _("%(client)s's time zone is %(zone)s; its paper is %(paper)s.") % {
                        "client": client.name, "zone": client.time_zone,
                        "paper": client.get_paper_size_display()}
                )  # fmt: skip
                return redirect(back or "engagements:list")
            client.refresh_from_db()
            status = call.status
    return render(
        request,
        "engagements/client_time_zone.html",
        {"client": client, "form": form, "back": back},
        status=status,
    )
