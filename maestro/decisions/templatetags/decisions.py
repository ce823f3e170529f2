from django import template

from maestro.lib.formats import percent_text

register = template.Library()


@register.filter
def percent(value) -> str:
    """0.8500 → '85.0%'; None → '—' (the one format, maestro.lib.formats.pct)."""
    return percent_text(value)
