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
import secrets
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from maestro.engagements.models import Engagement
from maestro.engagements.scoping import require_engagement_manager
from maestro.exceptions import StateConflict
from maestro.tenancy.models import User
from maestro.webhooks import signing, transport
from maestro.webhooks.models import (
    SUBSCRIBABLE_EVENTS,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

PENDING = WebhookDelivery.Status.PENDING
DELIVERED = WebhookDelivery.Status.DELIVERED
FAILED = WebhookDelivery.Status.FAILED

SECRET_PREFIX = "whsec_"
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


# --- endpoints ---------------------------------------------------------------------------------


def _require_manage(by: User, engagement: Engagement) -> None:
    require_engagement_manager(
        by, engagement, message=_("Only the engagement's consultants can manage its webhooks.")
    )


def _clean_events(events: list[str]) -> list[str]:
    unknown = [event for event in events if event not in SUBSCRIBABLE_EVENTS]
    if unknown:
        raise ValidationError(
            {
                "events": [
                    _("“%(event)s” is not a webhook event; choose from %(choices)s.")
                    % {"event": unknown[0], "choices": ", ".join(SUBSCRIBABLE_EVENTS)}
                ]
            }
        )
    if not events:
        raise ValidationError({"events": [_("Choose at least one event.")]})
    # Canonical order, no duplicates: the list is compared and shown as is.
    return [str(event) for event in SUBSCRIBABLE_EVENTS if event in set(events)]


def _clean_url(url: str) -> str:
    problem = transport.url_problem(url)
    if problem:
        raise ValidationError({"url": [problem]})
    if not settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS and transport.host_is_literal_private(url):
        raise ValidationError(
            {"url": [_("The URL points to a private or loopback address; webhooks go out only.")]}
        )
    return url


def webhook_secret_generate() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def webhook_endpoint_create(
    *, engagement: Engagement, url: str, events: list[str], by: User, active: bool = True
) -> WebhookEndpoint:
    """A new endpoint with a fresh signing secret (shown to the engagement's consultants)."""
    _require_manage(by, engagement)
    endpoint = WebhookEndpoint(
        engagement=engagement,
        url=_clean_url(url),
        events=_clean_events(events),
        active=active,
        secret=webhook_secret_generate(),
    )
    endpoint.full_clean()
    endpoint.save()
    return endpoint


@transaction.atomic
def webhook_endpoint_update(
    *, endpoint: WebhookEndpoint, by: User, **changes: Any
) -> WebhookEndpoint:
    """Change `url`, `events` or `active`. Deliveries already queued keep their endpoint; an
    endpoint switched off stops sending them (they end as failed)."""
    _require_manage(by, endpoint.engagement)
    unknown = set(changes) - {"url", "events", "active"}
    if unknown:
        raise ValueError(f"webhook_endpoint_update cannot change {sorted(unknown)}")
    if "url" in changes:
        endpoint.url = _clean_url(changes["url"])
    if "events" in changes:
        endpoint.events = _clean_events(changes["events"])
    if "active" in changes:
        endpoint.active = changes["active"]
    endpoint.full_clean()
    endpoint.save()
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, by: User) -> None:
    """Deletes the endpoint and its delivery log; to keep the log, deactivate it instead."""
    _require_manage(by, endpoint.engagement)
    endpoint.delete()


def webhook_endpoint_secret_reveal(*, endpoint: WebhookEndpoint, by: User) -> str:
    """The signing secret, for the engagement's consultants only: client operators and
    sponsors read the endpoints and their log, never the key that signs them."""
    require_engagement_manager(
        by,
        endpoint.engagement,
        message=_("Only the engagement's consultants can see a webhook's signing secret."),
    )
    return endpoint.secret


@transaction.atomic
def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint, by: User) -> WebhookEndpoint:
    """A new secret at once; attempts from now on are signed with it (retries included)."""
    _require_manage(by, endpoint.engagement)
    endpoint.secret = webhook_secret_generate()
    endpoint.save(update_fields=["secret"])
    return endpoint


# --- events and deliveries ---------------------------------------------------------------------


def _enqueue_on_commit(ids: list[int]) -> None:
    def enqueue() -> None:
        from maestro.webhooks.tasks import webhook_delivery_send_task

        for delivery_id in ids:
            webhook_delivery_send_task.delay(delivery_id)

    transaction.on_commit(enqueue)


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
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(engagement=engagement, active=True)
        if event in endpoint.events
    ]
    if not endpoints or not payloads:
        return 0
    now = timezone.now()
    rows: list[WebhookDelivery] = []
    for payload in payloads:
        event_id = uuid.uuid4()
        rows.extend(
            WebhookDelivery(
                endpoint=endpoint,
                event=event,
                event_id=event_id,
                payload=payload,
                next_attempt_at=now,
            )
            for endpoint in endpoints
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
    _require_manage(by, endpoint.engagement)
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
    _require_manage(by, endpoint.engagement)
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
