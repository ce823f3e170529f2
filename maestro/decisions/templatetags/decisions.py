from django import template
from django.template.loader import render_to_string

from maestro.decisions import selectors
from maestro.tenancy.scoping import can_manage_engagement

register = template.Library()


@register.simple_tag(takes_context=True)
def deployment_panel(context, engagement) -> str:
    """The engagement page's "Deployment" panel: live metrics and economics. The caller has
    already scoped `engagement` to the user."""
    rows = selectors.process_economics(engagement=engagement)
    return render_to_string(
        "decisions/_deployment_panel.html",
        {
            "engagement": engagement,
            "metrics": selectors.deployment_metrics(engagement=engagement),
            "economics": rows,
            "total": selectors.economics_total(rows),
            "can_manage": can_manage_engagement(context["request"].user, engagement),
        },
    )


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
