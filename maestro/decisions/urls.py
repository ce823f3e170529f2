from django.urls import path

from maestro.decisions import views

app_name = "decisions"

urlpatterns = [
    path("engagements/<int:engagement_id>/decisions/", views.decision_list, name="list"),
    path("decisions/<int:decision_id>/", views.decision_detail, name="detail"),
    path("engagements/<int:engagement_id>/api-keys/", views.api_key_list, name="api-keys"),
    path("api-keys/<int:key_id>/revoke/", views.api_key_revoke, name="api-key-revoke"),
    path(
        "engagements/<int:engagement_id>/test-decisions/remove/",
        views.test_decisions_remove,
        name="test-decisions-remove",
    ),
]
