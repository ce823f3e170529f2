"""The activity list as CSV: one row per entry, newest first, at most EXPORT_MAX_ROWS."""

import json
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from maestro.audit.models import AuditEntry

# The most entries one export holds (README, "Limits"); narrow the dates for older ones.
EXPORT_MAX_ROWS = 50_000
# Rows fetched per database round trip while the file streams.
EXPORT_CHUNK = 2_000

HEADER = [
    "at",
    "event",
    "event_label",
    "actor_kind",
    "actor",
    "actor_user_id",
    "actor_key_id",
    "client_id",
    "engagement_id",
    "object_type",
    "object_id",
    "object",
    "changes",
    "details",
]


def _json(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""


def audit_export_rows(entries: QuerySet[AuditEntry]) -> Iterator[list[Any]]:
    """The first EXPORT_MAX_ROWS of `entries` (already ordered), fetched in chunks while the
    response streams; changes and details as JSON ({"field": [before, after]})."""
    for entry in entries[:EXPORT_MAX_ROWS].iterator(chunk_size=EXPORT_CHUNK):
        yield [
            entry.at.isoformat(),
            entry.event,
            entry.event_label,
            entry.actor_kind,
            entry.actor_label,
            entry.actor_user_id or "",
            entry.actor_key_id or "",
            entry.client_id,
            entry.engagement_id or "",
            entry.target_type,
            entry.target_id,
            entry.target_label,
            _json(entry.changes),
            _json(entry.data),
        ]


def audit_export_truncated(entries: QuerySet[AuditEntry]) -> bool:
    """Whether `entries` hold more than one export takes (one query)."""
    return entries[EXPORT_MAX_ROWS : EXPORT_MAX_ROWS + 1].exists()
