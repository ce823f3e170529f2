"""Outbound webhooks. Other apps call `webhook_event_emit`; delivery happens in a Celery task
after the emitting transaction commits (see `delivery` for the attempt and retry rules).

One module per concept (endpoints, events, delivery); every service is re-exported here.
"""

from maestro.webhooks.services.delivery import (
    CLAIM_MARGIN,
    EARLY_TOLERANCE,
    ERROR_MAX_CHARS,
    JITTER,
    SKIPPED,
    SWEEP_BATCH,
    SWEEP_GRACE,
    SendResult,
    webhook_deliveries_retry_due,
    webhook_delivery_send,
    webhook_retry_delay,
)
from maestro.webhooks.services.endpoints import (
    SECRET_PREFIX,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_secret_reveal,
    webhook_endpoint_update,
    webhook_secret_generate,
)
from maestro.webhooks.services.events import (
    DELIVERED,
    FAILED,
    PENDING,
    webhook_delivery_retry,
    webhook_event_emit,
    webhook_events_emit,
    webhook_test_ping,
)

__all__ = [
    "SECRET_PREFIX",
    "webhook_secret_generate",
    "webhook_endpoint_create",
    "webhook_endpoint_update",
    "webhook_endpoint_delete",
    "webhook_endpoint_secret_reveal",
    "webhook_endpoint_rotate_secret",
    "PENDING",
    "DELIVERED",
    "FAILED",
    "webhook_event_emit",
    "webhook_events_emit",
    "webhook_delivery_retry",
    "webhook_test_ping",
    "ERROR_MAX_CHARS",
    "CLAIM_MARGIN",
    "SWEEP_GRACE",
    "SWEEP_BATCH",
    "EARLY_TOLERANCE",
    "JITTER",
    "SendResult",
    "SKIPPED",
    "webhook_retry_delay",
    "webhook_delivery_send",
    "webhook_deliveries_retry_due",
]
