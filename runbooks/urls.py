from django.urls import path

from runbooks import views

app_name = "runbooks"

RUNBOOK = "engagements/<int:engagement_id>/runbooks/<slug:slug>/"

urlpatterns = [
    path("runbooks/search/", views.runbook_search, name="search"),
    path("engagements/<int:engagement_id>/runbooks/", views.runbook_list, name="list"),
    path("engagements/<int:engagement_id>/runbooks/new/", views.runbook_create, name="new"),
    path(
        "engagements/<int:engagement_id>/runbooks/preview/",
        views.runbook_preview,
        name="preview",
    ),
    path(RUNBOOK, views.runbook_detail, name="detail"),
    path(RUNBOOK + "edit/", views.runbook_edit, name="edit"),
    path(RUNBOOK + "history/", views.runbook_history, name="history"),
    path(RUNBOOK + "diff/", views.runbook_diff, name="diff"),
    path(RUNBOOK + "restore/", views.runbook_restore, name="restore"),
    path(RUNBOOK + "publish/", views.runbook_publish, name="publish"),
    path(RUNBOOK + "retire/", views.runbook_retire, name="retire"),
    path(RUNBOOK + "runs/", views.run_start, name="run-start"),
    path("runbook-runs/<int:run_id>/", views.run_detail, name="run"),
    path("runbook-runs/<int:run_id>/steps/<int:step_id>/", views.run_step, name="run-step"),
    path("runbook-runs/<int:run_id>/finish/", views.run_finish, name="run-finish"),
]
