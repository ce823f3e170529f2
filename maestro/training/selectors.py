"""Reads of the training loop. Every metric is one database aggregate over the round's cases:
no case rows are loaded into Python."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from maestro.engagements.models import Engagement
from maestro.engagements.scoping import engagements_for
from maestro.tenancy.models import User
from maestro.training.models import (
    AgentOutput,
    EvaluationCase,
    EvaluationDataset,
    FailureReview,
    GateCriteria,
    ImportJob,
    TrainingRound,
)
from maestro.training.progress import import_job_progress_merge

THRESHOLDS = [round(0.5 + 0.05 * i, 2) for i in range(10)]  # 0.50 … 0.95
BANDS = [(0.0, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.0001)]
NO_OUTPUT = "(no output)"


def dataset_list_for_user(*, user: User) -> QuerySet[EvaluationDataset]:
    return (
        EvaluationDataset.objects.filter(process__engagement__in=engagements_for(user))
        .select_related("process__engagement__client")
        .annotate(case_count=Count("cases", distinct=True))
    )


def round_list_for_user(*, user: User) -> QuerySet[TrainingRound]:
    return TrainingRound.objects.filter(
        dataset__process__engagement__in=engagements_for(user)
    ).select_related("dataset__process__engagement__client")


def dataset_get_for_user(*, user: User, pk: int) -> EvaluationDataset:
    # The members: can_manage_engagement reads them to decide who may write.
    return get_object_or_404(
        dataset_list_for_user(user=user).prefetch_related("process__engagement__members"), pk=pk
    )


def round_get_for_user(*, user: User, pk: int) -> TrainingRound:
    return get_object_or_404(
        round_list_for_user(user=user).prefetch_related("dataset__process__engagement__members"),
        pk=pk,
    )


def import_job_get_for_user(*, user: User, pk: int) -> ImportJob:
    """The job with its live progress while it runs (rows are written in a transaction that
    other connections cannot see into, so the row alone would show none until the end)."""
    job = get_object_or_404(
        ImportJob.objects.filter(
            dataset__process__engagement__in=engagements_for(user)
        ).select_related("dataset", "training_round"),
        pk=pk,
    )
    import_job_progress_merge([job])
    return job


def import_job_list_recent(*, dataset: EvaluationDataset, limit: int = 5) -> list[ImportJob]:
    jobs = list(dataset.import_jobs.all()[:limit])
    import_job_progress_merge(jobs)
    return jobs


def case_get_in_dataset(*, dataset_id: int, pk: int) -> EvaluationCase:
    return get_object_or_404(EvaluationCase.objects.filter(dataset_id=dataset_id), pk=pk)


def gate_criteria_get(*, engagement: Engagement) -> GateCriteria:
    """The engagement's criteria, or unsaved defaults (no minimums, no critical categories)."""
    found = GateCriteria.objects.filter(engagement=engagement).first()
    return found or GateCriteria(engagement=engagement)


def pct(part: int, whole: int) -> float | None:
    """`part` of `whole` in percent, two decimals; None when there is no whole."""
    return round(100.0 * part / whole, 2) if whole else None


def _cases_with_output(training_round: TrainingRound) -> QuerySet[EvaluationCase]:
    return EvaluationCase.objects.filter(dataset_id=training_round.dataset_id).annotate(
        out=FilteredRelation("outputs", condition=Q(outputs__round=training_round))
    )


CORRECT = Q(out__predicted_outcome=F("correct_outcome"))


@dataclass
class RoundMetrics:
    total: int
    correct: int
    with_output: int
    accuracy: float | None
    categories: list[dict] = field(default_factory=list)


def round_metrics(*, training_round: TrainingRound) -> RoundMetrics:
    """Accuracy overall and per category; a case without an output is a failure."""
    per_category: list[dict[str, Any]] = [
        dict(row)
        for row in _cases_with_output(training_round)
        .values("category")
        .annotate(
            total=Count("id"),
            correct=Count("id", filter=CORRECT),
            with_output=Count("out__id"),
        )
        .order_by("category")
    ]
    total = sum(row["total"] for row in per_category)
    correct = sum(row["correct"] for row in per_category)
    for row in per_category:
        row["accuracy"] = pct(row["correct"], row["total"])
        row["misses"] = row["total"] - row["correct"]
    return RoundMetrics(
        total=total,
        correct=correct,
        with_output=sum(row["with_output"] for row in per_category),
        accuracy=pct(correct, total),
        categories=per_category,
    )


def round_confusion(*, training_round: TrainingRound) -> dict:
    """Counts per (correct outcome, predicted outcome); a missing output is NO_OUTPUT."""
    rows = (
        _cases_with_output(training_round)
        .values("correct_outcome", "out__predicted_outcome")  # type: ignore[misc]
        .annotate(n=Count("id"))
        .order_by()
    )
    cells: dict[tuple[str, str], int] = {}
    for row in rows:
        predicted = row["out__predicted_outcome"] or NO_OUTPUT
        cells[(row["correct_outcome"], predicted)] = row["n"]
    actual = sorted({a for a, _p in cells})
    predicted = sorted({p for _a, p in cells if p != NO_OUTPUT}) + (
        [NO_OUTPUT] if any(p == NO_OUTPUT for _a, p in cells) else []
    )
    peak = max(cells.values(), default=0)
    matrix = [
        {
            "actual": a,
            "cells": [
                {"predicted": p, "n": cells.get((a, p), 0), "hit": a == p} for p in predicted
            ],
        }
        for a in actual
    ]
    return {"actual": actual, "predicted": predicted, "rows": matrix, "peak": peak}


def round_calibration(*, training_round: TrainingRound) -> list[dict]:
    """Accuracy per confidence band, one aggregate query."""
    outputs = AgentOutput.objects.filter(round=training_round)
    correct = Q(predicted_outcome=F("case__correct_outcome"))
    aggregates = {}
    for i, (low, high) in enumerate(BANDS):
        band = Q(confidence__gte=low, confidence__lt=high)
        aggregates[f"n{i}"] = Count("id", filter=band)
        aggregates[f"c{i}"] = Count("id", filter=band & correct)
    counts = outputs.aggregate(**aggregates)
    return [
        {
            "low": low,
            "high": min(high, 1.0),
            "n": counts[f"n{i}"],
            "correct": counts[f"c{i}"],
            "accuracy": pct(counts[f"c{i}"], counts[f"n{i}"]),
        }
        for i, (low, high) in enumerate(BANDS)
    ]


def round_threshold_sweep(*, training_round: TrainingRound) -> list[dict]:
    """What-if: at each threshold, outputs at or above it are auto-routed, the rest (and cases
    without an output) go to a human. One aggregate query for all thresholds."""
    total = EvaluationCase.objects.filter(dataset_id=training_round.dataset_id).count()
    correct = Q(predicted_outcome=F("case__correct_outcome"))
    aggregates = {}
    for i, threshold in enumerate(THRESHOLDS):
        auto = Q(confidence__gte=threshold)
        aggregates[f"a{i}"] = Count("id", filter=auto)
        aggregates[f"c{i}"] = Count("id", filter=auto & correct)
    counts = AgentOutput.objects.filter(round=training_round).aggregate(**aggregates)
    return [
        {
            "threshold": threshold,
            "auto": counts[f"a{i}"],
            "human": total - counts[f"a{i}"],
            "escalation_rate": pct(total - counts[f"a{i}"], total),
            "auto_accuracy": pct(counts[f"c{i}"], counts[f"a{i}"]),
        }
        for i, threshold in enumerate(THRESHOLDS)
    ]


UNTAGGED = "untagged"


def round_failures(
    *, training_round: TrainingRound, category: str = "", cause: str = ""
) -> QuerySet[EvaluationCase]:
    """Cases the agent got wrong (or gave no output for), with output and review annotated;
    only those of `category`, and of `cause` (UNTAGGED: not tagged yet), when given."""
    failures = (
        _cases_with_output(training_round)
        .annotate(review=FilteredRelation("reviews", condition=Q(reviews__round=training_round)))
        .filter(~CORRECT | Q(out__id__isnull=True))
        .annotate(
            predicted=F("out__predicted_outcome"),
            confidence=F("out__confidence"),
            cause=F("review__cause"),
            note=F("review__note"),
        )
        .order_by("id")
    )
    if category:
        failures = failures.filter(category=category)
    if cause == UNTAGGED:
        failures = failures.filter(review__id__isnull=True)
    elif cause:
        failures = failures.filter(review__cause=cause)
    return failures


def round_failure_causes(*, training_round: TrainingRound) -> list[dict]:
    labels = dict(FailureReview.Cause.choices)
    rows = (
        FailureReview.objects.filter(round=training_round)
        .values("cause")
        .annotate(n=Count("id"))
        .order_by("-n", "cause")
    )
    return [
        {"cause": r["cause"], "label": labels.get(r["cause"], r["cause"]), "n": r["n"]}
        for r in rows
    ]


def _correct_in(training_round: TrainingRound) -> Exists:
    return Exists(
        AgentOutput.objects.filter(
            round=training_round,
            case=OuterRef("pk"),
            predicted_outcome=OuterRef("correct_outcome"),
        )
    )


FORWARD, BACKWARD = "forward", "backward"
DIRECTIONS = (FORWARD, BACKWARD)


def round_compare_order(
    *, first: TrainingRound, second: TrainingRound, direction: str = FORWARD
) -> tuple[TrainingRound, TrainingRound]:
    """(before, after) of two rounds: forward compares the earlier round (by number) with the
    later one whatever order they were asked in; backward, the later with the earlier."""
    earlier, later = sorted((first, second), key=lambda r: (r.number, r.pk))
    return (earlier, later) if direction == FORWARD else (later, earlier)


def _predicted_in(training_round: TrainingRound) -> Subquery:
    return Subquery(
        AgentOutput.objects.filter(round=training_round, case=OuterRef("pk")).values(
            "predicted_outcome"
        )[:1]
    )


def _points(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else round(after - before, 2)


def round_compare(*, before: TrainingRound, after: TrainingRound) -> dict[str, Any]:
    """From `before` to `after`: cases fixed (wrong before, right after) and regressed (right
    before, wrong after), each with what both rounds predicted; accuracy of both and its change
    in points, overall and per category."""
    if before.dataset_id != after.dataset_id:
        raise ValueError("rounds of different datasets")
    cases = EvaluationCase.objects.filter(dataset_id=before.dataset_id).annotate(
        was_right=_correct_in(before),
        is_right=_correct_in(after),
        predicted_before=_predicted_in(before),
        predicted_after=_predicted_in(after),
    )
    metrics_before = round_metrics(training_round=before)
    metrics_after = round_metrics(training_round=after)
    by_category_before = {row["category"]: row for row in metrics_before.categories}
    categories = []
    for row in metrics_after.categories:
        was = by_category_before.get(row["category"], {}).get("accuracy")
        categories.append(
            {
                "category": row["category"],
                "total": row["total"],
                "accuracy_before": was,
                "accuracy_after": row["accuracy"],
                "change": _points(was, row["accuracy"]),
            }
        )
    return {
        "before": before,
        "after": after,
        "accuracy_before": metrics_before.accuracy,
        "accuracy_after": metrics_after.accuracy,
        "accuracy_change": _points(metrics_before.accuracy, metrics_after.accuracy),
        "categories": categories,
        "fixed": cases.filter(was_right=False, is_right=True).order_by("id"),
        "regressed": cases.filter(was_right=True, is_right=False).order_by("id"),
    }


def accuracy_across_rounds(*, dataset: EvaluationDataset) -> list[dict]:
    """Accuracy of each round of the dataset, one query."""
    total = EvaluationCase.objects.filter(dataset=dataset).count()
    rows = (
        TrainingRound.objects.filter(dataset=dataset)
        .annotate(
            correct=Count(
                "outputs", filter=Q(outputs__predicted_outcome=F("outputs__case__correct_outcome"))
            )
        )
        .order_by("number")
        .values("id", "number", "date", "correct")
    )
    return [{**row, "total": total, "accuracy": pct(row["correct"], total)} for row in rows]


def latest_round_for_engagement(*, engagement: Engagement) -> TrainingRound | None:
    return (
        TrainingRound.objects.filter(dataset__process__engagement=engagement)
        .select_related("dataset")
        .order_by("-date", "-created_at", "-id")
        .first()
    )


@dataclass
class CriterionResult:
    label: str
    passed: bool
    detail: str


def gate_criteria_results(
    *, engagement: Engagement
) -> tuple[TrainingRound | None, list[CriterionResult]]:
    """The latest round against the engagement's criteria: each criterion, pass or by how much
    it fails."""
    latest = latest_round_for_engagement(engagement=engagement)
    if latest is None:
        return None, []
    metrics = round_metrics(training_round=latest)
    criteria = GateCriteria.objects.filter(engagement=engagement).first()
    target = float(engagement.target_accuracy or Decimal(0))
    results: list[CriterionResult] = []
    accuracy = metrics.accuracy or 0.0
    passed = metrics.total > 0 and accuracy >= target
    results.append(
        CriterionResult(
            label=_("Overall accuracy ≥ %(target)s%%") % {"target": f"{target:g}"},
            passed=passed,
            detail=(
                _("%(acc)s%% (%(correct)d of %(total)d cases)")
                % {"acc": f"{accuracy:g}", "correct": metrics.correct, "total": metrics.total}
                + (
                    ""
                    if passed
                    else _("; short by %(gap)s points") % {"gap": f"{target - accuracy:.2f}"}
                )
            ),
        )
    )
    if criteria is None:
        return latest, results
    by_category = {row["category"]: row for row in metrics.categories}
    for category, minimum in sorted(criteria.category_minimums.items()):
        row = by_category.get(category)
        if row is None:
            results.append(
                CriterionResult(
                    label=_("“%(c)s” accuracy ≥ %(m)s%%") % {"c": category, "m": f"{minimum:g}"},
                    passed=False,
                    detail=_("The dataset has no case in this category."),
                )
            )
            continue
        acc = row["accuracy"] or 0.0
        ok = acc >= minimum
        results.append(
            CriterionResult(
                label=_("“%(c)s” accuracy ≥ %(m)s%%") % {"c": category, "m": f"{minimum:g}"},
                passed=ok,
                detail=_("%(acc)s%% (%(correct)d of %(total)d)")
                % {"acc": f"{acc:g}", "correct": row["correct"], "total": row["total"]}
                + ("" if ok else _("; short by %(gap)s points") % {"gap": f"{minimum - acc:.2f}"}),
            )
        )
    if criteria.critical_categories:
        misses = sum(
            by_category[c]["misses"] for c in criteria.critical_categories if c in by_category
        )
        ok = misses <= criteria.max_critical_misses
        results.append(
            CriterionResult(
                label=_("At most %(max)d miss(es) in critical categories (%(names)s)")
                % {
                    "max": criteria.max_critical_misses,
                    "names": ", ".join(criteria.critical_categories),
                },
                passed=ok,
                detail=_("%(n)d miss(es)") % {"n": misses}
                + (
                    ""
                    if ok
                    else _("; %(over)d over the limit")
                    % {"over": misses - criteria.max_critical_misses}
                ),
            )
        )
    return latest, results
