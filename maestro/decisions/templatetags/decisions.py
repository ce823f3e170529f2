from django import template

register = template.Library()


@register.filter
def percent(value) -> str:
    """0.8500 → '85.0%'; None → '—'."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"
