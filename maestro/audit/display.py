"""An entry as people read it: each changed field as before → after, and its other facts.
Pure functions of the entry (no query), used by the activity page."""

import json
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from maestro.audit.models import AuditEntry
from maestro.lib.formats import when

EMPTY = "—"


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


def field_label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def value_text(value: Any) -> str:
    """A stored value as text: nothing as a dash, lists joined, a gate check by its label, a
    moment in the site's time zone."""
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(value_text(item) for item in value)
    if isinstance(value, dict):
        return str(value.get("label") or json.dumps(value, ensure_ascii=False, sort_keys=True))
    if isinstance(value, str) and "T" in value and (moment := _moment(value)) is not None:
        return when(moment)
    return str(value)


def _moment(text: str):
    try:
        moment = parse_datetime(text)
    except ValueError:
        return None
    return moment if moment is not None and timezone.is_aware(moment) else None


def entry_changes(entry: AuditEntry) -> list[Change]:
    return [
        Change(field_label(field), value_text(before), value_text(after))
        for field, (before, after) in entry.changes.items()
    ]


def entry_details(entry: AuditEntry) -> list[tuple[str, str]]:
    """The entry's other facts worth reading (a reason, a note, row counts); empty ones and
    ids of related rows (the object column names the object) are left out."""
    return [
        (field_label(key), value_text(value))
        for key, value in entry.data.items()
        if value not in (None, "", [], {}) and key not in _IDS
    ]


# Ids of rows the entry points to, kept for the API and CSV.
_IDS = {"transition", "decision", "review_task", "import_job"}
