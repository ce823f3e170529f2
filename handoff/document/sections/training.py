"""Section: the training history. For each dataset with rounds: accuracy across its rounds (the
same chart as the engagement page, maestro.training.charts), what changed round by round, the
final round's accuracy per category against the engagement's minimums, and why the agent still
failed there (the consultant's failure reviews); then the criteria of the gate to deployment,
as the latest round meets them now and as the gate recorded them when the engagement went live.

Constant queries whatever the number of datasets, rounds, categories or cases: the rounds'
accuracy (two), their notes (one), the final rounds' categories (one), their failure causes
(one), the criteria (one), the gate's evaluation (three) and the move to deployment (one). In the
embedded JSON, accuracies are shares as 4-place decimal strings ("0.8500"), as the API writes them.
"""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, F, FilteredRelation, Q
from django.utils import timezone
from django.utils.safestring import mark_safe

from handoff.document.sections import SectionData
from handoff.document.source import DocumentSource
from maestro.engagements.models import Engagement, Phase, PhaseTransition
from maestro.lib.numbers import share_from_percent
from maestro.training import charts
from maestro.training.models import EvaluationCase, FailureReview, TrainingRound
from maestro.training.overview import accuracy_across_rounds_for_engagement
from maestro.training.selectors import gate_criteria_get, gate_criteria_results, pct

TOP_CAUSES = 3


def _share(percent: float | None) -> str | None:
    return None if percent is None else share_from_percent(percent)


def _final_round_categories(final_rounds: Sequence[int], datasets: Sequence[int]) -> dict:
    """Dataset id → its final round's rows per category, as training.selectors.round_metrics
    counts them (a case without an output is a miss), for every dataset in one query."""
    # A case has outputs only in rounds of its own dataset (the import refuses others), so its
    # one output among all the final rounds, if any, is its own final round's.
    rows = (
        EvaluationCase.objects.filter(dataset_id__in=datasets)
        .annotate(out=FilteredRelation("outputs", condition=Q(outputs__round_id__in=final_rounds)))
        .values("dataset_id", "category")
        .annotate(
            total=Count("id"),
            correct=Count("id", filter=Q(out__predicted_outcome=F("correct_outcome"))),
        )
        .order_by("dataset_id", "category")
    )
    categories: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        categories[row["dataset_id"]].append(
            {
                "category": row["category"],
                "total": row["total"],
                "correct": row["correct"],
                "misses": row["total"] - row["correct"],
                "accuracy": pct(row["correct"], row["total"]),
            }
        )
    return categories


def _failure_causes(final_rounds: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    labels = dict(FailureReview.Cause.choices)
    rows = (
        FailureReview.objects.filter(round_id__in=final_rounds)
        .values("round_id", "cause")
        .annotate(n=Count("id"))
        .order_by("round_id", "-n", "cause")
    )
    causes: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        causes[row["round_id"]].append(
            {"cause": row["cause"], "label": labels.get(row["cause"], row["cause"]), "n": row["n"]}
        )
    return causes


def _recorded_gate(engagement: Engagement, tz) -> dict[str, Any] | None:
    """The latest move from training to deployment, with what its gate said at the time."""
    move = (
        PhaseTransition.objects.filter(
            engagement=engagement, from_phase=Phase.TRAINING, to_phase=Phase.DEPLOYMENT
        )
        .select_related("by")
        .order_by("-at", "-pk")
        .first()
    )
    if move is None:
        return None
    return {
        "date": timezone.localtime(move.at, tz).date(),
        "by": str(move.by),
        "note": move.note,
        "override_reason": move.override_reason,
        "checks": [
            {
                "label": str(check.get("label", "")),
                "passed": bool(check.get("passed")),
                "detail": str(check.get("detail", "")),
            }
            for check in move.gate_results
            if isinstance(check, dict)
        ],
    }


def gather(source: DocumentSource) -> SectionData:
    engagement = source.engagement
    target = float(engagement.target_accuracy)
    series = accuracy_across_rounds_for_engagement(engagement=engagement)
    criteria = gate_criteria_get(engagement=engagement)
    minimums = {str(k): float(v) for k, v in (criteria.category_minimums or {}).items()}
    ids = [dataset.pk for dataset, _rows in series]
    finals = [rows[-1]["id"] for _dataset, rows in series]
    notes: dict[int, str] = {}
    processes: dict[int, str] = {}
    categories: dict[int, list[dict[str, Any]]] = {}
    causes: dict[int, list[dict[str, Any]]] = {}
    if series:
        for note in TrainingRound.objects.filter(dataset_id__in=ids).values(
            "id", "what_changed", "dataset_id", "dataset__process__name"
        ):
            notes[note["id"]] = note["what_changed"]
            processes[note["dataset_id"]] = note["dataset__process__name"]
        categories = _final_round_categories(finals, ids)
        causes = _failure_causes(finals)
    datasets = []
    for dataset, rows in series:
        final = rows[-1]
        previous = None
        rounds = []
        for row in rows:
            change = None
            if previous is not None and row["accuracy"] is not None:
                change = round(row["accuracy"] - previous, 2)
            rounds.append({**row, "what_changed": notes.get(row["id"], ""), "change": change})
            previous = row["accuracy"] if row["accuracy"] is not None else previous
        final_categories = [
            {
                **c,
                "minimum": minimums.get(c["category"]),
                "meets": None
                if c["category"] not in minimums
                else (c["accuracy"] or 0.0) >= minimums[c["category"]],
            }
            for c in categories.get(dataset.pk, [])
        ]
        final_causes = causes.get(final["id"], [])
        misses = sum(c["misses"] for c in final_categories)
        tagged = sum(c["n"] for c in final_causes)
        datasets.append(
            {
                "dataset": dataset,
                "process": processes.get(dataset.pk, ""),
                "cases": getattr(dataset, "case_total", 0),  # annotated by the overview
                "rounds": rounds,
                "first": rows[0],
                "final": final,
                "gain": None
                if final["accuracy"] is None or rows[0]["accuracy"] is None
                else round(final["accuracy"] - rows[0]["accuracy"], 2),
                # ElementTree output: every text escaped (maestro.lib.svg).
                "chart": mark_safe(charts.accuracy_chart_svg(rounds=rows, target=target)),  # noqa: S308
                "categories": final_categories,
                "has_minimums": any(c["minimum"] is not None for c in final_categories),
                "causes": final_causes,
                "top_causes": final_causes[:TOP_CAUSES],
                "misses": misses,
                "untagged": max(misses - tagged, 0),
            }
        )
    latest, results = gate_criteria_results(engagement=engagement)
    gate = {
        "round": latest,
        "criteria": results,
        "met": bool(results) and all(r.passed for r in results),
    }
    recorded = _recorded_gate(engagement, engagement.client.tzinfo)
    context = {
        "datasets": datasets,
        "target": target,
        "gate": gate,
        "recorded": recorded,
        "critical": list(criteria.critical_categories or []),
        "max_critical_misses": criteria.max_critical_misses,
    }
    data = {
        "target_accuracy": share_from_percent(engagement.target_accuracy),
        "datasets": [
            {
                "name": d["dataset"].name,
                "process": d["process"],
                "cases": d["cases"],
                "rounds": [
                    {
                        "number": r["number"],
                        "date": r["date"].isoformat(),
                        "what_changed": r["what_changed"],
                        "correct": r["correct"],
                        "total": r["total"],
                        "accuracy": _share(r["accuracy"]),
                    }
                    for r in d["rounds"]
                ],
                "final_round": {
                    "number": d["final"]["number"],
                    "accuracy": _share(d["final"]["accuracy"]),
                    "categories": [
                        {
                            "category": c["category"],
                            "total": c["total"],
                            "correct": c["correct"],
                            "misses": c["misses"],
                            "accuracy": _share(c["accuracy"]),
                            "minimum": _share(c["minimum"]),
                        }
                        for c in d["categories"]
                    ],
                    "failure_causes": [{"cause": c["cause"], "n": c["n"]} for c in d["causes"]],
                    "untagged_failures": d["untagged"],
                },
            }
            for d in datasets
        ],
        "gate": {
            "round": None
            if latest is None
            else {"number": latest.number, "dataset": latest.dataset.name},
            "met": gate["met"],
            "criteria": [
                {"label": str(r.label), "passed": r.passed, "detail": str(r.detail)}
                for r in results
            ],
        },
        "gate_recorded": None
        if recorded is None
        else {
            "date": recorded["date"].isoformat(),
            "by": recorded["by"],
            "override_reason": recorded["override_reason"],
            "checks": recorded["checks"],
        },
    }
    return SectionData(context=context, data=data)
