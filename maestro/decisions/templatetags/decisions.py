from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from maestro.decisions import charts, selectors
from maestro.engagements.scoping import can_manage_engagement

register = template.Library()


@register.simple_tag(takes_context=True)
def deployment_panel(context, engagement) -> str:
    """The engagement page's "Deployment" panel: live metrics and economics. The caller has
    already scoped `engagement` to the user."""
    rows = selectors.process_economics(engagement=engagement)
    days = selectors.decision_daily_volume(engagement=engagement)
    return render_to_string(
        "decisions/_deployment_panel.html",
        {
            "engagement": engagement,
            "metrics": selectors.deployment_metrics(engagement=engagement),
            "days": days,
            "volume_chart": mark_safe(  # noqa: S308 - ElementTree output, every text escaped
                charts.decision_volume_svg(days=days)
            ),
            "volume_summary": charts.volume_summary(days),
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
