"""The handoff document's URLs for the product's own files (handoff/document/assets.py): what
WeasyPrint hands the fetcher, and the static files behind them, refused outside their root."""

from urllib.parse import unquote

import pytest
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from handoff.document.assets import (
    AssetRefused,
    content_type,
    media_path,
    static_file_bytes,
    static_path,
    static_url,
)


def test_a_shipped_font_is_read_through_the_static_files():
    data = static_file_bytes("fonts/IBMPlexSans-Regular.ttf")
    assert data[:4] == b"\x00\x01\x00\x00"  # a TrueType font
    assert content_type("fonts/IBMPlexSans-Regular.ttf") == "font/ttf"
    assert content_type("handoff/document.css") == "text/css"


def test_urls_name_paths_and_back():
    assert static_url("fonts/IBMPlexSans-Regular.ttf") == (
        "maestro:/static/fonts/IBMPlexSans-Regular.ttf"
    )
    assert static_path("maestro:/static/fonts/IBMPlexSans-Regular.ttf") == (
        "fonts/IBMPlexSans-Regular.ttf"
    )
    assert static_path("maestro:/static/a%20b/%C3%A9.css") == "a b/é.css"
    assert media_path("maestro:/media/handoff/1/doc.pdf") == "handoff/1/doc.pdf"
    # Not this contract's URLs: somebody else's to refuse.
    for url in ("https://example.com/x.ttf", "file:///etc/passwd", "/static/x.css", "maestro:x"):
        assert static_path(url) is None and media_path(url) is None
    assert static_path("maestro:/media/x.png") is None


@pytest.mark.parametrize(
    "path",
    [
        "../settings.py",
        "fonts/../../manage.py",
        "fonts/%2e%2e/x",
        "/etc/passwd",
        "fonts//x.ttf",
        "./fonts/x.ttf",
        ".env",
        "fonts/.hidden",
        "C:/windows/win.ini",
        "fonts\\x.ttf",
        "fonts/x\x00.ttf",
        "",
        "x" * 301,
    ],
)
def test_paths_outside_the_root_are_refused(path):
    with pytest.raises(AssetRefused):
        static_file_bytes(unquote(path))
    with pytest.raises(AssetRefused):
        static_path("maestro:/static/" + path)


@pytest.mark.parametrize(
    "url",
    [
        "maestro:/static/fonts/x.ttf?y=1",
        "maestro:/static/fonts/x.ttf#frag",
        "maestro:/static/%2e%2e/manage.py",
        "maestro:/static/fonts/%2F%2Fetc/passwd",
    ],
)
def test_urls_with_a_query_a_fragment_or_an_escape_are_refused(url):
    with pytest.raises(AssetRefused):
        static_path(url)


def test_a_file_that_is_not_there_is_refused():
    with pytest.raises(AssetRefused):
        static_file_bytes("fonts/NoSuchFont.ttf")


def test_weasyprint_hands_maestro_urls_to_the_fetcher_as_written():
    """The contract's premise, on the WeasyPrint installed: with no base URL, absolute maestro:
    URLs reach the fetcher (percent-encoded where a URI must be) and relative or root-relative
    ones never do."""
    asked = []

    class Recording(URLFetcher):
        def fetch(self, url, headers=None):
            asked.append(url)
            if url.endswith(".ttf"):
                return URLFetcherResponse(url, static_file_bytes("fonts/DejaVuSans.ttf"))
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
