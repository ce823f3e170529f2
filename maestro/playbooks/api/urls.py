from django.urls import path

from maestro.playbooks.api import views

app_name = "playbooks-api"

PLAYBOOK = "processes/<int:process_id>/playbook/"

urlpatterns = [
    path(PLAYBOOK, views.PlaybookDetailApi.as_view(), name="playbook-detail"),
    path(
        PLAYBOOK + "versions/",
        views.PlaybookVersionListApi.as_view(),
        name="playbook-versions",
    ),
    path(
        PLAYBOOK + "versions/<int:number>/",
        views.PlaybookVersionDetailApi.as_view(),
        name="playbook-version",
    ),
    path(PLAYBOOK + "dry-run/", views.PlaybookDryRunApi.as_view(), name="playbook-dry-run"),
    path(
        PLAYBOOK + "dry-runs/<int:job_id>/",
        views.PlaybookDryRunJobApi.as_view(),
        name="playbook-dry-run-job",
    ),
    path(
        "processes/<int:process_id>/known-counterparties/",
        views.KnownCounterpartyListApi.as_view(),
        name="known-counterparties",
    ),
    path(
        "processes/<int:process_id>/known-counterparties/import/",
        views.KnownCounterpartyImportApi.as_view(),
        name="known-counterparties-import",
    ),
    path(
        "known-counterparties/<int:counterparty_id>/",
        views.KnownCounterpartyDetailApi.as_view(),
        name="known-counterparty",
    ),
]
