"""Section 7: the live agent's figures as the Monitoring page reads them: this week against last
week (accuracy, automation, escalation and override rates, and the article's trend sentence),
each process's daily accuracy chart with its alert floor and episodes, the drift alerts that
fired (resolved or not, silenced or not) and the silences in force, and the edge-case log.

Everything is read at the document's moment (`source.generated_at`), in the client's days.
Eleven queries whatever the number of processes, days, alerts or edge cases: the trend's two,
the series' four, the alerts' three, the edge cases' two."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from handoff.document.sections import SectionData
from handoff.document.source import DocumentSource
from maestro.monitoring import charts
from maestro.monitoring.alert_display import (
    alert_episode_value,
    alert_rule_scope,
    alert_rule_summary,
)
from maestro.monitoring.models import AlertEpisode
from maestro.monitoring.selectors.alerts import silence_list_for_engagement
from maestro.monitoring.selectors.trend import (
    DEFAULT_DAY_RANGE,
    RateChange,
    Trend,
    engagement_trend,
    monitoring_series,
)
from maestro.reviews.models import EdgeCase

CHART_DAYS = DEFAULT_DAY_RANGE
# The alerts that fired listed in full, latest first (the counts cover every one).
ALERTS_LISTED = 20
# The unreviewed edge cases quoted, latest first.
EDGE_CASES_QUOTED = 5


def _share(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _iso(value: datetime | None, tz) -> str | None:
    return None if value is None else timezone.localtime(value, tz).isoformat()


def _change(change: RateChange) -> dict[str, Any]:
    return {
        "this_week": _share(change.this_week),
        "last_week": _share(change.last_week),
        "change_points": _share(change.points),
    }


def _trend_data(trend: Trend) -> dict[str, Any]:
    return {
        "decisions_this_week": trend.this_week.volume,
        "decisions_last_week": trend.last_week.volume,
        "sentence": trend.sentence,
        **{change.key: _change(change) for change in trend.changes},
    }


def gather(source: DocumentSource) -> SectionData:
    engagement = source.engagement
    tz = engagement.client.tzinfo
    now = source.generated_at
    trend = engagement_trend(engagement=engagement, now=now)
    today, series = monitoring_series(engagement=engagement, days=CHART_DAYS, now=now)
    charted: list[dict[str, Any]] = [
        {
            "series": s,
            "chart": mark_safe(  # noqa: S308 - ElementTree output, every text escaped
                charts.accuracy_chart_svg(
                    days=s.days,
                    floor=s.floor,
                    episodes=s.episodes,
                    title=_("Daily accuracy of %(process)s, last %(days)d days")
                    % {"process": s.process.name, "days": CHART_DAYS},
                    id_prefix=f"handoff-accuracy-{s.process.pk}",
                )
            ),
            "summary": charts.accuracy_summary(s.days, floor=s.floor, episodes=s.episodes),
        }
        for s in series
        if s.has_scores
    ]

    episodes = AlertEpisode.objects.filter(engagement=engagement)
    alert_counts = episodes.aggregate(
        fired=Count("pk", filter=Q(fired_at__isnull=False)),
        firing=Count("pk", filter=Q(state=AlertEpisode.State.FIRING)),
        resolved=Count("pk", filter=Q(fired_at__isnull=False, state=AlertEpisode.State.RESOLVED)),
        silenced=Count("pk", filter=Q(fired_at__isnull=False, silenced=True)),
    )
    fired = list(
        episodes.filter(fired_at__isnull=False)
        .select_related("rule__process", "acknowledged_by")
        .order_by("-fired_at", "-pk")[:ALERTS_LISTED]
    )
    alerts: list[dict[str, Any]] = [
        {
            "episode": e,
            "rule": alert_rule_summary(e.rule),
            "scope": alert_rule_scope(e.rule),
            "value": alert_episode_value(e),
        }
        for e in fired
    ]
    silences = list(silence_list_for_engagement(engagement=engagement, active_at=now))

    edge_cases = EdgeCase.objects.filter(engagement=engagement)
    edge_by_process = list(
        edge_cases.values("decision__process__name")
        .annotate(total=Count("pk"), unreviewed=Count("pk", filter=Q(reviewed_at__isnull=True)))
        .order_by("decision__process__name")
    )
    edge_totals = {
        "total": sum(row["total"] for row in edge_by_process),
        "unreviewed": sum(row["unreviewed"] for row in edge_by_process),
    }
    edge_quoted = list(
        edge_cases.filter(reviewed_at__isnull=True)
        .select_related("decision__process", "flagged_by")
        .order_by("-flagged_at", "-pk")[:EDGE_CASES_QUOTED]
    )

    data = {
        "as_of": today.isoformat(),
        "week_start": trend.this_week_start.isoformat(),
        "last_week_start": trend.last_week_start.isoformat(),
        "target_accuracy": float(Decimal(engagement.target_accuracy) / 100),
        "overall": _trend_data(trend.overall),
        "processes": [
            {"process_id": t.process.pk, "process": t.process.name, **_trend_data(t)}
            for t in trend.processes
            if t.process is not None
        ],
        "daily_accuracy": [
            {
                "process": item["series"].process.name,
                "floor": _share(item["series"].floor),
                "summary": item["summary"],
                "days": [
                    {
                        "day": d.day.isoformat(),
                        "decisions": d.volume,
                        "with_outcome": d.with_outcome,
                        "accuracy": _share(d.accuracy),
                    }
                    for d in item["series"].days
                    if d.scored
                ],
            }
            for item in charted
        ],
        "drift_alerts": {
            **alert_counts,
            "listed": [
                {
                    "process": a["episode"].rule.process.name,
                    "category": a["episode"].rule.category,
                    "rule": a["rule"],
                    "kind": a["episode"].rule.kind,
                    "state": a["episode"].state,
                    "value": _share(a["episode"].value),
                    "started_on": a["episode"].started_on.isoformat(),
                    "fired_at": _iso(a["episode"].fired_at, tz),
                    "resolved_on": a["episode"].resolved_on.isoformat()
                    if a["episode"].resolved_on
                    else None,
                    "silenced": a["episode"].silenced,
                    "acknowledged": a["episode"].acknowledged_at is not None,
                }
                for a in alerts
            ],
            "silences_in_force": [
                {
                    "process": s.process.name,
                    "rule": alert_rule_summary(s.rule) if s.rule else None,
                    "from": _iso(s.starts_at, tz),
                    "until": _iso(s.ends_at, tz),
                    "reason": s.reason,
                }
                for s in silences
            ],
        },
        "edge_cases": {
            **edge_totals,
            "by_process": [
                {
                    "process": row["decision__process__name"],
                    "total": row["total"],
                    "unreviewed": row["unreviewed"],
                }
                for row in edge_by_process
            ],
        },
    }
    return SectionData(
        context={
            "trend": trend,
            "today": today,
            "days": CHART_DAYS,
            "target": Decimal(engagement.target_accuracy) / 100,
            "charts": charted,
            "alert_counts": alert_counts,
            "alerts": alerts,
            "alerts_more": max(alert_counts["fired"] - len(alerts), 0),
            "silences": silences,
            "edge_totals": edge_totals,
            "edge_by_process": edge_by_process,
            "edge_quoted": edge_quoted,
            "time_zone": tz,
        },
        data=data,
    )
