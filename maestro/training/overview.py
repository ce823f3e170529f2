"""The engagement page's "Training accuracy" panel: accuracy across rounds of every dataset
of the engagement that has rounds. The composition layer adds it to the page through
`maestro.engagements.hooks`; two queries whatever the number of datasets and rounds."""

from itertools import groupby
from typing import Any

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.safestring import mark_safe

from maestro.engagements.models import Engagement
from maestro.training import charts
from maestro.training.models import EvaluationCase, EvaluationDataset, TrainingRound
from maestro.training.selectors import pct


def accuracy_across_rounds_for_engagement(
    *, engagement: Engagement
) -> list[tuple[EvaluationDataset, list[dict]]]:
    """(dataset, selectors.accuracy_across_rounds rows) for each dataset of the engagement
    that has rounds, by name. Two queries."""
    case_total = (
        EvaluationCase.objects.filter(dataset=OuterRef("pk"))
        .order_by()
        .values("dataset")
        .annotate(n=Count("pk"))
        .values("n")
    )
    datasets = list(
        EvaluationDataset.objects.filter(process__engagement=engagement)
        .filter(Exists(TrainingRound.objects.filter(dataset=OuterRef("pk"))))
        .annotate(case_total=Coalesce(Subquery(case_total), Value(0), output_field=IntegerField()))
        .order_by("name", "pk")
    )
    if not datasets:
        return []
    rows = (
        TrainingRound.objects.filter(dataset__in=datasets)
        .annotate(
            correct=Count(
                "outputs", filter=Q(outputs__predicted_outcome=F("outputs__case__correct_outcome"))
            )
        )
        .order_by("dataset_id", "number")
        .values("id", "dataset_id", "number", "date", "correct")
    )
    by_dataset = {key: list(group) for key, group in groupby(rows, key=lambda r: r["dataset_id"])}
    return [
        (
            dataset,
            [
                {
                    **{k: v for k, v in row.items() if k != "dataset_id"},
                    "total": dataset.case_total,
                    "accuracy": pct(row["correct"], dataset.case_total),
                }
                for row in by_dataset.get(dataset.pk, [])
            ],
        )
        for dataset in datasets
    ]


def engagement_training_overview(engagement: Engagement) -> dict[str, Any]:
    """The panel's context: `training_charts`, one item (dataset, chart) per dataset."""
    target = float(engagement.target_accuracy)
    return {
        "training_charts": [
            {
                "dataset": dataset,
                "chart": mark_safe(  # noqa: S308 - ElementTree output, every text escaped
                    charts.accuracy_chart_svg(rounds=rounds, target=target)
                ),
            }
            for dataset, rounds in accuracy_across_rounds_for_engagement(engagement=engagement)
        ]
    }
