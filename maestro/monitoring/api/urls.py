from django.urls import path  # noqa: F401 - each section below adds its endpoints

from maestro.monitoring.api import scores

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
    # --- Alert rules, alerts (acknowledge), silences ---
]
