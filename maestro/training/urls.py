from django.urls import path

from maestro.training import views

app_name = "training"

urlpatterns = [
    path(
        "engagements/<int:engagement_id>/training/",
        views.training_overview,
        name="overview",
    ),
    path("datasets/<int:dataset_id>/", views.dataset_detail, name="dataset"),
    path("import-jobs/<int:job_id>/", views.import_job_detail, name="job"),
    path("rounds/<int:round_id>/", views.round_detail, name="round"),
    path("rounds/<int:round_id>/compare/<int:other_id>/", views.round_compare, name="compare"),
]
