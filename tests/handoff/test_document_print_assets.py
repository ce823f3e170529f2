"""How the print frame names and reads the product's static files (handoff/document/assets.py):
through the one fetcher, whose tests (test_document_fetch*.py) check the URL contract itself."""

from pathlib import Path

import pytest
from django.conf import settings
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from handoff.document.assets import static_text, static_url
from handoff.document.fetcher import DocumentFetcher, FetchRefused
from tests.handoff.print_fixtures import FONTS_DIR


def test_a_static_files_url_is_served_by_the_fetcher():
    url = static_url("fonts/IBMPlexSans-Regular.ttf")

    assert url == "maestro:/static/fonts/IBMPlexSans-Regular.ttf"
    response = DocumentFetcher().fetch(url)
    assert response.content_type == "font/ttf"
    data = response.read()
    assert data[:4] == b"\x00\x01\x00\x00"  # a TrueType font
    assert data == (FONTS_DIR / "IBMPlexSans-Regular.ttf").read_bytes()


def test_the_stylesheet_is_read_through_the_fetcher():
    css = Path(settings.BASE_DIR) / "static" / "handoff" / "document.css"

    assert static_text("handoff/document.css") == css.read_text(encoding="utf-8")
    # The same gatekeeper as every fetch: no second, laxer way to a file.
    for path in ("../manage.py", "handoff/missing.css", "fonts/.hidden.css"):
        with pytest.raises(FetchRefused):
            static_text(path)


def test_weasyprint_hands_maestro_urls_to_the_fetcher_as_written():
    """The contract's premise, on the WeasyPrint installed: with no base URL, absolute maestro:
    URLs reach the fetcher (percent-encoded where a URI must be) and relative or root-relative
    ones never do."""
    asked = []
    font = (FONTS_DIR / "DejaVuSans.ttf").read_bytes()

    class Recording(URLFetcher):
        def fetch(self, url, headers=None):
            asked.append(url)
            if url.endswith(".ttf"):
                return URLFetcherResponse(url, font)
            raise ValueError("refused")

    html = """<style>@font-face { font-family: X; src: url("maestro:/static/fonts/a.ttf") }
    @font-face { font-family: Y; src: url("/static/fonts/b.ttf") } body { font-family: X }
    </style><link rel="stylesheet" href="maestro:/static/a b/é.css">
    <img src="fonts/c.png"><img src="/static/d.png"><img src="maestro:/media/e.png"><p>Hi</p>"""
    HTML(string=html, base_url=None, url_fetcher=Recording()).write_pdf()

    assert sorted(asked) == [
        "maestro:/media/e.png",
        "maestro:/static/a%20b/%C3%A9.css",
        "maestro:/static/fonts/a.ttf",
    ]
