"""The engagement page's weekly trend (the sentence and a link to Monitoring), added through
`maestro.engagements.hooks` by the composition layer, as `monitoring_trend`."""

from typing import Any

from maestro.engagements.models import Engagement
from maestro.monitoring.selectors.trend import engagement_trend


def engagement_trend_overview(engagement: Engagement) -> dict[str, Any]:
    return {"monitoring_trend": engagement_trend(engagement=engagement)}
