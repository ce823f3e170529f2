from django.urls import path

from runbooks.api import views

app_name = "runbooks-api"

urlpatterns = [
    path("runbooks/", views.RunbookListApi.as_view(), name="runbook-list"),
    path("runbooks/<int:runbook_id>/", views.RunbookDetailApi.as_view(), name="runbook-detail"),
    path(
        "runbooks/<int:runbook_id>/versions/",
        views.VersionListApi.as_view(),
        name="runbook-versions",
    ),
    path(
        "runbooks/<int:runbook_id>/versions/<int:number>/",
        views.VersionDetailApi.as_view(),
        name="runbook-version",
    ),
    path("runbooks/<int:runbook_id>/diff/", views.RunbookDiffApi.as_view(), name="runbook-diff"),
    path(
        "runbooks/<int:runbook_id>/restore/",
        views.RunbookRestoreApi.as_view(),
        name="runbook-restore",
    ),
    path(
        "runbooks/<int:runbook_id>/publish/",
        views.RunbookPublishApi.as_view(),
        name="runbook-publish",
    ),
    path(
        "runbooks/<int:runbook_id>/retire/", views.RunbookRetireApi.as_view(), name="runbook-retire"
    ),
    path("runbooks/<int:runbook_id>/runs/", views.RunListApi.as_view(), name="runbook-runs"),
    path("runbook-runs/<int:run_id>/", views.RunDetailApi.as_view(), name="run-detail"),
    path(
        "runbook-runs/<int:run_id>/steps/<int:step_id>/",
        views.RunStepUpdateApi.as_view(),
        name="run-step",
    ),
    path(
        "runbook-runs/<int:run_id>/complete/", views.RunCompleteApi.as_view(), name="run-complete"
    ),
    path("runbook-runs/<int:run_id>/abandon/", views.RunAbandonApi.as_view(), name="run-abandon"),
]
