from django import template
from django.template.loader import render_to_string

from maestro.decisions import selectors

register = template.Library()


@register.simple_tag
def process_economics_panel(process) -> str:
    """Economics of one process (the process page)."""
    row = next(
        r
        for r in selectors.process_economics(engagement=process.engagement)
        if r.process == process
    )
    return render_to_string("decisions/_process_economics.html", {"row": row})


@register.filter
def percent(value) -> str:
    """0.8500 → '85.0%'; None → '—'."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"
