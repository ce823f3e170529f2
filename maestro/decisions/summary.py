"""The sponsor's summary, from the economics: hours of human work freed per day and their FTE,
from the measured automation rate (selectors.process_economics: the last full week's daily
scores where the layers above provide them). The composition layer adds it through
maestro.engagements.hooks; the economics' queries, whatever the number of processes."""

from decimal import Decimal

from django.utils.translation import gettext as _

from maestro.decisions import selectors
from maestro.engagements.hooks import KeyFigure, SummaryPanel, SummaryParts
from maestro.engagements.models import Engagement


def _share(part: Decimal | None, whole: Decimal) -> int:
    """A bar's width in percent (0–100)."""
    if not part or not whole:
        return 0
    return min(100, round(part / whole * 100))


def engagement_economics_summary(engagement: Engagement) -> SummaryParts:
    rows = selectors.process_economics(engagement=engagement)
    total = selectors.economics_total(rows)
    if total["hours_freed_per_day"] is None:
        figure = KeyFigure(
            "hours_freed",
            _("Hours freed per day"),
            "—",
            _("not measured yet: no live decisions") if rows else _("no process mapped yet"),
            order=20,
        )
    else:
        figure = KeyFigure(
            "hours_freed",
            _("Hours freed per day"),
            f"{total['hours_freed_per_day']:,.1f}",
            _("%(fte)s FTE · of %(hours)s hours/day of human work")
            % {
                "fte": f"{total['fte_freed']:,.2f}",
                "hours": f"{total['hours_per_day']:,.1f}",
            },
            order=20,
        )
    bars = [
        {"row": row, "width": _share(row.hours_freed_per_day, row.hours_per_day)} for row in rows
    ]
    panel = SummaryPanel(
        "economics",
        "decisions/_summary_economics.html",
        {"bars": bars, "total": total},
        order=40,
    )
    return SummaryParts(figures=[figure], panels=[panel] if rows else [])
