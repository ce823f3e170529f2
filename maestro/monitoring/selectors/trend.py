"""This week vs last week, per process and per engagement, and the daily series the Monitoring
page charts. Every figure is a share of SUMMED counts of DailyScore rows (a week's accuracy is
the week's correct decisions over its decisions with an outcome), never an average of daily
rates: a quiet day must not weigh as much as a busy one.

Weeks are the client's local ISO weeks (maestro.lib.timezones); "this week" is the week so far,
today included. Each read is a constant number of queries, whatever the number of processes,
categories or days.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, IntegerField, Q, Sum, Value, When

from maestro.engagements.models import Engagement, Phase
from maestro.lib.memo import request_memo
from maestro.lib.timezones import iso_week_start, local_today
from maestro.mapping.models import Process
from maestro.mapping.selectors import engagement_processes
from maestro.monitoring.models import AlertEpisode, AlertRule, DailyScore
from maestro.monitoring.rates import COUNTS, Counts

# The weekly cards, in the page's order: (attribute, label).
RATES = (
    ("accuracy", "Accuracy"),
    ("automation_rate", "Automation rate"),
    ("escalation_rate", "Escalation rate"),
    ("override_rate", "Override rate"),
)
# Engagements whose agent takes live decisions: the weekly reviews and summaries go to these.
LIVE_PHASES = (Phase.DEPLOYMENT, Phase.HANDOFF, Phase.ADVISORY)
DAY_RANGES = (14, 28, 90)
DEFAULT_DAY_RANGE = 28

_ONE_DECIMAL = Decimal("0.1")


def percent_one_decimal(share: Decimal | None) -> Decimal | None:
    """A share as a percent with one decimal, half up (0.92345 → 92.3)."""
    if share is None:
        return None
    return (share * 100).quantize(_ONE_DECIMAL, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class RateChange:
    """One weekly card: this week's and last week's share and the change in points (one
    decimal, from the rounded percents, so the card never says "down 0.1" between two equal
    figures)."""

    key: str
    label: str
    this_week: Decimal | None
    last_week: Decimal | None

    @property
    def points(self) -> Decimal | None:
        now, before = percent_one_decimal(self.this_week), percent_one_decimal(self.last_week)
        if now is None or before is None:
            return None
        return now - before

    @property
    def direction(self) -> str:
        """ "up", "down", "level" or "" (a week without figures)."""
        points = self.points
        if points is None:
            return ""
        return "up" if points > 0 else "down" if points < 0 else "level"

    @property
    def verdict(self) -> str:
        """ "better", "worse" or "": accuracy and automation should rise, escalations and
        overrides fall."""
        direction = self.direction
        if direction not in ("up", "down"):
            return ""
        rising_is_good = self.key in ("accuracy", "automation_rate")
        return "better" if (direction == "up") == rising_is_good else "worse"


def trend_sentence(
    this_week: Decimal | None,
    last_week: Decimal | None,
    *,
    current: str = "this week",
    previous: str = "last week",
) -> str:
    """The article's sentence: "92.3% correct decisions this week, down from 94.1%" (also "up
    from", "level with"), and plain words when a week has no scored decisions. `current` and
    `previous` name the weeks (the Monday e-mail reports a finished week)."""
    now, before = percent_one_decimal(this_week), percent_one_decimal(last_week)
    if now is None and before is None:
        return f"No scored decisions {current} or {previous}."
    if now is None:
        return f"No scored decisions {current} yet; {before}% correct {previous}."
    if before is None:
        return f"{now}% correct decisions {current}; none scored {previous}."
    word = "up from" if now > before else "down from" if now < before else "level with"
    return f"{now}% correct decisions {current}, {word} {before}%"


@dataclass(frozen=True)
class Trend:
    """This week (so far) against last week, for a process or (process None) the engagement."""

    process: Process | None
    this_week: Counts
    last_week: Counts

    @property
    def sentence(self) -> str:
        return trend_sentence(self.this_week.accuracy, self.last_week.accuracy)

    @property
    def changes(self) -> list[RateChange]:
        return [
            RateChange(key, label, getattr(self.this_week, key), getattr(self.last_week, key))
            for key, label in RATES
        ]

    @property
    def accuracy_change(self) -> RateChange:
        return self.changes[0]


@dataclass(frozen=True)
class EngagementTrend:
    engagement: Engagement
    today: date
    this_week_start: date
    last_week_start: date
    overall: Trend
    processes: list[Trend]

    @property
    def sentence(self) -> str:
        return self.overall.sentence


def _week_start(engagement: Engagement, *, now: datetime | None) -> tuple[date, date]:
    today = local_today(engagement.client.tzinfo, now=now)
    return today, iso_week_start(today)


def _weekly_process_counts(
    engagement: Engagement, *, this_monday: date, through: date
) -> dict[tuple[int, int], Counts]:
    """(process id, 1 for the week of `this_monday` through `through`, 0 for the week
    before) → summed counts of the process-wide rows. One query, shared by the parts of a
    page (the trend and the economics' automation rates both read it)."""

    def compute() -> dict[tuple[int, int], Counts]:
        in_this_week = Case(
            When(day__gte=this_monday, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        rows = (
            DailyScore.objects.filter(
                engagement=engagement,
                category=DailyScore.ALL,
                day__gte=this_monday - timedelta(days=7),
                day__lte=through,
            )
            .annotate(current=in_this_week)
            .values("process_id", "current")
            .annotate(**{n: Sum(n) for n in COUNTS})
            .order_by()
        )
        return {(row["process_id"], row["current"]): Counts.of(row) for row in rows}

    key = ("weekly_process_counts", engagement.pk, this_monday, through)
    return request_memo(key, compute)


def engagement_trend(
    *, engagement: Engagement, now: datetime | None = None, week: date | None = None
) -> EngagementTrend:
    """`week` (a Monday; default: the client's current week, so far) against the week before,
    for the engagement and each of its processes (by name). Two queries."""
    today, this_monday = _week_start(engagement, now=now)
    if week is not None:
        this_monday = iso_week_start(week)
    last_monday = this_monday - timedelta(days=7)
    weeks = _weekly_process_counts(
        engagement, this_monday=this_monday, through=min(today, this_monday + timedelta(days=6))
    )
    trends = [
        Trend(process, weeks.get((process.pk, 1), Counts()), weeks.get((process.pk, 0), Counts()))
        for process in engagement_processes(engagement=engagement)
    ]
    overall = Trend(
        None,
        sum((t.this_week for t in trends), Counts()),
        sum((t.last_week for t in trends), Counts()),
    )
    return EngagementTrend(engagement, today, this_monday, last_monday, overall, trends)


@dataclass(frozen=True)
class MeasuredAutomation:
    """A process's measured automation rate for the economics, and the days it covers."""

    rate: Decimal
    decisions: int
    week: date  # the Monday of the week measured
    full_week: bool  # False: this week so far

    @property
    def basis(self) -> str:
        if self.full_week:
            return f"the week of {self.week:%-d %b} ({self.decisions} decisions)"
        return f"this week so far ({self.decisions} decisions)"


def process_weekly_automation_rates(
    *, engagement: Engagement, now: datetime | None = None
) -> dict[int, MeasuredAutomation]:
    """Process id → the automation rate measured over the last FULL local week (auto-routed of
    all decisions, summed counts); a process with no decisions scored that week (e.g. live
    since Wednesday) gets this week's so far; one with neither is absent. A full week is
    preferred because it does not swing with the weekday: Monday's figures are one morning's.
    One query."""
    today, this_monday = _week_start(engagement, now=now)
    last_monday = this_monday - timedelta(days=7)
    weeks = _weekly_process_counts(engagement, this_monday=this_monday, through=today)
    rates: dict[int, MeasuredAutomation] = {}
    # Last week first, so it wins.
    for (process_id, current), counts in sorted(weeks.items(), key=lambda item: item[0][1]):
        rate = counts.automation_rate
        if rate is None or process_id in rates:
            continue
        rates[process_id] = MeasuredAutomation(
            rate=rate,
            decisions=counts.volume,
            week=this_monday if current else last_monday,
            full_week=not current,
        )
    return rates


# --- the Monitoring page's series -----------------------------------------------------------


@dataclass(frozen=True)
class DayPoint:
    """One local day of a process (or one of its categories): its counts, or zeros when no
    row was scored that day."""

    day: date
    counts: Counts
    scored: bool

    @property
    def accuracy(self) -> Decimal | None:
        return self.counts.accuracy

    @property
    def volume(self) -> int:
        return self.counts.volume

    @property
    def with_outcome(self) -> int:
        return self.counts.with_outcome


@dataclass(frozen=True)
class EpisodeSpan:
    """An alert episode as the chart marks it: from the day its condition first held to the
    day it resolved, or today while it is open."""

    episode: AlertEpisode
    start: date
    end: date

    @property
    def label(self) -> str:
        rule = self.episode.rule
        scope = f" ({rule.category})" if rule.category else ""
        return f"{rule.get_kind_display()}{scope}: {self.episode.get_state_display().lower()}"


@dataclass
class CategorySeries:
    category: str
    days: list[DayPoint]
    this_week: Counts = field(default_factory=Counts)
    last_week: Counts = field(default_factory=Counts)

    @property
    def volume(self) -> int:
        return sum(d.volume for d in self.days)

    @property
    def total(self) -> Counts:
        return sum((d.counts for d in self.days), Counts())

    @property
    def accuracy_change(self) -> RateChange:
        return RateChange("accuracy", "Accuracy", self.this_week.accuracy, self.last_week.accuracy)


@dataclass
class ProcessSeries:
    """A process's daily accuracy over the range, its alert floor, the episodes to mark and its
    categories' series."""

    process: Process
    days: list[DayPoint]
    floor: Decimal | None
    episodes: list[EpisodeSpan]
    categories: list[CategorySeries]

    @property
    def total(self) -> Counts:
        return sum((d.counts for d in self.days), Counts())

    @property
    def has_scores(self) -> bool:
        return any(d.scored for d in self.days)


def _series(first: date, days: int, by_day: dict[date, Counts]) -> list[DayPoint]:
    out = []
    for i in range(days):
        day = first + timedelta(days=i)
        counts = by_day.get(day)
        out.append(DayPoint(day, counts or Counts(), counts is not None))
    return out


def monitoring_series(
    *,
    engagement: Engagement,
    days: int = DEFAULT_DAY_RANGE,
    process_ids: Iterable[int] | None = None,
    now: datetime | None = None,
) -> tuple[date, list[ProcessSeries]]:
    """(today, the engagement's processes by name, each with its last `days` local days, today
    included): three queries (scores, floors, episodes) plus the processes', whatever the
    number of processes, categories or days."""
    today, this_monday = _week_start(engagement, now=now)
    first = today - timedelta(days=days - 1)
    last_monday = this_monday - timedelta(days=7)
    chosen = Process.objects.filter(engagement=engagement).order_by("name")
    if process_ids is not None:
        chosen = chosen.filter(pk__in=list(process_ids))
    processes = list(chosen)
    wanted = [p.pk for p in processes]
    # The range and last week, which may start before it (a 14-day range on a Sunday).
    scores = DailyScore.objects.filter(
        engagement=engagement,
        process_id__in=wanted,
        day__gte=min(first, last_monday),
        day__lte=today,
    ).values("process_id", "category", "day", *COUNTS)
    by_key: dict[tuple[int, str], dict[date, Counts]] = defaultdict(dict)
    for row in scores:
        by_key[(row["process_id"], row["category"])][row["day"]] = Counts.of(row)
    floors = dict(
        AlertRule.objects.filter(
            process_id__in=wanted,
            category="",
            kind=AlertRule.Kind.ACCURACY_FLOOR,
            enabled=True,
        ).values_list("process_id", "threshold")
    )
    episodes = (
        AlertEpisode.objects.filter(engagement=engagement, rule__process_id__in=wanted)
        .filter(Q(resolved_on__isnull=True) | Q(resolved_on__gte=first))
        .filter(started_on__lte=today)
        .select_related("rule")
        .order_by("started_on", "pk")
    )
    spans: dict[int, list[EpisodeSpan]] = defaultdict(list)
    for episode in episodes:
        spans[episode.rule.process_id].append(
            EpisodeSpan(episode, max(episode.started_on, first), episode.resolved_on or today)
        )
    out = []
    for process in processes:
        categories = []
        for (process_id, category), by_day in sorted(by_key.items()):
            if process_id != process.pk or category == DailyScore.ALL:
                continue
            series = CategorySeries(category, _series(first, days, by_day))
            series.this_week = sum((c for d, c in by_day.items() if d >= this_monday), Counts())
            series.last_week = sum(
                (c for d, c in by_day.items() if last_monday <= d < this_monday), Counts()
            )
            if series.volume or series.this_week.volume or series.last_week.volume:
                categories.append(series)
        out.append(
            ProcessSeries(
                process=process,
                days=_series(first, days, by_key.get((process.pk, DailyScore.ALL), {})),
                floor=floors.get(process.pk),
                episodes=spans.get(process.pk, []),
                categories=categories,
            )
        )
    return today, out


def open_episode_list(*, engagement: Engagement) -> Sequence[AlertEpisode]:
    """The engagement's pending and firing episodes, firing first, newest first. One query."""
    return list(
        AlertEpisode.objects.filter(
            engagement=engagement,
            state__in=[AlertEpisode.State.PENDING, AlertEpisode.State.FIRING],
        )
        .select_related("rule__process", "acknowledged_by")
        .order_by("state", "-started_on", "-pk")  # "firing" sorts before "pending"
    )
