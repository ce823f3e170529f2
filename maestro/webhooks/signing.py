"""The wire format of a webhook: body bytes, headers and signature. Pure functions; the
verification recipe in README.md ("Webhooks") must keep matching `signature`."""

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

USER_AGENT = "Maestro-Webhooks/1"


def body_bytes(
    *,
    event_id: str,
    event: str,
    created_at: datetime,
    engagement_id: int,
    engagement_name: str,
    data: dict[str, Any],
) -> bytes:
    """Compact, sorted JSON: the same delivery gives the same bytes on every attempt."""
    document = {
        "id": event_id,
        "event": event,
        "created_at": created_at.isoformat(),
        "engagement": {"id": engagement_id, "name": engagement_name},
        "data": data,
    }
    return json.dumps(
        document, cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True, ensure_ascii=False
    ).encode("utf-8")


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the endpoint secret. The
    timestamp is signed too, so a captured request cannot be replayed later with a new one."""
    message = str(timestamp).encode("ascii") + b"." + body
    return "sha256=" + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def headers(*, event: str, event_id: str, timestamp: int, secret: str, body: bytes) -> dict:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Maestro-Event": event,
        "X-Maestro-Delivery": event_id,
        "X-Maestro-Timestamp": str(timestamp),
        "X-Maestro-Signature": signature(secret=secret, timestamp=timestamp, body=body),
    }
