"""The evidence a check-in sets stages from: the agreement between consultant and operator on
shadow reviews (percent agreement and Cohen's kappa, per plan, competency and client-local ISO
week), and the operator's weekly work from data that already exists (on-time rate of their
review tasks, edge-case reviews, runbook runs, drift investigations).

Cohen's kappa, κ = (pₒ − pₑ) / (1 − pₑ): pₒ the share of cases where both gave the same outcome
(trimmed, case-insensitive, as overrides compare), pₑ the agreement expected by chance from
each rater's own outcome shares. Defined edges:
- no completed case: κ is None (and so is the agreement);
- pₑ = 1 (both raters always gave one and the same single outcome, so pₒ = 1 too): κ is
  0/0; we define it as 1, perfect agreement (it is, just uninformative; the case count beside it
  says how much it weighs).
κ is rounded half-up to 3 places; the band (Landis & Koch 1977) is read from that rounded
value: < 0 poor, 0.000–0.200 slight, 0.201–0.400 fair, 0.401–0.600 moderate,
0.601–0.800 substantial, 0.801–1.000 almost perfect.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Count, F, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from handoff.models import Competency, ShadowCase, SkillTransferPlan
from maestro.engagements.models import Engagement
from maestro.lib.timezones import iso_week_start, local_today, local_week_bounds
from maestro.reviews.models import ReviewTask
from runbooks.models import RunbookRun

KAPPA_PLACES = Decimal("0.001")
SHARE_PLACES = Decimal("0.0001")

# Landis & Koch's bands, by the upper bound (inclusive) of the rounded kappa.
BANDS: list[tuple[Decimal, str]] = [
    (Decimal("-0.001"), "poor"),
    (Decimal("0.200"), "slight"),
    (Decimal("0.400"), "fair"),
    (Decimal("0.600"), "moderate"),
    (Decimal("0.800"), "substantial"),
    (Decimal("1.000"), "almost perfect"),
]


def _normal(outcome: str) -> str:
    return outcome.strip().casefold()


def cohen_kappa(pairs: Iterable[tuple[str, str]]) -> Fraction | None:
    """Cohen's kappa of two raters' categorical answers, exactly (see the module's docstring
    for the edges): None for no pair, 1 when chance agreement is 1."""
    pairs = [(_normal(a), _normal(b)) for a, b in pairs]
    n = len(pairs)
    if n == 0:
        return None
    observed = Fraction(sum(1 for a, b in pairs if a == b), n)
    first = Counter(a for a, _b in pairs)
    second = Counter(b for _a, b in pairs)
    expected = sum(
        (Fraction(first[k], n) * Fraction(second[k], n) for k in first.keys() & second.keys()),
        Fraction(0),
    )
    if expected == 1:
        return Fraction(1)
    return (observed - expected) / (1 - expected)


def _decimal(value: Fraction, places: Decimal) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        places, rounding=ROUND_HALF_UP
    )


def kappa_band(kappa: Decimal | None) -> str:
    """The Landis & Koch band of a kappa rounded to 3 places ("" for None)."""
    if kappa is None:
        return ""
    for upper, name in BANDS:
        if kappa <= upper:
            return name
    return BANDS[-1][1]


@dataclass(frozen=True)
class Agreement:
    """Agreement over `cases` completed shadow cases: `agreement` the share (0–1, 4 places)
    where both gave the same outcome, `kappa` (3 places) and its band; None/"" for no case."""

    cases: int
    agreed: int
    agreement: Decimal | None
    kappa: Decimal | None
    band: str

    @classmethod
    def of(cls, pairs: Sequence[tuple[str, str]]) -> "Agreement":
        kappa = cohen_kappa(pairs)
        if kappa is None:
            return cls(cases=0, agreed=0, agreement=None, kappa=None, band="")
        agreed = sum(1 for a, b in pairs if _normal(a) == _normal(b))
        rounded = _decimal(kappa, KAPPA_PLACES)
        return cls(
            cases=len(pairs),
            agreed=agreed,
            agreement=_decimal(Fraction(agreed, len(pairs)), SHARE_PLACES),
            kappa=rounded,
            band=kappa_band(rounded),
        )

    @property
    def agreement_percent(self) -> Decimal | None:
        return None if self.agreement is None else (self.agreement * 100).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class CompetencyAgreement:
    competency: Competency | None  # None: cases of no competency
    overall: Agreement
    weeks: dict[date, Agreement]

    @property
    def name(self) -> str:
        return self.competency.name if self.competency else "No competency"


@dataclass(frozen=True)
class PlanAgreement:
    plan: SkillTransferPlan
    overall: Agreement
    competencies: list[CompetencyAgreement]
    weeks: list[tuple[date, Agreement]]  # ISO weeks with cases, oldest first

    def competency(self, competency_id: int | None) -> CompetencyAgreement | None:
        for row in self.competencies:
            if (row.competency.pk if row.competency else None) == competency_id:
                return row
        return None


@dataclass
class _Case:
    competency_id: int | None
    pair: tuple[str, str]
    week: date


def _completed_cases(plan_ids: list[int], tz) -> dict[int, list[_Case]]:
    """Completed cases of the plans, each in the ISO week (client-local) of its later answer.
    One query."""
    rows = (
        ShadowCase.objects.filter(
            plan_id__in=plan_ids,
            consultant_answered_at__isnull=False,
            operator_answered_at__isnull=False,
        )
        .order_by()
        .values_list(
            "plan_id",
            "competency_id",
            "consultant_outcome",
            "operator_outcome",
            "consultant_answered_at",
            "operator_answered_at",
        )
    )
    cases: dict[int, list[_Case]] = defaultdict(list)
    for plan_id, competency_id, consultant, operator, at_c, at_o in rows:
        assert at_c is not None and at_o is not None  # filtered above
        done = timezone.localtime(max(at_c, at_o), tz).date()
        cases[plan_id].append(_Case(competency_id, (consultant, operator), iso_week_start(done)))
    return cases


def plan_agreement(plan: SkillTransferPlan) -> Agreement:
    """The plan's agreement over all its completed shadow cases: what the handoff → advisory
    gate compares with `plan.kappa_bar` and `plan.shadow_cases_min`. One query."""
    rows = ShadowCase.objects.filter(
        plan=plan, consultant_answered_at__isnull=False, operator_answered_at__isnull=False
    ).values_list("consultant_outcome", "operator_outcome")
    return Agreement.of(list(rows))


def _breakdown(
    plan: SkillTransferPlan, competencies: list[Competency], cases: list[_Case]
) -> PlanAgreement:
    by_competency: dict[int | None, list[_Case]] = defaultdict(list)
    by_week: dict[date, list[tuple[str, str]]] = defaultdict(list)
    for case in cases:
        by_competency[case.competency_id].append(case)
        by_week[case.week].append(case.pair)

    def row(competency: Competency | None, own: list[_Case]) -> CompetencyAgreement:
        weeks: dict[date, list[tuple[str, str]]] = defaultdict(list)
        for case in own:
            weeks[case.week].append(case.pair)
        return CompetencyAgreement(
            competency=competency,
            overall=Agreement.of([case.pair for case in own]),
            weeks={week: Agreement.of(pairs) for week, pairs in sorted(weeks.items())},
        )

    rows = [row(c, by_competency.get(c.pk, [])) for c in competencies]
    if by_competency.get(None):
        rows.append(row(None, by_competency[None]))
    return PlanAgreement(
        plan=plan,
        overall=Agreement.of([case.pair for case in cases]),
        competencies=rows,
        weeks=[(week, Agreement.of(pairs)) for week, pairs in sorted(by_week.items())],
    )


def plan_agreement_breakdown(plan: SkillTransferPlan) -> PlanAgreement:
    """The plan's agreement overall, per competency (every competency of the plan, cases or
    not, then "no competency" if any case has none), per week, and per competency and week.
    Two queries (the plan's engagement and client are read through `plan.engagement`)."""
    tz = plan.engagement.client.tzinfo
    competencies = list(plan.competencies.order_by("order", "pk"))
    return _breakdown(plan, competencies, _completed_cases([plan.pk], tz).get(plan.pk, []))


def engagement_agreement(engagement: Engagement) -> list[PlanAgreement]:
    """Every plan of the engagement with its breakdown: three queries whatever the number of
    plans, competencies and cases."""
    plans = list(
        SkillTransferPlan.objects.filter(engagement=engagement)
        .select_related("operator")
        .prefetch_related("competencies")
        .order_by("pk")
    )
    cases = _completed_cases([p.pk for p in plans], engagement.client.tzinfo)
    return [
        _breakdown(
            plan,
            sorted(plan.competencies.all(), key=lambda c: (c.order, c.pk)),
            cases.get(plan.pk, []),
        )
        for plan in plans
    ]


# --- The operator's weekly work ---------------------------------------------------------------


@dataclass(frozen=True)
class WeekEvidence:
    """One client-local ISO week (`monday`) of the operator's work on the plan's engagement."""

    monday: date
    resolved: int = 0  # tasks assigned to the operator, resolved this week
    on_time: int = 0  # of those, resolved by their due time
    edge_case_reviews: int = 0  # weekly edge-case review tasks the operator resolved
    runbook_runs: int = 0  # runbook runs the operator completed
    drift_investigations: int = 0  # drift investigation tasks the operator resolved

    @property
    def on_time_rate(self) -> Decimal | None:
        """Share (0–1, 4 places) of the week's resolved tasks resolved on time; None if none."""
        if not self.resolved:
            return None
        return _decimal(Fraction(self.on_time, self.resolved), SHARE_PLACES)

    @property
    def on_time_percent(self) -> Decimal | None:
        rate = self.on_time_rate
        return None if rate is None else (rate * 100).quantize(Decimal("1"))

    @property
    def label(self) -> str:
        year, week, _day = self.monday.isocalendar()
        return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class PlanEvidence:
    plan: SkillTransferPlan
    weeks: list[WeekEvidence] = field(default_factory=list)  # oldest first, current week last

    @property
    def totals(self) -> WeekEvidence:
        first = self.weeks[0].monday if self.weeks else date.min
        return WeekEvidence(
            monday=first,
            resolved=sum(w.resolved for w in self.weeks),
            on_time=sum(w.on_time for w in self.weeks),
            edge_case_reviews=sum(w.edge_case_reviews for w in self.weeks),
            runbook_runs=sum(w.runbook_runs for w in self.weeks),
            drift_investigations=sum(w.drift_investigations for w in self.weeks),
        )


def _week_of(value: datetime | date, tz) -> date:
    day = timezone.localtime(value, tz).date() if isinstance(value, datetime) else value
    return iso_week_start(day)


def plan_evidence(
    plan: SkillTransferPlan, weeks: int = 8, *, now: datetime | None = None
) -> PlanEvidence:
    """The operator's work on the plan's engagement over the last `weeks` client-local ISO
    weeks (the current one last), counted in the database: two queries whatever the volume.

    - resolved / on time: the engagement's review tasks (any kind) assigned to the operator and
      resolved that week; on time when resolved at or before their due time;
    - edge-case reviews and drift investigations: tasks of those kinds the operator resolved;
    - runbook runs: runs of the engagement's runbooks the operator completed that week."""
    weeks = max(1, min(int(weeks), 52))
    tz = plan.engagement.client.tzinfo
    this_monday = iso_week_start(local_today(tz, now=now))
    mondays = [this_monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    start, _end = local_week_bounds(mondays[0], tz)
    _start, end = local_week_bounds(this_monday, tz)
    operator = plan.operator_id
    task_rows = (
        ReviewTask.objects.filter(
            Q(assignee_id=operator) | Q(resolved_by_id=operator),
            engagement_id=plan.engagement_id,
            status=ReviewTask.Status.RESOLVED,
            resolved_at__gte=start,
            resolved_at__lt=end,
        )
        .annotate(week=TruncWeek("resolved_at", tzinfo=tz))
        .order_by()
        .values("week")
        .annotate(
            resolved=Count("pk", filter=Q(assignee_id=operator)),
            on_time=Count("pk", filter=Q(assignee_id=operator, resolved_at__lte=F("due_at"))),
            edge_case_reviews=Count(
                "pk",
                filter=Q(resolved_by_id=operator, kind=ReviewTask.Kind.EDGE_CASE_REVIEW),
            ),
            drift_investigations=Count(
                "pk",
                filter=Q(resolved_by_id=operator, kind=ReviewTask.Kind.DRIFT_INVESTIGATION),
            ),
        )
    )
    run_rows = (
        RunbookRun.objects.filter(
            runbook__engagement_id=plan.engagement_id,
            status=RunbookRun.Status.COMPLETED,
            finished_by_id=operator,
            finished_at__gte=start,
            finished_at__lt=end,
        )
        .annotate(week=TruncWeek("finished_at", tzinfo=tz))
        .order_by()
        .values("week")
        .annotate(runs=Count("pk"))
    )
    figures: dict[date, dict[str, int]] = {monday: {} for monday in mondays}
    for row in task_rows:
        week = figures.setdefault(_week_of(row["week"], tz), {})
        for name in ("resolved", "on_time", "edge_case_reviews", "drift_investigations"):
            week[name] = week.get(name, 0) + row[name]
    for run_row in run_rows:
        week = figures.setdefault(_week_of(run_row["week"], tz), {})
        week["runbook_runs"] = week.get("runbook_runs", 0) + run_row["runs"]
    return PlanEvidence(
        plan=plan,
        weeks=[WeekEvidence(monday=monday, **figures[monday]) for monday in mondays],
    )


@dataclass(frozen=True)
class EvidencePanel:
    """What handoff/_evidence.html shows for a plan: agreement per competency and the weekly
    work."""

    plan: SkillTransferPlan
    agreement: PlanAgreement
    work: PlanEvidence


def plan_evidence_panel(plan: SkillTransferPlan, *, weeks: int = 8) -> EvidencePanel:
    """The evidence partial's data in one call (four queries, plus the plan's engagement and
    client if not loaded)."""
    return EvidencePanel(
        plan=plan, agreement=plan_agreement_breakdown(plan), work=plan_evidence(plan, weeks)
    )
