from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from maestro.reviews.selectors import review_queue_nav


def review_queue(request: HttpRequest) -> dict:
    """ "My queue" in base.html's navigation: `review_queue_nav` ({"show", "open"}: whether to
    offer it and its open count) and `has_review_queue`. Asked (one query) only when a template
    reads them, and at most once per request, however many templates render."""

    def nav() -> dict:
        cached = getattr(request, "_review_queue_nav", None)
        if cached is None:
            cached = review_queue_nav(user=getattr(request, "user", None))
            request._review_queue_nav = cached  # type: ignore[attr-defined]
        return cached

    return {
        "review_queue_nav": SimpleLazyObject(nav),
        "has_review_queue": SimpleLazyObject(lambda: nav()["show"]),
    }
