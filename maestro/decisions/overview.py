"""The engagement page's "Deployment" panel (live metrics, the daily volume chart and the
economics) and the process page's economics. The composition layer adds them to those pages
through `maestro.engagements.hooks` and `maestro.mapping.hooks`."""

from typing import Any

from django.utils.safestring import mark_safe

from maestro.decisions import charts, selectors
from maestro.engagements.models import Engagement
from maestro.mapping.models import Process


def engagement_deployment_overview(engagement: Engagement) -> dict[str, Any]:
    """The panel's context, as `deployment` (the page's `can_manage` shows the keys link)."""
    rows = selectors.process_economics(engagement=engagement)
    days = selectors.decision_daily_volume(engagement=engagement)
    return {
        "deployment": {
            "metrics": selectors.deployment_metrics(engagement=engagement),
            "days": days,
            "volume_chart": mark_safe(  # noqa: S308 - ElementTree output, every text escaped
                charts.decision_volume_svg(days=days)
            ),
            "volume_summary": charts.volume_summary(days),
            "economics": rows,
            "total": selectors.economics_total(rows),
        }
    }


def process_economics_overview(process: Process) -> dict[str, Any]:
    """The process page's economics row, as `economics_row`."""
    rows = selectors.process_economics(engagement=process.engagement)
    return {"economics_row": next(r for r in rows if r.process == process)}
