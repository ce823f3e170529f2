"""Outbound webhooks. Other apps call `webhook_event_emit`; delivery happens in a Celery task
after the emitting transaction commits, so a receiver never hears of a rolled-back change.

A delivery is PENDING until an attempt gets a 2xx (DELIVERED) or the last attempt fails
(FAILED; at once when the SSRF guard refuses the target); neither is ever sent again. Each
attempt is claimed first with a conditional update on `attempts`, so two workers holding the
same message send it once. `next_attempt_at` says when the next attempt may start; while an
attempt is in flight it is pushed past the timeout, so the sweeper only re-sends an attempt
whose worker died.
"""

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from maestro.webhooks import signing, transport
from maestro.webhooks.models import (
    WebhookDelivery,
)
from maestro.webhooks.services.events import DELIVERED, FAILED, PENDING, _enqueue_on_commit

ERROR_MAX_CHARS = 1000


# An attempt in flight holds its delivery for the timeout plus this margin; past that, the
# worker is presumed dead and the sweeper lets another one try.
CLAIM_MARGIN = timedelta(seconds=60)


# A due delivery is left to its own Celery retry this long before the sweeper re-enqueues it,
# and re-enqueued at most once per this period while the queue is backed up.
SWEEP_GRACE = timedelta(minutes=2)


SWEEP_BATCH = 500


# A retry message may run a little before `next_attempt_at` (clocks of two hosts).
EARLY_TOLERANCE = timedelta(seconds=2)


JITTER = 0.2


@dataclass(frozen=True)
class SendResult:
    """What one call of webhook_delivery_send did; `retry_in` (seconds) when a retry is due."""

    outcome: str  # "delivered", "retry", "failed" or "skipped"
    retry_in: float | None = None


SKIPPED = SendResult("skipped")


def webhook_retry_delay(*, attempt: int) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based): base × 2^(attempt-1),
    plus up to 20% jitter so a receiver coming back is not hit by every retry at once."""
    delay = settings.WEBHOOKS_RETRY_BASE_SECONDS * 2 ** (attempt - 1)
    return delay * (1 + random.uniform(0, JITTER))


def _truncate(text: str) -> str:
    return text if len(text) <= ERROR_MAX_CHARS else text[: ERROR_MAX_CHARS - 1] + "…"


def _answer_error(answer: transport.HttpAnswer) -> str:
    if 300 <= answer.status < 400:
        return f"HTTP {answer.status}: redirect to {answer.location or '?'} not followed."
    excerpt = " ".join(answer.excerpt.split())
    return f"HTTP {answer.status}: {excerpt}" if excerpt else f"HTTP {answer.status}"


def _delivery_load(delivery_id: int) -> WebhookDelivery | None:
    return (
        WebhookDelivery.objects.select_related("endpoint__engagement")
        .filter(pk=delivery_id)
        .first()
    )


def webhook_delivery_send(*, delivery_id: int) -> SendResult:
    """Make the next attempt of a pending, due delivery, and record its result.

    Idempotent: a delivered, failed, not-yet-due or already-claimed delivery is left alone
    (`skipped`). No transaction is held open during the HTTP request.
    """
    now = timezone.now()
    delivery = _delivery_load(delivery_id)
    if delivery is None or delivery.status != PENDING:
        return SKIPPED
    if delivery.next_attempt_at and delivery.next_attempt_at > now + EARLY_TOLERANCE:
        return SKIPPED
    endpoint = delivery.endpoint
    if not endpoint.active:
        WebhookDelivery.objects.filter(pk=delivery.pk, status=PENDING).update(
            status=FAILED,
            next_attempt_at=None,
            last_error=_("The endpoint was switched off; not sent."),
        )
        return SendResult("failed")

    timeout = float(settings.WEBHOOKS_TIMEOUT_SECONDS)
    attempt = delivery.attempts + 1
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk, status=PENDING, attempts=delivery.attempts
    ).update(attempts=attempt, next_attempt_at=now + timedelta(seconds=timeout) + CLAIM_MARGIN)
    if not claimed:
        return SKIPPED  # another worker got there first

    engagement = endpoint.engagement
    event_id = str(delivery.event_id)
    body = signing.body_bytes(
        event_id=event_id,
        event=delivery.event,
        created_at=delivery.created_at,
        engagement_id=engagement.pk,
        engagement_name=engagement.name,
        data=delivery.payload,
    )
    headers = signing.headers(
        event=delivery.event,
        event_id=event_id,
        timestamp=int(time.time()),
        secret=endpoint.secret,
        body=body,
    )
    status_code: int | None = None
    refused = False  # by the SSRF guard: no later attempt would be allowed either
    try:
        answer = transport.post(
            endpoint.url,
            body=body,
            headers=headers,
            timeout=timeout,
            allow_private=settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS,
        )
    except transport.BlockedHostError as exc:
        error, refused = str(exc), True
    except transport.TransportError as exc:
        error = str(exc)
    else:
        status_code = answer.status
        if 200 <= answer.status < 300:
            WebhookDelivery.objects.filter(pk=delivery.pk, status=PENDING, attempts=attempt).update(
                status=DELIVERED,
                delivered_at=timezone.now(),
                last_status_code=status_code,
                last_error="",
                next_attempt_at=None,
            )
            return SendResult("delivered")
        error = _answer_error(answer)

    changes: dict[str, Any] = {"last_status_code": status_code, "last_error": _truncate(error)}
    result: SendResult
    if refused or attempt >= settings.WEBHOOKS_MAX_ATTEMPTS:
        changes.update(status=FAILED, next_attempt_at=None)
        result = SendResult("failed")
    else:
        delay = webhook_retry_delay(attempt=attempt)
        changes["next_attempt_at"] = timezone.now() + timedelta(seconds=delay)
        result = SendResult("retry", retry_in=delay)
    WebhookDelivery.objects.filter(pk=delivery.pk, status=PENDING, attempts=attempt).update(
        **changes
    )
    return result


def webhook_deliveries_retry_due(*, now: datetime | None = None) -> list[int]:
    """The sweeper (every minute): re-enqueue pending deliveries due for SWEEP_GRACE or more,
    i.e. whose message was lost or whose worker died mid-attempt. Returns their ids.

    Safe to overlap: each delivery is taken with a conditional update on `next_attempt_at`
    (moved to now), so two sweeps enqueue it once, and the next sweeps leave it alone for
    SWEEP_GRACE while the queue works through it.
    """
    now = now or timezone.now()
    cutoff = now - SWEEP_GRACE
    due = (
        WebhookDelivery.objects.filter(status=PENDING)
        .filter(
            Q(next_attempt_at__lte=cutoff) | Q(next_attempt_at__isnull=True, created_at__lte=cutoff)
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "next_attempt_at")[:SWEEP_BATCH]
    )
    taken = [
        pk
        for pk, due_at in list(due)
        if WebhookDelivery.objects.filter(pk=pk, status=PENDING, next_attempt_at=due_at).update(
            next_attempt_at=now
        )
    ]
    if taken:
        _enqueue_on_commit(taken)
    return taken
