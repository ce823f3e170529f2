from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from maestro.training import charts, selectors
from maestro.training.models import EvaluationDataset

register = template.Library()


@register.simple_tag
def training_accuracy_charts(engagement) -> str:
    """Accuracy across rounds for each dataset of the engagement that has rounds (the
    engagement page). The caller has already scoped `engagement` to the user."""
    datasets = (
        EvaluationDataset.objects.filter(process__engagement=engagement, rounds__isnull=False)
        .distinct()
        .order_by("name")
    )
    items = [
        {
            "dataset": dataset,
            "chart": mark_safe(  # noqa: S308 - ElementTree output, every text escaped
                charts.accuracy_chart_svg(
                    rounds=selectors.accuracy_across_rounds(dataset=dataset),
                    target=float(engagement.target_accuracy),
                )
            ),
        }
        for dataset in datasets
    ]
    return render_to_string("training/_engagement_charts.html", {"items": items})
