"""Daily scoring: a DailyScore row per process, client-local day and category (plus the
process-wide row, category ""), from the live decisions received that day.

- Figures are database aggregates (conditional counts, percentiles) grouped by process, local
  day and category; the work is batched by process, so a run costs a fixed number of queries
  per batch of BATCH_PROCESSES processes, whatever the number of decisions.
- A run scores yesterday (the client's) and every earlier day whose decisions received an
  outcome since the last run: one query on the (process, outcome_at) index from each process's
  ScoringCursor, which then advances.
- Recomputing a day replaces its rows (delete + insert of those (process, day) pairs in one
  transaction) and changes nothing else; a day with no decisions leaves no rows.
- Two runs at once are serialised on the batch's ScoringCursor rows (SELECT … FOR UPDATE on
  PostgreSQL, the one write lock on SQLite), so the second recomputes the same figures after
  the first commits; the unique (process, day, category) constraint backs this up.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from maestro.decisions.models import Decision
from maestro.engagements.models import Engagement, Phase
from maestro.lib.percentiles import Percentile, SecondsBetween
from maestro.lib.timezones import local_day_bounds, local_today
from maestro.monitoring.models import DailyScore, ScoringCursor
from maestro.monitoring.services.alerts import alerts_evaluate
from maestro.monitoring.tasks import engagement_scoring_run_task

# Processes scored together: each batch costs the same few queries.
BATCH_PROCESSES = 50
# Days aggregated at once by a rescore (a progress step of monitoring_rescore).
RESCORE_WINDOW_DAYS = 31
RESCORE_MAX_DAYS = 366
# An outcome is written with its time before its transaction commits; the cursor stays this far
# behind the run, so an outcome committed up to this late is still seen by the next run.
OUTCOME_LAG = timedelta(minutes=5)
# Engagements whose agent is live: the hourly job scores these.
LIVE_PHASES = (Phase.DEPLOYMENT, Phase.HANDOFF, Phase.ADVISORY)


@dataclass
class ScoringResult:
    days: int = 0  # (process, day) pairs recomputed
    rows: int = 0  # DailyScore rows written

    def add(self, other: "ScoringResult") -> None:
        self.days += other.days
        self.rows += other.rows


def _batches(ids: list[int]) -> Iterator[list[int]]:
    size = BATCH_PROCESSES
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


_HUMAN = Q(outcome_source=Decision.OutcomeSource.REVIEW)
_RESOLVED = _HUMAN & Q(outcome_at__isnull=False)


def _figures() -> tuple[dict, dict]:
    """The conditional counts, and the resolution-time percentiles of human-resolved ones."""
    seconds = SecondsBetween("outcome_at", "received_at")
    has_outcome = ~Q(final_outcome="")
    counts = {
        "volume": Count("pk"),
        "with_outcome": Count("pk", filter=has_outcome),
        "correct": Count("pk", filter=has_outcome & Q(proposed_outcome=F("final_outcome"))),
        "auto_routed": Count("pk", filter=Q(route=Decision.Route.AUTO)),
        "escalated": Count("pk", filter=Q(route=Decision.Route.HUMAN)),
        "human_resolved": Count("pk", filter=_HUMAN),
        "overridden": Count("pk", filter=_HUMAN & Q(overridden=True)),
    }
    percentiles = {
        "median": Percentile(seconds, 0.5, filter=_RESOLVED),
        "p90": Percentile(seconds, 0.9, filter=_RESOLVED),
    }
    return counts, percentiles


def _seconds(value: float | None) -> int | None:
    # Half a second up, on both databases alike; a clock skew's negative time counts as 0.
    return None if value is None else max(0, int(value + 0.5))


def _score_row(
    engagement_id: int, group: dict, *, category: str, computed_at: datetime
) -> DailyScore:
    return DailyScore(
        engagement_id=engagement_id,
        process_id=group["process_id"],
        day=group["local_day"],
        category=category,
        volume=group["volume"],
        with_outcome=group["with_outcome"],
        correct=group["correct"],
        auto_routed=group["auto_routed"],
        escalated=group["escalated"],
        human_resolved=group["human_resolved"],
        overridden=group["overridden"],
        resolution_median_seconds=_seconds(group["median"]),
        resolution_p90_seconds=_seconds(group["p90"]),
        computed_at=computed_at,
    )


def daily_scores_compute(
    *, engagement_id: int, tz: ZoneInfo, days: dict[int, set[date]], computed_at: datetime
) -> list[DailyScore]:
    """The rows of the given days of each process (id → local days), unsaved: two grouped
    queries (per category, and process-wide), whatever the number of processes and days."""
    days = {pid: ds for pid, ds in days.items() if ds}
    if not days:
        return []
    every = sorted(set().union(*days.values()))
    start, _end = local_day_bounds(every[0], tz)
    _start, end = local_day_bounds(every[-1], tz)
    decisions = (
        Decision.objects.live()
        # The received_at range serves the (process, received_at) index; the local day is
        # exact within it.
        .filter(process_id__in=sorted(days), received_at__gte=start, received_at__lt=end)
        .annotate(local_day=TruncDate("received_at", tzinfo=tz))
        .order_by()
    )
    span = {every[0] + timedelta(days=n) for n in range((every[-1] - every[0]).days + 1)}
    if any(ds != span for ds in days.values()):
        scope = Q()
        for pid, ds in days.items():
            scope |= Q(process_id=pid, local_day__in=sorted(ds))
        decisions = decisions.filter(scope)
    # Counts per category, summed into the process-wide row here (exact); percentiles are not
    # additive, so the process-wide ones come from a second aggregate over the human-resolved
    # decisions only (a third of a typical day), not over every decision again.
    counts, percentiles = _figures()
    by_category = list(
        decisions.values("process_id", "local_day", "category").annotate(**counts, **percentiles)
    )
    whole: dict[tuple[int, date], dict] = {}
    for group in by_category:
        total = whole.setdefault(
            (group["process_id"], group["local_day"]),
            {"process_id": group["process_id"], "local_day": group["local_day"]}
            | dict.fromkeys(counts, 0)
            | dict.fromkeys(percentiles),
        )
        for name in counts:
            total[name] += group[name]
    resolved = decisions.filter(_RESOLVED).values("process_id", "local_day")
    for group in resolved.annotate(**{n: p.copy() for n, p in percentiles.items()}):
        whole[(group["process_id"], group["local_day"])].update(
            {name: group[name] for name in percentiles}
        )
    rows = [
        _score_row(engagement_id, group, category=DailyScore.ALL, computed_at=computed_at)
        for group in whole.values()
    ]
    rows += [
        _score_row(engagement_id, group, category=group["category"], computed_at=computed_at)
        for group in by_category
        # Uncategorised decisions count in the process-wide row only ("" is its category).
        if group["category"] != DailyScore.ALL
    ]
    return rows


def _days_replace(
    *, engagement_id: int, tz: ZoneInfo, days: dict[int, set[date]], computed_at: datetime
) -> ScoringResult:
    """Replace the rows of these (process, day) pairs with freshly computed ones. Call inside
    the transaction that holds the processes' cursors."""
    rows = daily_scores_compute(
        engagement_id=engagement_id, tz=tz, days=days, computed_at=computed_at
    )
    pairs = Q()
    for pid, ds in days.items():
        if ds:
            pairs |= Q(process_id=pid, day__in=sorted(ds))
    if not pairs:
        return ScoringResult()
    DailyScore.objects.filter(pairs).delete()
    DailyScore.objects.bulk_create(rows)
    return ScoringResult(days=sum(len(ds) for ds in days.values()), rows=len(rows))


def _cursors_lock(process_ids: list[int]) -> dict[int, datetime | None]:
    """Each process's cursor, created if missing, locked until the transaction ends."""
    ScoringCursor.objects.bulk_create(
        [ScoringCursor(process_id=pid) for pid in process_ids], ignore_conflicts=True
    )
    return dict(
        ScoringCursor.objects.select_for_update()
        .filter(process_id__in=process_ids)
        .order_by("process_id")
        .values_list("process_id", "outcomes_until")
    )


def late_outcomes_query(*, cursors: dict[int, datetime | None], tz: ZoneInfo):
    """(process id, local day) of the live decisions that received an outcome after their
    process's cursor, or None when no process has a cursor time yet. One query; each process's
    condition is a range of the (process, outcome_at) index (a BitmapOr on PostgreSQL)."""
    since = Q()
    for pid, until in cursors.items():
        if until is not None:
            since |= Q(process_id=pid, outcome_at__gt=until)
    if not since:
        return None
    return (
        Decision.objects.live()
        .filter(since)
        .annotate(local_day=TruncDate("received_at", tzinfo=tz))
        .values_list("process_id", "local_day")
        .order_by()
        .distinct()
    )


def late_outcome_days(
    *, cursors: dict[int, datetime | None], tz: ZoneInfo, before: date
) -> dict[int, set[date]]:
    """The local days (before `before`) whose decisions received an outcome since their
    process's cursor. A process never scored (no cursor time) has none: its history is
    backfilled with monitoring_rescore."""
    found: dict[int, set[date]] = {}
    query = late_outcomes_query(cursors=cursors, tz=tz)
    for pid, day in query if query is not None else ():
        if day < before:
            found.setdefault(pid, set()).add(day)
    return found


def _scoring_batch(
    *, engagement: Engagement, tz: ZoneInfo, process_ids: list[int], now: datetime
) -> ScoringResult:
    today = local_today(tz, now=now)
    yesterday = today - timedelta(days=1)
    with transaction.atomic():
        cursors = _cursors_lock(process_ids)
        days = {pid: {yesterday} for pid in process_ids}
        for pid, late in late_outcome_days(cursors=cursors, tz=tz, before=today).items():
            days[pid] |= late
        result = _days_replace(engagement_id=engagement.pk, tz=tz, days=days, computed_at=now)
        # Conditional: a cursor never moves back (a run with an older `now`, a late duplicate).
        until = now - OUTCOME_LAG
        ScoringCursor.objects.filter(process_id__in=process_ids).filter(
            Q(outcomes_until__isnull=True) | Q(outcomes_until__lt=until)
        ).update(outcomes_until=until, last_run_at=now)
    return result


def engagement_scoring_run(*, engagement: Engagement, now: datetime | None = None) -> ScoringResult:
    """Score every process of the engagement: yesterday in the client's time zone, and the
    earlier days whose decisions got an outcome since the last run; then evaluate its drift
    rules over the newly scored days. Idempotent: running it again recomputes the same rows,
    and the rules find no day they have not read."""
    now = now or timezone.now()
    tz = engagement.client.tzinfo
    process_ids = list(engagement.processes.order_by("pk").values_list("pk", flat=True))
    result = ScoringResult()
    for batch in _batches(process_ids):
        result.add(_scoring_batch(engagement=engagement, tz=tz, process_ids=batch, now=now))
    # The days just scored are the ones the drift rules have not read yet: evaluate them now,
    # in the same job, so an alert fires within the hour its day is scored.
    alerts_evaluate(engagement=engagement, now=now)
    return result


def engagement_scoring_run_by_id(*, engagement_id: int, now: datetime | None = None) -> None:
    """The task's entry: an engagement deleted since it was enqueued is skipped."""
    engagement = Engagement.objects.select_related("client").filter(pk=engagement_id).first()
    if engagement is not None:
        engagement_scoring_run(engagement=engagement, now=now)


def scoring_runs_enqueue() -> int:
    """Enqueue one scoring task per live engagement (after commit); returns how many."""
    ids = list(
        Engagement.objects.filter(phase__in=LIVE_PHASES).order_by("pk").values_list("pk", flat=True)
    )
    with transaction.atomic():
        for pk in ids:
            transaction.on_commit(partial(engagement_scoring_run_task.delay, pk))
    return len(ids)


def days_rescore(
    *,
    engagement: Engagement,
    process_ids: Iterable[int],
    day_from: date,
    day_to: date,
    on_progress: Callable[[int], None] | None = None,
) -> ScoringResult:
    """Recompute the given processes of the engagement over [day_from, day_to] (local days),
    in windows of RESCORE_WINDOW_DAYS days per batch of processes; `on_progress(days)` after
    each window. The cursors are locked, not moved: late outcomes stay the hourly run's."""
    ids = sorted(set(process_ids))
    tz = engagement.client.tzinfo
    now = timezone.now()
    result = ScoringResult()
    start = day_from
    while start <= day_to:
        end = min(day_to, start + timedelta(days=RESCORE_WINDOW_DAYS - 1))
        window = {start + timedelta(days=n) for n in range((end - start).days + 1)}
        for batch in _batches(ids):
            with transaction.atomic():
                _cursors_lock(batch)
                result.add(
                    _days_replace(
                        engagement_id=engagement.pk,
                        tz=tz,
                        days={pid: set(window) for pid in batch},
                        computed_at=now,
                    )
                )
        if on_progress is not None:
            on_progress(len(window))
        start = end + timedelta(days=1)
    return result
