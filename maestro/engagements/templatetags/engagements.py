from django import template

from maestro.engagements.navigation import engagement_nav as nav_items

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
        )
    }
