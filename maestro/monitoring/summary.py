"""The sponsor's summary, from the feedback loops: accuracy this week against the engagement's
target, the automation and override rates with their change on last week, the daily accuracy
charts, and the open risks (firing drift alerts, overdue review tasks); and the engagement
list's "accuracy this week". The composition layer adds them through maestro.engagements.hooks.

Constant queries: the summary's are the trend's two, the series' four, the open episodes' one
and the overdue tasks' two, whatever the number of processes, days, alerts or tasks; the list's
is one for any number of engagements.
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from maestro.engagements.hooks import KeyFigure, SummaryPanel, SummaryParts
from maestro.engagements.models import Engagement
from maestro.lib.timezones import iso_week_start, local_today
from maestro.monitoring import charts
from maestro.monitoring.models import AlertEpisode, DailyScore
from maestro.monitoring.selectors.trend import (
    RateChange,
    engagement_trend,
    monitoring_series,
    open_episode_list,
    percent_one_decimal,
)
from maestro.monitoring.templatetags.monitoring import change_words, pct
from maestro.reviews.summary import engagement_list_tasks, engagement_overdue_tasks

CHART_DAYS = 28
TONES = {"better": "good", "worse": "bad"}


def target_share(engagement: Engagement) -> Decimal:
    """The engagement's target accuracy (stored as a percent, 85.00) as a share (0.85)."""
    return Decimal(engagement.target_accuracy) / 100


def _vs_last_week(change: RateChange) -> str:
    words = change_words(change)
    if not words:
        return _("no figure last week to compare")
    if words == "level":
        return _("level with last week")
    return _("%(change)s on last week") % {"change": words}


def _accuracy_figure(engagement: Engagement, change: RateChange, url: str) -> KeyFigure:
    target = target_share(engagement)
    aim = _("target %(target)s") % {"target": pct(target)}
    accuracy, label = change.this_week, _("Accuracy this week")
    if accuracy is None and change.last_week is not None:
        accuracy, label = change.last_week, _("Accuracy last week")
    if accuracy is None:
        detail = f"{aim} · " + _("no live decision scored yet")
        return KeyFigure("accuracy", label, "—", detail, url=url, order=10)
    meets = percent_one_decimal(accuracy) >= percent_one_decimal(target)  # type: ignore[operator]
    detail = aim if change.this_week is None else f"{aim} · {_vs_last_week(change)}"
    return KeyFigure(
        "accuracy",
        label,
        pct(accuracy),
        detail,
        tone="good" if meets else "bad",
        tone_label=_("meets the target") if meets else _("below the target"),
        url=url,
        order=10,
    )


def _rate_figure(change: RateChange, order: int, url: str) -> KeyFigure:
    return KeyFigure(
        change.key,
        _("%(rate)s this week") % {"rate": change.label},
        pct(change.this_week),
        _vs_last_week(change) if change.this_week is not None else _("no decision this week yet"),
        tone=TONES.get(change.verdict, ""),
        tone_label={"better": _("better"), "worse": _("worse")}.get(change.verdict, ""),
        url=url,
        order=order,
    )


def engagement_monitoring_summary(engagement: Engagement) -> SummaryParts:
    trend = engagement_trend(engagement=engagement)
    today, series = monitoring_series(engagement=engagement, days=CHART_DAYS)
    firing = [
        e for e in open_episode_list(engagement=engagement) if e.state == AlertEpisode.State.FIRING
    ]
    overdue_count = engagement_list_tasks([engagement])[engagement.pk]["overdue_tasks"]
    overdue = engagement_overdue_tasks(engagement=engagement) if overdue_count else []
    monitoring_url = reverse("monitoring:engagement", args=[engagement.pk])
    tasks_url = (
        reverse("reviews:engagement-tasks", args=[engagement.pk]) + "?status=open&overdue=yes"
    )
    changes = {c.key: c for c in trend.overall.changes}
    risks = len(firing) + overdue_count
    figures = [
        _accuracy_figure(engagement, changes["accuracy"], monitoring_url),
        _rate_figure(changes["automation_rate"], 30, monitoring_url),
        _rate_figure(changes["override_rate"], 40, monitoring_url),
        KeyFigure(
            "risks",
            _("Open risks"),
            str(risks),
            " · ".join(
                [
                    ngettext("%(n)d firing drift alert", "%(n)d firing drift alerts", len(firing))
                    % {"n": len(firing)},
                    ngettext(
                        "%(n)d overdue review task", "%(n)d overdue review tasks", overdue_count
                    )
                    % {"n": overdue_count},
                ]
            ),
            tone="bad" if risks else "good",
            tone_label=_("needs attention") if risks else _("none open"),
            url="#risks-title" if risks else "",
            order=50,
        ),
    ]
    charted = [
        {
            "series": s,
            "chart": mark_safe(  # noqa: S308 - ElementTree output, every text escaped
                charts.accuracy_chart_svg(
                    days=s.days,
                    floor=s.floor,
                    episodes=s.episodes,
                    title=_("Daily accuracy of %(process)s, last %(days)d days")
                    % {"process": s.process.name, "days": CHART_DAYS},
                    id_prefix=f"summary-accuracy-{s.process.pk}",
                )
            ),
            "summary": charts.accuracy_summary(s.days, floor=s.floor, episodes=s.episodes),
        }
        for s in series
        if s.has_scores
    ]
    panels = [
        SummaryPanel(
            "trend",
            "monitoring/_summary_trend.html",
            {
                "trend": trend,
                "changes": [changes[k] for k in ("accuracy", "automation_rate", "override_rate")],
                "charts": charted,
                "days": CHART_DAYS,
                "url": monitoring_url,
            },
            order=20,
        ),
        SummaryPanel(
            "risks",
            "monitoring/_summary_risks.html",
            {
                "firing": firing,
                "overdue": overdue,
                "overdue_count": overdue_count,
                "tasks_url": tasks_url,
                "alerts_url": reverse("monitoring:alerts", args=[engagement.pk]),
            },
            order=30,
        ),
    ]
    return SummaryParts(figures=figures, panels=panels)


def engagement_list_accuracy(
    engagements: Sequence[Engagement], *, now: datetime | None = None
) -> Mapping[int, Mapping[str, Any]]:
    """Engagement id → {"accuracy_this_week": share or None}: correct of the decisions with an
    outcome, summed over the client's current local week so far. One query: the engagements are
    grouped by the Monday their client's time zone is in (at most a few distinct ones)."""
    by_monday: dict[date, list[int]] = defaultdict(list)
    for engagement in engagements:
        monday = iso_week_start(local_today(engagement.client.tzinfo, now=now))
        by_monday[monday].append(engagement.pk)
    weeks = Q()
    for monday, ids in by_monday.items():
        weeks |= Q(engagement_id__in=ids, day__gte=monday, day__lt=monday + timedelta(days=7))
    sums = {
        row["engagement_id"]: row
        for row in DailyScore.objects.filter(weeks, category=DailyScore.ALL)
        .values("engagement_id")
        .annotate(correct=Sum("correct"), with_outcome=Sum("with_outcome"))
        .order_by()
    }
    answer: dict[int, dict[str, Any]] = {}
    for engagement in engagements:
        row = sums.get(engagement.pk)
        share = None
        if row and row["with_outcome"]:
            share = Decimal(row["correct"]) / Decimal(row["with_outcome"])
        answer[engagement.pk] = {
            "accuracy_this_week": share,
            "below_target": share is not None
            and percent_one_decimal(share) < percent_one_decimal(target_share(engagement)),  # type: ignore[operator]
        }
    return answer
