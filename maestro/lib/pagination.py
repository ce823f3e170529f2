from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PAGE_SIZE = 50


def page_get(request: HttpRequest, items, *, per_page: int = PAGE_SIZE) -> tuple[Page, str]:
    """One page of `items` (an ordered queryset: the count and the slice are two queries
    whatever its size) from `?page=`, and the request's other query parameters, urlencoded,
    for the page links to keep the filters. An out-of-range or bogus page gives the last or
    the first page, as Paginator.get_page does."""
    page = Paginator(items, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
