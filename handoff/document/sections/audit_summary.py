"""Appendix: the engagement's audit summary. Its state changes counted by kind and month (months
of the client's calendar), and every gate override in full: who moved the engagement past which
failing gate, when, why, and what the gate said then.

Two queries whatever the number of entries or overrides."""

from collections import defaultdict
from datetime import date
from typing import Any

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from handoff.document.sections import SectionData
from handoff.document.source import DocumentSource
from maestro.audit.events import AuditEvent
from maestro.audit.models import AuditEntry
from maestro.engagements.models import Phase, PhaseTransition

# Months shown one by one, the latest; the ones before are summed into one "earlier" column, so
# the table fits the page whatever the engagement's length.
MONTHS_SHOWN = 6


def _event_label(event: str) -> str:
    try:
        return str(AuditEvent(event).label)
    except ValueError:  # a kind retired since: its entries keep their name
        return event


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def gather(source: DocumentSource) -> SectionData:
    engagement = source.engagement
    tz = engagement.client.tzinfo
    rows = (
        AuditEntry.objects.filter(engagement_id=engagement.pk)
        .annotate(month=TruncMonth("at", tzinfo=tz))
        .values("event", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[str, dict[date, int]] = defaultdict(dict)
    for row in rows:
        counts[row["event"]][row["month"].date()] = row["n"]
    months = sorted({month for by_month in counts.values() for month in by_month})
    shown, earlier = months[-MONTHS_SHOWN:], months[:-MONTHS_SHOWN]
    kinds = [
        {
            "event": event,
            "label": _event_label(event),
            "months": [by_month.get(month, 0) for month in shown],
            "earlier": sum(by_month.get(month, 0) for month in earlier),
            "total": sum(by_month.values()),
        }
        for event, by_month in sorted(counts.items(), key=lambda item: _event_label(item[0]))
    ]
    overrides: list[dict[str, Any]] = [
        {
            "at": timezone.localtime(move.at, tz),
            "by": _name(move.by),
            "from_phase": Phase(move.from_phase).label,
            "to_phase": Phase(move.to_phase).label,
            "reason": move.override_reason,
            "note": move.note,
            "failed": [check for check in move.gate_results if not check.get("passed")],
        }
        for move in PhaseTransition.objects.filter(engagement_id=engagement.pk)
        .exclude(override_reason="")
        .select_related("by")
        .order_by("at", "pk")
    ]
    data: dict[str, Any] = {
        "entries": sum(kind["total"] for kind in kinds),
        "by_kind_and_month": [
            {"event": event, "month": month.strftime("%Y-%m"), "entries": n}
            for event, by_month in sorted(counts.items())
            for month, n in sorted(by_month.items())
        ],
        "gate_overrides": [
            {**override, "at": override["at"].isoformat()} for override in overrides
        ],
    }
    return SectionData(
        context={
            "months": shown,
            "has_earlier": bool(earlier),
            "kinds": kinds,
            "entries": data["entries"],
            "overrides": overrides,
            "time_zone": engagement.client.time_zone,
        },
        data=data,
    )
