"""What the audit tests share."""

from maestro.audit.models import AuditEntry


def only(event: str, **filters) -> AuditEntry:
    """The one entry of `event` (matching `filters`): a service records each change once."""
    entries = list(AuditEntry.objects.filter(event=event, **filters))
    assert len(entries) == 1, f"{len(entries)} entries of {event}, not 1: {entries}"
    return entries[0]
