"""Reads of the daily scores: an engagement's rows, filtered, for the API list and its CSV."""

from datetime import date

from django.db.models import QuerySet

from maestro.engagements.models import Engagement
from maestro.monitoring.models import DailyScore
from maestro.monitoring.rates import COUNTS, RATE_NAMES

# The CSV export's bound: a year of 30 processes with a dozen categories each fits.
EXPORT_MAX_ROWS = 100_000


def daily_score_list(
    *,
    engagement: Engagement,
    process_id: int | None = None,
    category: str | None = None,
    day_from: date | None = None,
    day_to: date | None = None,
) -> QuerySet[DailyScore]:
    """The engagement's rows, oldest day first, then process and category. `category` "" is
    the process-wide row; None is every row. The engagement comes from scoping (the caller
    may read it)."""
    scores = DailyScore.objects.filter(engagement=engagement).select_related("process")
    if process_id is not None:
        scores = scores.filter(process_id=process_id)
    if category is not None:
        scores = scores.filter(category=category)
    if day_from is not None:
        scores = scores.filter(day__gte=day_from)
    if day_to is not None:
        scores = scores.filter(day__lte=day_to)
    return scores.order_by("day", "process_id", "category")


def daily_score_export_rows(scores: QuerySet[DailyScore]):
    """At most EXPORT_MAX_ROWS rows of `scores` for the CSV, read in chunks."""
    for score in scores[:EXPORT_MAX_ROWS].iterator(chunk_size=2000):
        yield [
            score.day.isoformat(),
            score.process_id,
            score.process.name,
            score.category or "all",
            score.volume,
            score.with_outcome,
            score.correct,
            score.auto_routed,
            score.escalated,
            score.human_resolved,
            score.overridden,
            score.accuracy,
            score.automation_rate,
            score.escalation_rate,
            score.override_rate,
            score.resolution_median_seconds,
            score.resolution_p90_seconds,
        ]


EXPORT_HEADER = [
    "day",
    "process_id",
    "process",
    "category",
    *COUNTS,
    *RATE_NAMES,
    "resolution_median_seconds",
    "resolution_p90_seconds",
]


def daily_score_export_truncated(scores: QuerySet[DailyScore]) -> bool:
    return scores[EXPORT_MAX_ROWS : EXPORT_MAX_ROWS + 1].exists()
