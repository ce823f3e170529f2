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
]
