from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Outbound webhooks per engagement: signed JSON events, retried deliveries, a log."""

    name = "maestro.webhooks"
    label = "webhooks"
