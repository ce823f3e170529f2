"""Check-in pages: one check-in (its time in the client's zone, status, the record form and the
evidence panel), the signed-in person's calendar feed page, and the feed itself (.ics, opened
by its token without a session)."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from handoff.models import STAGE_ORDER, CheckIn, Stage
from handoff.selectors.check_ins import (
    FEED_AHEAD,
    FEED_MAX_EVENTS,
    FEED_PAST,
    check_in_get_for_user,
)
from handoff.services import calendar as calendar_services
from handoff.services import check_ins as services
from maestro.engagements.scoping import can_manage_engagement, require_engagement_manager
from maestro.lib.forms import form_errors
from maestro.lib.timezones import client_time_zone_activate

EVIDENCE_TEMPLATE = "handoff/_evidence.html"
# The session key that carries a new feed's token to the page once (it is not stored).
NEW_TOKEN_KEY = "calendar_new_token"


class FollowUpForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Follow-up"), max_length=services.FOLLOW_UP_TEXT_MAX, required=False
    )
    due_on = forms.DateField(
        label=gettext_lazy("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if data.get("text") and not data.get("due_on"):
            self.add_error("due_on", _("A follow-up needs a due date."))
        if data.get("due_on") and not data.get("text"):
            self.add_error("text", _("Say what is to be done."))
        return data


FollowUpFormSet = forms.formset_factory(
    FollowUpForm, extra=3, max_num=services.MAX_FOLLOW_UPS, validate_max=True
)


class CheckInRecordForm(forms.Form):
    notes = forms.CharField(
        label=gettext_lazy("Notes"), required=False, max_length=10_000, widget=forms.Textarea
    )

    def __init__(self, *args, competencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.competencies = list(competencies)
        for competency in self.competencies:
            self.fields[f"stage_{competency.pk}"] = forms.ChoiceField(
                label=competency.name,
                choices=Stage.choices,
                initial=competency.current_stage,
                widget=forms.RadioSelect,
                help_text=_("Target: %(target)s")
                % {"target": competency.get_target_stage_display()},
            )

    def stage_fields(self):
        return [self[f"stage_{c.pk}"] for c in self.competencies]

    def stages(self) -> dict[int, str]:
        return {c.pk: self.cleaned_data[f"stage_{c.pk}"] for c in self.competencies}


def _evidence_template() -> str | None:
    """The evidence panel, once its template exists."""
    try:
        return select_template([EVIDENCE_TEMPLATE]).template.name
    except TemplateDoesNotExist:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def check_in_detail(request, check_in_id: int):
    """A check-in, and its record form for the engagement's consultants (POST records it)."""
    check_in = check_in_get_for_user(user=request.user, pk=check_in_id)
    plan = check_in.plan
    engagement = plan.engagement
    client_time_zone_activate(engagement.client)
    can_manage = can_manage_engagement(request.user, engagement)
    recordable = can_manage and check_in.status in (
        CheckIn.Status.SCHEDULED,
        CheckIn.Status.MISSED,
    )
    competencies = list(plan.competencies.order_by("order", "pk"))
    data = request.POST if request.method == "POST" else None
    form = CheckInRecordForm(data, competencies=competencies)
    follow_ups = FollowUpFormSet(data, prefix="follow_ups")
    status = 200
    if request.method == "POST":
        require_engagement_manager(
            request.user, engagement, message=services.RECORD_MANAGERS_ONLY, page=True
        )
        if form.is_valid() and follow_ups.is_valid():
            items = [
                services.FollowUp(text=f.cleaned_data["text"], due_on=f.cleaned_data["due_on"])
                for f in follow_ups
                if f.cleaned_data.get("text")
            ]
            with form_errors(form) as call:
                services.check_in_record(
                    check_in=check_in,
                    by=request.user,
                    stages=form.stages(),
                    notes=form.cleaned_data["notes"],
                    follow_ups=items,
                )
            if call.ok:
                messages.success(request, _("Check-in recorded."))
                return redirect(reverse("handoff:check-in", kwargs={"check_in_id": check_in.pk}))
            status = call.status
        else:
            status = 400
    stages = {s.competency_id: s.stage for s in check_in.stages.all()}
    recorded_stages = [
        (c, dict(Stage.choices).get(stages[c.pk], stages[c.pk]))
        for c in competencies
        if c.pk in stages
    ]
    tz = engagement.client.tzinfo
    with timezone.override(tz):
        return render(
            request,
            "handoff/check_in.html",
            {
                "engagement": engagement,
                "plan": plan,
                "check_in": check_in,
                "ends_at": check_in.scheduled_at + timedelta(minutes=check_in.duration_minutes),
                "missed_after": services.check_in_missed_after(check_in),
                "form": form,
                "follow_up_forms": follow_ups,
                "recordable": recordable,
                "can_manage": can_manage,
                "recorded_stages": recorded_stages,
                "follow_up_tasks": [
                    f.task for f in check_in.follow_ups.select_related("task__assignee")
                ],
                "ladder": STAGE_ORDER,
                "evidence_template": _evidence_template(),
            },
            status=status,
        )


@login_required
@require_http_methods(["GET", "POST"])
def calendar_page(request):
    """The signed-in person's calendar feed: whether they have one, the URL right after it is
    made (shown once), and buttons to make a new one or revoke it."""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "regenerate":
            _feed, token = calendar_services.calendar_feed_create(user=request.user)
            request.session[NEW_TOKEN_KEY] = token
            messages.success(request, _("New calendar URL made; the previous one stops working."))
        elif action == "revoke":
            if calendar_services.calendar_feed_revoke(user=request.user):
                messages.success(request, _("Calendar URL revoked."))
        else:
            return HttpResponse(_("Unknown action."), status=400, content_type="text/plain")
        return redirect("handoff:calendar")
    token = request.session.pop(NEW_TOKEN_KEY, None)
    feed = calendar_services.calendar_feed_live(user=request.user)
    url = (
        request.build_absolute_uri(reverse("handoff:calendar-feed", kwargs={"token": token}))
        if token and feed
        else None
    )
    return render(
        request,
        "handoff/calendar.html",
        {
            "feed": feed,
            "url": url,
            "past_days": FEED_PAST.days,
            "ahead_days": FEED_AHEAD.days,
            "max_events": FEED_MAX_EVENTS,
        },
    )


@require_safe
def calendar_feed(request, token: str):
    """The .ics of a live feed's owner; 404 for an unknown or revoked token. No session: the
    token is the credential."""
    user = calendar_services.calendar_feed_user(token=token)
    if user is None:
        raise Http404("No such calendar.")
    response = HttpResponse(
        calendar_services.calendar_feed_ics(user=user), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="maestro-check-ins.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
