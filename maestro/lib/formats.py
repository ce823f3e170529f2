"""How every page prints numbers and moments: percentages with one decimal (half up), counts
with thousands separators, and one date-time format in the active time zone (the engagement's
client's on engagement pages, maestro.lib.timezones). A builtin template library (settings
TEMPLATES "builtins"), so no template needs `{% load %}` for it."""

import json
from datetime import date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import formats, timezone

register = template.Library()

DATETIME_FORMAT = "j M Y, H:i"
DATE_FORMAT = "j M Y"
_ONE_DECIMAL = Decimal("0.1")


def _decimal(value) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def percent_text(value, *, share: bool = True) -> str:
    """0.9234 → "92.3%" (a share), or 92.34 → "92.3%" with share=False; None → "—"."""
    number = _decimal(value)
    if number is None:
        return "—"
    if share:
        number *= 100
    return f"{intcomma(number.quantize(_ONE_DECIMAL, rounding=ROUND_HALF_UP))}%"


@register.filter
def pct(value, unit: str = "share") -> str:
    """The one percentage filter: `{{ share|pct }}` for 0–1 values, `{{ value|pct:"percent" }}`
    for values already in percent (training's accuracies)."""
    return percent_text(value, share=unit != "percent")


@register.filter
def points(value) -> str:
    """A change in percentage points, signed: 18.0 → "+18.0 points"; None → "—"."""
    number = _decimal(value)
    if number is None:
        return "—"
    number = number.quantize(_ONE_DECIMAL, rounding=ROUND_HALF_UP)
    sign = "+" if number > 0 else ("−" if number < 0 else "±")
    return f"{sign}{abs(number)} points"


@register.filter
def money(value) -> str:
    """An amount with thousands separators and two decimals: 10000 → "10,000.00"."""
    number = _decimal(value)
    if number is None:
        return "—"
    return intcomma(f"{number:.2f}", use_l10n=False)


@register.filter
def count(value) -> str:
    """An integer with thousands separators: 24000 → "24,000"."""
    return intcomma(value, use_l10n=False) if isinstance(value, int) else str(value)


def _zone(source):
    """A zone from `source`: a tzinfo, or anything with a `tzinfo` (a Client); None for none."""
    if source in (None, ""):
        return None
    return source if isinstance(source, tzinfo) else getattr(source, "tzinfo", None)


@register.filter
def when(value, zone=None) -> str:
    """A moment in the one date-time format, in the active time zone (the engagement's client's
    on its pages) or in `zone`'s (`{{ task.due_at|when:task.engagement.client }}`, for lists
    that span clients); a date alone as a date."""
    if value in (None, ""):
        return "—"
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value, _zone(zone))
        return formats.date_format(value, DATETIME_FORMAT)
    if isinstance(value, date):
        return formats.date_format(value, DATE_FORMAT)
    return str(value)


@register.filter
def day(value, zone=None) -> str:
    """The day of a moment (in the active zone, or `zone`'s) or a date, in the one date format."""
    if value in (None, ""):
        return "—"
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value, _zone(zone))
    if isinstance(value, date):
        return formats.date_format(value, DATE_FORMAT)
    return str(value)


@register.filter
def json_pretty(value) -> str:
    """A JSON value indented for reading (escaped by the template like any other text)."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)
