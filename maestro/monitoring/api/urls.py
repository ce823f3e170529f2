from django.urls import path  # noqa: F401 - each section below adds its endpoints

from maestro.monitoring.api import alerts, scores
from maestro.monitoring.api import trend as trend_api

app_name = "monitoring-api"

urlpatterns: list = [
    # --- Daily scores and their CSV export ---
    path(
        "engagements/<int:engagement_id>/daily-scores/",
        scores.DailyScoreListApi.as_view(),
        name="daily-score-list",
    ),
    path(
        "engagements/<int:engagement_id>/daily-scores/export/",
        scores.DailyScoreExportApi.as_view(),
        name="daily-score-export",
    ),
    # --- Weekly trend ---
    path(
        "engagements/<int:engagement_id>/trend/",
        trend_api.EngagementTrendApi.as_view(),
        name="engagement-trend",
    ),
    # --- Alert rules, alerts (acknowledge), silences ---
    path(
        "engagements/<int:engagement_id>/alert-rules/",
        alerts.EngagementAlertRuleListApi.as_view(),
        name="alert-rule-list",
    ),
    path("alert-rules/<int:rule_id>/", alerts.AlertRuleDetailApi.as_view(), name="alert-rule"),
    path(
        "engagements/<int:engagement_id>/alerts/",
        alerts.EngagementAlertListApi.as_view(),
        name="alert-list",
    ),
    path("alerts/<int:episode_id>/", alerts.AlertDetailApi.as_view(), name="alert"),
    path(
        "alerts/<int:episode_id>/acknowledge/",
        alerts.AlertAcknowledgeApi.as_view(),
        name="alert-acknowledge",
    ),
    path(
        "engagements/<int:engagement_id>/silences/",
        alerts.EngagementSilenceListApi.as_view(),
        name="silence-list",
    ),
    path("silences/<int:silence_id>/lift/", alerts.SilenceLiftApi.as_view(), name="silence-lift"),
]
