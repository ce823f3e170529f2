from django.urls import path

from maestro.webhooks.api import views

app_name = "webhooks-api"

urlpatterns = [
    path(
        "engagements/<int:engagement_id>/webhook-endpoints/",
        views.EngagementWebhookEndpointListApi.as_view(),
        name="endpoint-list",
    ),
    path(
        "webhook-endpoints/<int:endpoint_id>/",
        views.WebhookEndpointDetailApi.as_view(),
        name="endpoint-detail",
    ),
    path(
        "webhook-endpoints/<int:endpoint_id>/secret/",
        views.WebhookEndpointSecretApi.as_view(),
        name="endpoint-secret",
    ),
    path(
        "webhook-endpoints/<int:endpoint_id>/rotate-secret/",
        views.WebhookEndpointRotateSecretApi.as_view(),
        name="endpoint-rotate-secret",
    ),
    path(
        "webhook-endpoints/<int:endpoint_id>/ping/",
        views.WebhookEndpointPingApi.as_view(),
        name="endpoint-ping",
    ),
    path(
        "webhook-endpoints/<int:endpoint_id>/deliveries/",
        views.WebhookEndpointDeliveryListApi.as_view(),
        name="delivery-list",
    ),
    path(
        "webhook-deliveries/<int:delivery_id>/",
        views.WebhookDeliveryDetailApi.as_view(),
        name="delivery-detail",
    ),
    path(
        "webhook-deliveries/<int:delivery_id>/retry/",
        views.WebhookDeliveryRetryApi.as_view(),
        name="delivery-retry",
    ),
]
