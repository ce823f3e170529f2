"""Emitting events: one delivery per subscribed endpoint, enqueued after the emitting
transaction commits; manual retries and test pings."""

import uuid
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maestro.engagements.models import Engagement
from maestro.engagements.scoping import require_engagement_manager
from maestro.exceptions import StateConflict
from maestro.lib.prepared import PreparedValues
from maestro.tenancy.models import User
from maestro.webhooks.models import (
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from maestro.webhooks.services.endpoints import WEBHOOKS_MANAGERS_ONLY

PENDING = WebhookDelivery.Status.PENDING


DELIVERED = WebhookDelivery.Status.DELIVERED


FAILED = WebhookDelivery.Status.FAILED


def _enqueue_on_commit(ids: list[int]) -> None:
    def enqueue() -> None:
        from maestro.webhooks.tasks import webhook_delivery_send_task

        for delivery_id in ids:
            webhook_delivery_send_task.delay(delivery_id)

    transaction.on_commit(enqueue)


# Every escalated decision asks who listens: compiled to SQL once (maestro/lib/prepared.py), and
# only the ids and subscriptions are read, since a delivery needs no more of its endpoint.
_listening = PreparedValues(
    lambda engagement_id: (
        WebhookEndpoint.objects.filter(engagement_id=engagement_id, active=True)
        .order_by("pk")
        .values("pk", "events")
    )
)


def webhook_event_emit(*, engagement: Engagement, event: str, payload: dict[str, Any]) -> int:
    """Queue `event` for every active endpoint of the engagement subscribed to it.

    Returns how many deliveries were queued. Costs one query when nobody listens. The
    deliveries of one event share its id (the body's `id`, header X-Maestro-Delivery).
    """
    return webhook_events_emit(engagement=engagement, event=event, payloads=[payload])


def webhook_events_emit(
    *, engagement: Engagement, event: str, payloads: Sequence[dict[str, Any]]
) -> int:
    """`webhook_event_emit` for a batch of events of one kind (an intake batch's escalations):
    two queries and one on-commit hook whatever the batch size; one event id per payload."""
    endpoints = [row["pk"] for row in _listening.rows(engagement.pk) if event in row["events"]]
    if not endpoints or not payloads:
        return 0
    now = timezone.now()
    rows: list[WebhookDelivery] = []
    for payload in payloads:
        event_id = uuid.uuid4()
        rows.extend(
            WebhookDelivery(
                endpoint_id=endpoint_id,
                event=event,
                event_id=event_id,
                payload=payload,
                next_attempt_at=now,
            )
            for endpoint_id in endpoints
        )
    deliveries = WebhookDelivery.objects.bulk_create(rows)
    ids = [delivery.pk for delivery in deliveries]
    _enqueue_on_commit(ids)
    return len(ids)


@transaction.atomic
def webhook_delivery_retry(*, delivery: WebhookDelivery, by: User) -> WebhookDelivery:
    """Retry now, on a failed delivery: one more attempt, at once. A delivery that had used
    up its attempts is failed again if this one fails too (no new series of retries); one
    failed because its endpoint was switched off still has its retries left."""
    endpoint = delivery.endpoint
    require_engagement_manager(by, endpoint.engagement, message=WEBHOOKS_MANAGERS_ONLY)
    if not endpoint.active:
        raise StateConflict(
            _("The endpoint is switched off; switch it on before retrying."),
            code="endpoint_inactive",
        )
    won = WebhookDelivery.objects.filter(pk=delivery.pk, status=FAILED).update(
        status=PENDING, next_attempt_at=timezone.now()
    )
    if not won:
        delivery.refresh_from_db()
        raise StateConflict(
            _("Only failed deliveries can be retried (this one is %(status)s).")
            % {"status": delivery.get_status_display().lower()},
            code="delivery_not_failed",
        )
    _enqueue_on_commit([delivery.pk])
    delivery.refresh_from_db()
    return delivery


@transaction.atomic
def webhook_test_ping(*, endpoint: WebhookEndpoint, by: User) -> WebhookDelivery:
    """Queue a `ping` event to this one endpoint, so the integrator can check their receiver
    and signature code. Sent, signed and logged like any delivery (by the worker, never from
    the web request)."""
    require_engagement_manager(by, endpoint.engagement, message=WEBHOOKS_MANAGERS_ONLY)
    if not endpoint.active:
        raise StateConflict(
            _("The endpoint is switched off; switch it on before sending a ping."),
            code="endpoint_inactive",
        )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event=WebhookEvent.PING,
        payload={"endpoint_id": endpoint.pk, "requested_by": by.get_username()},
        next_attempt_at=timezone.now(),
    )
    _enqueue_on_commit([delivery.pk])
    return delivery
