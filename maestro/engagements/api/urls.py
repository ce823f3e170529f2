from django.urls import path

from maestro.engagements.api import activity, views

app_name = "engagements-api"

urlpatterns = [
    path("clients/", views.ClientListApi.as_view(), name="client-list"),
    path("clients/<int:client_id>/", views.ClientDetailApi.as_view(), name="client-detail"),
    path(
        "clients/<int:client_id>/activity/",
        activity.ClientActivityApi.as_view(),
        name="client-activity",
    ),
    path("engagements/", views.EngagementListApi.as_view(), name="engagement-list"),
    path(
        "engagements/<int:engagement_id>/",
        views.EngagementDetailApi.as_view(),
        name="engagement-detail",
    ),
    path(
        "engagements/<int:engagement_id>/gates/",
        views.EngagementGatesApi.as_view(),
        name="engagement-gates",
    ),
    path(
        "engagements/<int:engagement_id>/transition/",
        views.EngagementTransitionApi.as_view(),
        name="engagement-transition",
    ),
    path(
        "engagements/<int:engagement_id>/transitions/",
        views.EngagementTransitionListApi.as_view(),
        name="engagement-transitions",
    ),
    path(
        "engagements/<int:engagement_id>/activity/",
        activity.EngagementActivityApi.as_view(),
        name="engagement-activity",
    ),
    path(
        "engagements/<int:engagement_id>/activity/export/",
        activity.EngagementActivityExportApi.as_view(),
        name="engagement-activity-export",
    ),
]
