from django.urls import path

from maestro.decisions.api import views

app_name = "decisions-api"

urlpatterns = [
    path("decisions/<int:decision_id>/", views.DecisionDetailApi.as_view(), name="decision"),
    path(
        "decisions/outcomes/",
        views.DecisionOutcomeFeedbackApi.as_view(),
        name="decision-outcomes",
    ),
    path(
        "engagements/<int:engagement_id>/deployment-metrics/",
        views.DeploymentMetricsApi.as_view(),
        name="deployment-metrics",
    ),
    path(
        "engagements/<int:engagement_id>/api-keys/",
        views.AgentApiKeyListCreateApi.as_view(),
        name="api-key-list",
    ),
    path(
        "api-keys/<int:key_id>/revoke/", views.AgentApiKeyRevokeApi.as_view(), name="api-key-revoke"
    ),
    path(
        "engagements/<int:engagement_id>/test-decisions/remove/",
        views.TestDecisionsRemoveApi.as_view(),
        name="test-decisions-remove",
    ),
]
