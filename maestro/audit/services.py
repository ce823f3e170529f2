"""Writing the audit trail.

Each service that changes state calls `audit_record` inside its own transaction, so the entry
and the change commit or roll back together (like Zulip's RealmAuditLog: explicit domain
events, not model diffs). Nothing else writes `AuditEntry`.
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models

from maestro.audit.events import AuditEvent
from maestro.audit.models import AuditEntry
from maestro.tenancy.models import Client, User

_LABEL_LENGTH = AuditEntry._meta.get_field("actor_label").max_length or 200
_TARGET_LENGTH = AuditEntry._meta.get_field("target_label").max_length or 300


@dataclass(frozen=True)
class Actor:
    """Who made a change: a person, an agent API key, or a scheduled job."""

    kind: str
    label: str
    user: User | None = None
    key_id: int | None = None

    @classmethod
    def for_user(cls, user: User) -> "Actor":
        return cls(AuditEntry.ActorKind.USER, str(user)[:_LABEL_LENGTH], user=user)

    @classmethod
    def for_key(cls, api_key: Any) -> "Actor":
        """An agent API key (decisions.AgentApiKey; typed loosely because it sits above)."""
        label = f"{api_key.name} ({api_key.prefix}…)"
        return cls(AuditEntry.ActorKind.AGENT_KEY, label[:_LABEL_LENGTH], key_id=api_key.pk)

    @classmethod
    def system(cls, job: str) -> "Actor":
        return cls(AuditEntry.ActorKind.SYSTEM, job[:_LABEL_LENGTH])


def _actor(actor: "Actor | User") -> Actor:
    return actor if isinstance(actor, Actor) else Actor.for_user(actor)


def _jsonable(value: Any) -> Any:
    """Decimals, dates and UUIDs as the API writes them, so the entry reads the same later."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _changes(changes: Mapping[str, tuple[Any, Any]] | None) -> dict[str, list[Any]]:
    return {
        field: [_jsonable(before), _jsonable(after)]
        for field, (before, after) in (changes or {}).items()
        if before != after
    }


def audit_entry(
    event: AuditEvent,
    *,
    actor: "Actor | User",
    client: Client | int,
    engagement: Any = None,
    target: models.Model | None = None,
    changes: Mapping[str, tuple[Any, Any]] | None = None,
    data: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """An unsaved entry (for `audit_record_many`)."""
    who = _actor(actor)
    return AuditEntry(
        event=AuditEvent(event).value,
        actor_kind=who.kind,
        actor_user=who.user,
        actor_key_id=who.key_id,
        actor_label=who.label,
        client_id=client if isinstance(client, int) else client.pk,
        engagement_id=engagement if isinstance(engagement, int | None) else engagement.pk,
        target_type=target._meta.label if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:_TARGET_LENGTH] if target is not None else "",
        changes=_changes(changes),
        data={key: _jsonable(value) for key, value in (data or {}).items()},
    )


def _require_transaction() -> None:
    # The entry must commit or roll back with the change it records.
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change.")


def audit_record(
    event: AuditEvent,
    *,
    actor: "Actor | User",
    client: Client | int,
    engagement: Any = None,
    target: models.Model | None = None,
    changes: Mapping[str, tuple[Any, Any]] | None = None,
    data: Mapping[str, Any] | None = None,
) -> AuditEntry:
    _require_transaction()
    entry = audit_entry(
        event,
        actor=actor,
        client=client,
        engagement=engagement,
        target=target,
        changes=changes,
        data=data,
    )
    entry.save()
    return entry


def audit_record_many(entries: Iterable[AuditEntry]) -> list[AuditEntry]:
    """Record a batch's entries (e.g. one per task a batch of decisions created) in one insert."""
    _require_transaction()
    return AuditEntry.objects.bulk_create(list(entries))
