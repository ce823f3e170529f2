"""The one URL fetcher the handoff PDF is rendered with: deny by default.

(Skeleton: it refuses every URL; serving the product's own static files and media by path comes
next.)"""

from weasyprint.urls import URLFetcher


class DocumentFetcher(URLFetcher):
    """Refuses every URL WeasyPrint asks for."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)

    def fetch(self, url, headers=None):
        raise ValueError(f"The handoff document fetches nothing: {url[:200]}")
