"""Audit entries for the activity tests, written as the services write them."""

from contextlib import nullcontext
from datetime import datetime
from unittest import mock

from django.db import transaction
from django.utils import timezone

from maestro.audit.events import AuditEvent
from maestro.audit.models import AuditEntry
from maestro.audit.services import Actor, audit_record


def record(
    event: AuditEvent = AuditEvent.ENGAGEMENT_CHANGED,
    *,
    engagement=None,
    client=None,
    actor=None,
    at: datetime | None = None,
    **facts,
) -> AuditEntry:
    """One entry of `engagement` (or of `client` alone), by `actor` (default: the engagement's
    lead), at `at` (default: now; the entry takes the clock's time, as in the product)."""
    clock = mock.patch.object(timezone, "now", lambda: at) if at else nullcontext()
    with clock, transaction.atomic():
        return audit_record(
            event,
            actor=actor or (engagement.lead if engagement else Actor.system("test")),
            client=client or engagement.client,
            engagement=engagement,
            **facts,
        )
