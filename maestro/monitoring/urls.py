from django.urls import path  # noqa: F401 - each section below adds its pages

from maestro.monitoring.views import alerts
from maestro.monitoring.views import monitoring as monitoring_views

app_name = "monitoring"

urlpatterns: list = [
    # --- Monitoring page, weekly summary preview ---
    path(
        "engagements/<int:engagement_id>/monitoring/",
        monitoring_views.monitoring_page,
        name="engagement",
    ),
    path(
        "engagements/<int:engagement_id>/monitoring/summary-preview/",
        monitoring_views.summary_preview,
        name="summary-preview",
    ),
    path(
        "engagements/<int:engagement_id>/monitoring/summary-preview/email.html",
        monitoring_views.summary_preview_html,
        name="summary-preview-html",
    ),
    # --- Alerts: list, acknowledge, rules, silences ---
    path("engagements/<int:engagement_id>/alerts/", alerts.alert_list, name="alerts"),
    path(
        "alerts/<int:episode_id>/acknowledge/",
        alerts.alert_acknowledge,
        name="alert-acknowledge",
    ),
    path(
        "engagements/<int:engagement_id>/alert-rules/",
        alerts.alert_rule_list,
        name="alert-rules",
    ),
    path(
        "engagements/<int:engagement_id>/alert-rules/new/",
        alerts.alert_rule_create,
        name="alert-rule-create",
    ),
    path("alert-rules/<int:rule_id>/edit/", alerts.alert_rule_edit, name="alert-rule-edit"),
    path("engagements/<int:engagement_id>/silences/", alerts.silence_list, name="silences"),
    path("silences/<int:silence_id>/lift/", alerts.silence_lift, name="silence-lift"),
]
