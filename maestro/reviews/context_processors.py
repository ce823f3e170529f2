from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from maestro.reviews.selectors import user_has_review_queue


def review_queue(request: HttpRequest) -> dict:
    """`has_review_queue` for base.html's navigation: asked (one query) only when a template
    reads it, at most once per request."""
    return {"has_review_queue": SimpleLazyObject(lambda: user_has_review_queue(user=request.user))}
