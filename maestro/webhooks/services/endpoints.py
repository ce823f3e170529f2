"""Webhook endpoints: create, update, delete, reveal and rotate their signing secret."""

import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from maestro.audit.events import AuditEvent
from maestro.audit.services import audit_record
from maestro.engagements.models import Engagement
from maestro.engagements.scoping import require_engagement_manager
from maestro.tenancy.models import User
from maestro.webhooks import transport
from maestro.webhooks.models import (
    SUBSCRIBABLE_EVENTS,
    WebhookEndpoint,
)

# What a write by anyone but the engagement's consultants is refused with.
WEBHOOKS_MANAGERS_ONLY = gettext_lazy("Only the engagement's consultants can manage its webhooks.")

SECRET_PREFIX = "whsec_"


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


def _record(event: AuditEvent, *, endpoint: WebhookEndpoint, by: User, **facts: Any) -> None:
    # The signing secret is never recorded, only that it was rotated.
    audit_record(
        event,
        actor=by,
        client=endpoint.engagement.client_id,
        engagement=endpoint.engagement_id,
        target=endpoint,
        **facts,
    )


def webhook_secret_generate() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def webhook_endpoint_create(
    *, engagement: Engagement, url: str, events: list[str], by: User, active: bool = True
) -> WebhookEndpoint:
    """A new endpoint with a fresh signing secret (shown to the engagement's consultants)."""
    require_engagement_manager(by, engagement, message=WEBHOOKS_MANAGERS_ONLY)
    endpoint = WebhookEndpoint(
        engagement=engagement,
        url=_clean_url(url),
        events=_clean_events(events),
        active=active,
        secret=webhook_secret_generate(),
    )
    endpoint.full_clean()
    endpoint.save()
    _record(
        AuditEvent.WEBHOOK_CREATED,
        endpoint=endpoint,
        by=by,
        changes={field: (None, getattr(endpoint, field)) for field in ("url", "events", "active")},
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_update(
    *, endpoint: WebhookEndpoint, by: User, **changes: Any
) -> WebhookEndpoint:
    """Change `url`, `events` or `active`. Deliveries already queued keep their endpoint; an
    endpoint switched off stops sending them (they end as failed)."""
    require_engagement_manager(by, endpoint.engagement, message=WEBHOOKS_MANAGERS_ONLY)
    unknown = set(changes) - {"url", "events", "active"}
    if unknown:
        raise ValueError(f"webhook_endpoint_update cannot change {sorted(unknown)}")
    before = {field: getattr(endpoint, field) for field in changes}
    if "url" in changes:
        endpoint.url = _clean_url(changes["url"])
    if "events" in changes:
        endpoint.events = _clean_events(changes["events"])
    if "active" in changes:
        endpoint.active = changes["active"]
    endpoint.full_clean()
    endpoint.save()
    changed = {
        field: (old, getattr(endpoint, field))
        for field, old in before.items()
        if getattr(endpoint, field) != old
    }
    if changed:
        _record(AuditEvent.WEBHOOK_CHANGED, endpoint=endpoint, by=by, changes=changed)
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, by: User) -> None:
    """Deletes the endpoint and its delivery log; to keep the log, deactivate it instead."""
    require_engagement_manager(by, endpoint.engagement, message=WEBHOOKS_MANAGERS_ONLY)
    # Recorded first: the entry names the endpoint by its id, which the delete clears.
    _record(
        AuditEvent.WEBHOOK_DELETED,
        endpoint=endpoint,
        by=by,
        changes={field: (getattr(endpoint, field), None) for field in ("url", "events", "active")},
    )
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
    require_engagement_manager(by, endpoint.engagement, message=WEBHOOKS_MANAGERS_ONLY)
    endpoint.secret = webhook_secret_generate()
    endpoint.save(update_fields=["secret"])
    _record(AuditEvent.WEBHOOK_CHANGED, endpoint=endpoint, by=by, data={"secret_rotated": True})
    return endpoint
