from django.urls import path

from maestro.engagements import activity, views

app_name = "engagements"

urlpatterns = [
    path("", views.engagement_list, name="list"),
    path("engagements/new/", views.engagement_create, name="new"),
    path("engagements/<int:engagement_id>/", views.engagement_detail, name="detail"),
    path("engagements/<int:engagement_id>/edit/", views.engagement_edit, name="edit"),
    path("engagements/<int:engagement_id>/summary/", views.engagement_summary, name="summary"),
    path("home/", views.home, name="home"),
    path(
        "engagements/<int:engagement_id>/transition/",
        views.engagement_transition,
        name="transition",
    ),
    path(
        "clients/<int:client_id>/time-zone/",
        views.client_time_zone_edit,
        name="client-time-zone",
    ),
    path(
        "engagements/<int:engagement_id>/activity/",
        activity.engagement_activity,
        name="activity",
    ),
]
