from django.urls import path

from maestro.mapping import views

app_name = "mapping"

urlpatterns = [
    path(
        "engagements/<int:engagement_id>/processes/",
        views.process_list,
        name="process_list",
    ),
    path("processes/<int:process_id>/", views.process_detail, name="process"),
    path("processes/<int:process_id>/diagram.svg", views.process_diagram, name="diagram"),
    path("processes/<int:process_id>/edit/", views.process_edit, name="process_edit"),
    path("processes/<int:process_id>/delete/", views.process_delete, name="process_delete"),
    path(
        "engagements/<int:engagement_id>/decision-types/",
        views.decision_type_list,
        name="decision_type_list",
    ),
    path(
        "engagements/<int:engagement_id>/decision-types/new/",
        views.decision_type_create,
        name="decision_type_create",
    ),
    path(
        "decision-types/<int:decision_type_id>/edit/",
        views.decision_type_edit,
        name="decision_type_edit",
    ),
]
