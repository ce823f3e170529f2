from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from maestro.engagements.views import LoginView
from maestro.tenancy.api.views import TokenObtainApi, TokenRotateApi

api_urlpatterns = [
    # First: Django tries the patterns in order, and the agent's intake is the busiest URL.
    path("", include("maestro.intake.api.urls")),
    path("", include("maestro.engagements.api.urls")),
    path("", include("maestro.mapping.api.urls")),
    path("", include("maestro.training.api.urls")),
    path("", include("maestro.playbooks.api.urls")),
    path("", include("runbooks.api.urls")),
    path("", include("maestro.reviews.api.urls")),
    path("", include("maestro.webhooks.api.urls")),
    path("", include("maestro.decisions.api.urls")),
    path("", include("maestro.people.api.urls")),
    path("", include("maestro.monitoring.api.urls")),
    path("", include("handoff.api.urls")),
    path("auth/token/", TokenObtainApi.as_view(), name="api-token"),
    path("auth/token/rotate/", TokenRotateApi.as_view(), name="api-token-rotate"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's init script as a file (?script), not inline: CSP.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
]

urlpatterns = [
    # First, for the same reason: API calls skip every page pattern (no page is under api/).
    path("api/", include(api_urlpatterns)),
    path("", include("maestro.engagements.urls")),
    path("", include("maestro.mapping.urls")),
    path("", include("maestro.training.urls")),
    path("", include("maestro.playbooks.urls")),
    path("", include("runbooks.urls")),
    path("", include("maestro.reviews.urls")),
    path("", include("maestro.decisions.urls")),
    path("", include("maestro.monitoring.urls")),
    path("", include("handoff.urls")),
    path("", include("maestro.webhooks.urls")),
    path("", include("maestro.people.urls")),
    path("status/", include("maestro.system.urls")),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
