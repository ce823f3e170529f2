from django import template

from maestro.engagements.scoping import is_operator
from maestro.reviews.models import ReviewTask

register = template.Library()


@register.filter
def has_review_queue(user) -> bool:
    """Show "My queue" in the main navigation to operators and to anyone holding an open
    task. One query, made only where base.html asks."""
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        is_operator(user)
        or ReviewTask.objects.filter(assignee=user, status=ReviewTask.Status.OPEN).exists()
    )
