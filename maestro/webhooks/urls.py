from django.urls import path

from maestro.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("engagements/<int:engagement_id>/webhooks/", views.endpoint_list, name="list"),
    path("engagements/<int:engagement_id>/webhooks/new/", views.endpoint_create, name="create"),
    path("webhooks/<int:endpoint_id>/", views.endpoint_detail, name="endpoint"),
    path("webhooks/<int:endpoint_id>/edit/", views.endpoint_edit, name="edit"),
    path("webhooks/<int:endpoint_id>/delete/", views.endpoint_delete, name="delete"),
    path(
        "webhooks/<int:endpoint_id>/rotate-secret/",
        views.endpoint_rotate_secret,
        name="rotate-secret",
    ),
    path("webhooks/<int:endpoint_id>/ping/", views.endpoint_ping, name="ping"),
    path("webhooks/deliveries/<int:delivery_id>/retry/", views.delivery_retry, name="retry"),
]
