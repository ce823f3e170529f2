from django.urls import path

from maestro.training.api import views

app_name = "training-api"

urlpatterns = [
    path("datasets/", views.DatasetListApi.as_view(), name="dataset-list"),
    path(
        "processes/<int:process_id>/datasets/",
        views.DatasetCreateApi.as_view(),
        name="dataset-create",
    ),
    path("datasets/<int:dataset_id>/", views.DatasetDetailApi.as_view(), name="dataset-detail"),
    path(
        "datasets/<int:dataset_id>/import/",
        views.DatasetImportApi.as_view(),
        name="dataset-import",
    ),
    path("import-jobs/<int:job_id>/", views.ImportJobDetailApi.as_view(), name="import-job"),
    path("rounds/", views.RoundListApi.as_view(), name="round-list"),
    path("datasets/<int:dataset_id>/rounds/", views.RoundCreateApi.as_view(), name="round-create"),
    path("rounds/<int:round_id>/", views.RoundDetailApi.as_view(), name="round-detail"),
    path(
        "rounds/<int:round_id>/outputs/import/",
        views.RoundOutputsImportApi.as_view(),
        name="round-outputs-import",
    ),
    path("rounds/<int:round_id>/metrics/", views.RoundMetricsApi.as_view(), name="round-metrics"),
    path(
        "rounds/<int:round_id>/failures/",
        views.RoundFailureListApi.as_view(),
        name="round-failures",
    ),
    path(
        "rounds/<int:round_id>/failures/<int:case_id>/review/",
        views.FailureReviewSetApi.as_view(),
        name="failure-review",
    ),
    path(
        "rounds/<int:round_id>/compare/<int:other_id>/",
        views.RoundCompareApi.as_view(),
        name="round-compare",
    ),
    path(
        "engagements/<int:engagement_id>/training-criteria/",
        views.GateCriteriaApi.as_view(),
        name="gate-criteria",
    ),
]
