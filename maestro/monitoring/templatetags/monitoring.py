"""Figures as the Monitoring page and the weekly summary print them: one decimal, half up, the
same rounding as the trend sentence (selectors.trend.percent_one_decimal)."""

from decimal import Decimal

from django import template

from maestro.lib.formats import percent_text
from maestro.monitoring.selectors.trend import RateChange

register = template.Library()

ARROWS = {"up": "▲", "down": "▼", "level": "▶", "": ""}


@register.filter
def pct(share: Decimal | None) -> str:
    """0.9234 → "92.3%"; None → "—" (the one format, maestro.lib.formats.pct)."""
    return percent_text(share)


@register.filter
def change_arrow(change: RateChange) -> str:
    return ARROWS[change.direction]


@register.filter
def change_words(change: RateChange) -> str:
    """ "down 1.8 points", "up 0.5 points", "level" or "" (no comparison)."""
    points = change.points
    if points is None:
        return ""
    if not points:
        return "level"
    size = abs(points)
    return f"{change.direction} {size} point{'' if size == 1 else 's'}"
