"""The handoff document's own static files, as the print frame names and reads them.

The document names the product's files by `maestro:/static/<path>` URLs, the contract that
`fetcher.py` (the one gatekeeper) describes, checks and serves. The frame needs two things of
it: the URL of a static file, and the text of its print stylesheet, inlined into the HTML so
the print preview shows the same document; that text is read through the fetcher too.
"""

from urllib.parse import quote

from handoff.document.fetcher import STATIC_PREFIX, DocumentFetcher


def static_url(path: str) -> str:
    """The document's URL for the static file `path` ("fonts/IBMPlexSans-Regular.ttf"), as
    `{% static %}` names it on a page. Not checked here: the fetcher checks what it serves."""
    return STATIC_PREFIX + quote(path)


def static_text(path: str) -> str:
    """The text (UTF-8) of the static file `path`, read as the document's fetcher serves it;
    raises FetchRefused as the fetcher does."""
    response = DocumentFetcher().fetch(static_url(path))
    try:
        return response.read().decode(response.charset or "utf-8")
    finally:
        response.close()
