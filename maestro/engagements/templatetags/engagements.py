from django import template

from maestro.engagements.navigation import engagement_nav as nav_items
from maestro.engagements.scoping import is_sponsor_only

register = template.Library()


@register.inclusion_tag("engagements/_nav.html", takes_context=True)
def engagement_nav(context, engagement, current: str = "") -> dict:
    """`{% engagement_nav engagement "training" %}`: the engagement's section links for the
    signed-in user, the page's own section marked current. Pages whose view passes
    `can_manage` (most do, for their buttons) cost no query here."""
    return {
        "items": nav_items(
            user=context["request"].user,
            engagement=engagement,
            current=current,
            manager=context.get("can_manage"),
            worker=context.get("can_work"),
        )
    }


@register.simple_tag(takes_context=True)
def shows_tooling(context) -> bool:
    """`{% shows_tooling as tooling %}`: whether the top navigation offers the consultants' and
    operators' tooling (status page, API docs); sponsors only read. What the page already knows
    answers without a query: staff, the engagement's consultants (`can_manage`), its workers
    (`can_work`) and operators (`has_review_queue`) are not sponsors; a view that asked passes
    `sponsor_only`. Otherwise one query, once per request."""
    request = context["request"]
    if not hasattr(request, "_shows_tooling"):
        user = request.user
        if "sponsor_only" in context:
            shows = not context["sponsor_only"]
        elif user.is_staff or any(context.get(k) for k in ("can_manage", "can_work")):
            shows = True
        elif context.get("has_review_queue"):
            shows = True
        else:
            shows = not is_sponsor_only(user)
        request._shows_tooling = shows
    return request._shows_tooling
