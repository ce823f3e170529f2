from django.urls import path

from maestro.engagements.api import views

app_name = "engagements-api"

urlpatterns = [
    path("clients/", views.ClientListApi.as_view(), name="client-list"),
    path("clients/<int:client_id>/", views.ClientDetailApi.as_view(), name="client-detail"),
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
]
