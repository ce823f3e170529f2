from django.urls import path

from maestro.mapping.api import views

app_name = "mapping-api"

urlpatterns = [
    path("processes/", views.ProcessListApi.as_view(), name="process-list"),
    path(
        "engagements/<int:engagement_id>/processes/",
        views.ProcessCreateApi.as_view(),
        name="process-create",
    ),
    path(
        "engagements/<int:engagement_id>/processes/import/",
        views.ProcessImportApi.as_view(),
        name="process-import",
    ),
    path("processes/<int:process_id>/", views.ProcessDetailApi.as_view(), name="process-detail"),
    path(
        "processes/<int:process_id>/summary/",
        views.ProcessSummaryApi.as_view(),
        name="process-summary",
    ),
    path(
        "processes/<int:process_id>/export/",
        views.ProcessExportApi.as_view(),
        name="process-export",
    ),
    path("processes/<int:process_id>/steps/", views.StepCreateApi.as_view(), name="step-create"),
    path(
        "processes/<int:process_id>/steps/reorder/",
        views.StepReorderApi.as_view(),
        name="step-reorder",
    ),
    path("steps/", views.StepListApi.as_view(), name="step-list"),
    path("steps/<int:step_id>/", views.StepDetailApi.as_view(), name="step-detail"),
    path(
        "steps/<int:step_id>/decision-points/",
        views.DecisionPointCreateApi.as_view(),
        name="decision-point-create",
    ),
    path("decision-types/", views.DecisionTypeListApi.as_view(), name="decision-type-list"),
    path(
        "engagements/<int:engagement_id>/decision-types/",
        views.DecisionTypeCreateApi.as_view(),
        name="decision-type-create",
    ),
    path(
        "decision-types/<int:decision_type_id>/",
        views.DecisionTypeDetailApi.as_view(),
        name="decision-type-detail",
    ),
    path("decision-points/", views.DecisionPointListApi.as_view(), name="decision-point-list"),
    path(
        "decision-points/<int:decision_point_id>/",
        views.DecisionPointDetailApi.as_view(),
        name="decision-point-detail",
    ),
]
