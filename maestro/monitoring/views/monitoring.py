"""The Monitoring page of an engagement (daily accuracy with its alert floor and episodes, the
weekly cards, categories, volume, open alerts) and the weekly summary's preview. Everyone who
reaches the engagement reads Monitoring (engagements.scoping); the preview is its consultants'."""

from datetime import timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_safe

from maestro.engagements.scoping import (
    can_manage_engagement,
    can_work_engagement,
    require_engagement_manager,
)
from maestro.engagements.selectors import engagement_get_for_user
from maestro.lib.timezones import client_time_zone_activate, iso_week_start, local_today
from maestro.mapping.models import Process
from maestro.monitoring import charts
from maestro.monitoring.selectors.trend import (
    DAY_RANGES,
    DEFAULT_DAY_RANGE,
    engagement_trend,
    monitoring_series,
    open_episode_list,
)
from maestro.monitoring.services.weekly import weekly_summary_build, weekly_summary_recipients


class MonitoringFilterForm(forms.Form):
    days = forms.TypedChoiceField(
        label=gettext_lazy("Days"),
        choices=[(n, f"Last {n} days") for n in DAY_RANGES],
        coerce=int,
        required=False,
        empty_value=DEFAULT_DAY_RANGE,
    )
    process = forms.TypedChoiceField(
        label=gettext_lazy("Process"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, processes, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["process"].choices = [("", _("All processes"))] + [
            (p.pk, p.name) for p in processes
        ]
        self.fields["days"].initial = DEFAULT_DAY_RANGE


@login_required
@require_safe
def monitoring_page(request, engagement_id: int):
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
    processes = list(Process.objects.filter(engagement=engagement).order_by("name"))
    form = MonitoringFilterForm(request.GET or None, processes=processes)
    days, process_id, status = DEFAULT_DAY_RANGE, None, 200
    if form.is_bound:
        if form.is_valid():
            days = form.cleaned_data["days"]
            process_id = form.cleaned_data["process"]
        else:
            status = 400
    trend = engagement_trend(engagement=engagement)
    today, series = monitoring_series(
        engagement=engagement,
        days=days,
        process_ids=None if process_id is None else [process_id],
    )
    sections = []
    for s in series:
        prefix = f"accuracy-{s.process.pk}"
        sections.append(
            {
                "series": s,
                "chart_id": prefix,
                "chart": mark_safe(  # noqa: S308 - ElementTree output, every text escaped
                    charts.accuracy_chart_svg(
                        days=s.days,
                        floor=s.floor,
                        episodes=s.episodes,
                        title=_("Daily accuracy of %(process)s, last %(days)d days")
                        % {"process": s.process.name, "days": days},
                        id_prefix=prefix,
                    )
                ),
                "summary": charts.accuracy_summary(s.days, floor=s.floor, episodes=s.episodes),
                "categories": [
                    {
                        "series": c,
                        "sparkline": mark_safe(  # noqa: S308 - ElementTree output, escaped
                            charts.accuracy_sparkline_svg(days=c.days, label=c.category)
                        ),
                    }
                    for c in s.categories
                ],
            }
        )
    return render(
        request,
        "monitoring/monitoring.html",
        {
            "engagement": engagement,
            "form": form,
            "days": days,
            "today": today,
            "trend": trend,
            "sections": sections,
            "open_alerts": open_episode_list(engagement=engagement),
            "can_manage": can_manage_engagement(request.user, engagement),
            "can_work": can_work_engagement(request.user, engagement),
        },
        status=status,
    )


def _preview(request, engagement_id: int):
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
    require_engagement_manager(
        request.user,
        engagement,
        message=_("Only the engagement's consultants preview its weekly summary."),
        page=True,
    )
    # The e-mail of the last full week: the one its client's Monday morning sent, or will send.
    week = iso_week_start(local_today(engagement.client.tzinfo)) - timedelta(days=7)
    return engagement, weekly_summary_build(engagement=engagement, week=week)


@login_required
@require_safe
def summary_preview(request, engagement_id: int):
    """The weekly summary as its recipients get it: subject, recipients, the HTML part (framed
    from `summary_preview_html`) and the text part."""
    engagement, summary = _preview(request, engagement_id)
    return render(
        request,
        "monitoring/summary_preview.html",
        {
            "engagement": engagement,
            "summary": summary,
            "recipients": weekly_summary_recipients(engagement=engagement),
        },
    )


@login_required
@require_safe
@xframe_options_sameorigin
@csp_override(
    {
        # The e-mail's inline styles (mail clients ignore style sheets); nothing else is allowed:
        # no script, no plugin, framed only by this site's preview page.
        "default-src": ["'none'"],
        "style-src": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'self'"],
        "base-uri": ["'none'"],
        "form-action": ["'none'"],
    }
)
def summary_preview_html(request, engagement_id: int):
    """The HTML part alone, byte for byte what the e-mail carries (every client text escaped
    by the template)."""
    _engagement, summary = _preview(request, engagement_id)
    return HttpResponse(summary.html, content_type="text/html; charset=utf-8")
