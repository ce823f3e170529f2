from django.urls import path

from maestro.playbooks import views

app_name = "playbooks"

PLAYBOOK = "processes/<int:process_id>/playbook/"

urlpatterns = [
    path(PLAYBOOK, views.playbook_detail, name="detail"),
    path(PLAYBOOK + "edit/", views.playbook_edit, name="edit"),
    path(PLAYBOOK + "dry-run/", views.playbook_dry_run, name="dry-run"),
    path(PLAYBOOK + "dry-runs/<int:job_id>/", views.playbook_dry_run_job, name="dry-run-job"),
    path(
        "processes/<int:process_id>/counterparties/",
        views.known_counterparties,
        name="counterparties",
    ),
    path(
        "counterparties/<int:counterparty_id>/remove/",
        views.known_counterparty_remove,
        name="counterparty-remove",
    ),
]
