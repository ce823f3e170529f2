"""Outbound webhooks. Other apps call `webhook_event_emit`; delivery happens in a Celery task
after the emitting transaction commits, so a receiver never hears of a rolled-back change."""

from typing import Any

from django.db import transaction

from maestro.engagements.models import Engagement
from maestro.webhooks.models import WebhookDelivery, WebhookEndpoint


def webhook_event_emit(*, engagement: Engagement, event: str, payload: dict[str, Any]) -> int:
    """Queue `event` for every active endpoint of the engagement subscribed to it.

    Returns how many deliveries were queued. Costs one query when nobody listens.
    """
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(engagement=engagement, active=True)
        if event in endpoint.events
    ]
    if not endpoints:
        return 0
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=endpoint, event=event, payload=payload) for endpoint in endpoints
    )
    ids = [delivery.pk for delivery in deliveries]

    def enqueue() -> None:
        from maestro.webhooks.tasks import webhook_delivery_send_task

        for delivery_id in ids:
            webhook_delivery_send_task.delay(delivery_id)

    transaction.on_commit(enqueue)
    return len(ids)
