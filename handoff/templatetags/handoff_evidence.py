"""`{% plan_evidence plan %}`: a plan's evidence (agreement per competency, the operator's weekly
work) rendered by handoff/_evidence.html with its own data, so any page that has a plan can
show it with one tag, or with a bare `{% include "handoff/_evidence.html" %}` (the partial calls
this tag when it is included without its data)."""

from django import template

from handoff.selectors.evidence import plan_evidence_panel

register = template.Library()


@register.inclusion_tag("handoff/_evidence.html")
def plan_evidence(plan, weeks: int = 8) -> dict:
    if plan is None or not getattr(plan, "pk", None):
        return {"evidence": None, "evidence_missing": True}
    return {"evidence": plan_evidence_panel(plan, weeks=weeks), "evidence_missing": False}


@register.filter
def week_label(monday) -> str:
    """2026-W03 for the Monday of an ISO week."""
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d}"


@register.filter
def agreement_of(weeks: dict, monday):
    """A competency's agreement in one week (None when it had no case that week)."""
    return weeks.get(monday) if weeks else None
