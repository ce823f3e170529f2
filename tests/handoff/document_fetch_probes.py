"""What the fetch tests use to catch a leak: canary files with a random secret, a real HTTP
listener on loopback that counts every connection, a search of the whole PDF (raw bytes, every
stream decompressed, embedded files, the pages' text), and WeasyPrint's default fetcher as the
control that shows each vector does leak without ours."""

import http.client
import io
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pypdf
import pytest
from pypdf.generic import IndirectObject, StreamObject
from weasyprint.urls import URLFetcher

from handoff.document import fetcher, render
from handoff.document.render import BuiltDocument, document_pdf
from handoff.document.source import DocumentSource


@dataclass(frozen=True)
class Canary:
    """Three files that carry the same secret: as plain text (an attachment embeds it), as a
    stylesheet that prints it, and as an SVG image that draws it."""

    secret: str
    text: Path
    css: Path
    svg: Path

    def urls(self) -> dict[str, str]:
        return {"text": self.text.as_uri(), "css": self.css.as_uri(), "svg": self.svg.as_uri()}


def make_canary(folder: Path) -> Canary:
    secret = f"CANARY{secrets.token_hex(8).upper()}"
    text, css, svg = folder / "canary.txt", folder / "canary.css", folder / "canary.svg"
    text.write_text(f"{secret}\n")
    css.write_text(f'html::before {{ content: "{secret}"; }}\n')
    svg.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="40">'
        f'<text x="2" y="24" font-size="16">{secret}</text></svg>'
    )
    return Canary(secret=secret, text=text, css=css, svg=svg)


def _needles(secret: str) -> list[bytes]:
    plain, wide = secret.encode(), secret.encode("utf-16-be")
    return [plain, wide, plain.hex().encode(), plain.hex().upper().encode(), wide.hex().encode()]


def leak_in(pdf: bytes, secret: str) -> str | None:
    """Where the secret is in the PDF, or None: the raw bytes, then every stream decompressed
    (object streams, embedded files and attachments included), then each page's text."""
    needles = _needles(secret)
    if any(needle in pdf for needle in needles):
        return "raw bytes"
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    references = [(idnum, gen) for gen, ids in reader.xref.items() for idnum in ids]
    references += [(idnum, 0) for idnum in reader.xref_objStm]
    for idnum, gen in references:
        obj = reader.get_object(IndirectObject(idnum, gen, reader))
        if isinstance(obj, StreamObject):
            data = obj.get_data()
            if any(needle in data for needle in needles):
                return f"stream {idnum}"
        elif any(needle in repr(obj).encode() for needle in needles):
            return f"object {idnum}"
    for name, contents in reader.attachments.items():
        if any(secret.encode() in content for content in contents):
            return f"attachment {name}"
    for number, page in enumerate(reader.pages, start=1):
        if secret in page.extract_text():
            return f"text of page {number}"
    return None


def attachment_names(pdf: bytes) -> list[str]:
    return sorted(pypdf.PdfReader(io.BytesIO(pdf)).attachments)


def html_with(body: str) -> str:
    head = '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"></head>'
    return f"{head}<body>{body}</body></html>"


def render_html(html: str, engagement) -> bytes:
    """The product's own PDF path on hostile HTML, whatever the sections make."""
    source = DocumentSource(engagement=engagement)
    return document_pdf(BuiltDocument(html=html, data={}, title="t"), source)


@pytest.fixture
def engagement(db):
    from tests.engagements.factories import EngagementFactory

    return EngagementFactory()


@pytest.fixture
def default_fetcher(monkeypatch):
    """The control: the document rendered with WeasyPrint's default fetcher (every protocol,
    redirects followed), so a test can show the leak it guards against is real."""

    def make(*args, **kwargs):
        return URLFetcher()

    monkeypatch.setattr(render, "DocumentFetcher", make, raising=False)
    monkeypatch.setattr(fetcher, "DocumentFetcher", make)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "*")


SETTLE_PATH = "/__settled__"


class Listener:
    """A real HTTP server on 127.0.0.1 (random port) that counts every connection made to it,
    even one that never sends a request WeasyPrint would understand (TLS to a plain port).
    `redirect_to` makes every answer a 302 there."""

    def __init__(self, *, redirect_to: str | None = None) -> None:
        self.redirect_to = redirect_to
        self.requests: list[str] = []
        self._connections = 0
        self._settles = 0
        self._lock = threading.Lock()
        self._server = _Server(self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def connections(self) -> int:
        """Connections so far, not counting our own: one more request of ours is answered
        first, so any connection queued before it has been accepted and counted."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request("GET", SETTLE_PATH)
        conn.getresponse().read()
        conn.close()
        with self._lock:
            self._settles += 1
            return self._connections - self._settles

    def hit_paths(self) -> list[str]:
        return [path for path in self.requests if path != SETTLE_PATH]

    def _connected(self) -> None:
        with self._lock:
            self._connections += 1

    def __enter__(self) -> "Listener":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, listener: Listener) -> None:
        self.listener = listener
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request, client_address):
        self.listener._connected()
        super().process_request(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (http.server's API)
        listener = self.server.listener
        listener.requests.append(self.path)
        if listener.redirect_to and self.path != SETTLE_PATH:
            self.send_response(302)
            self.send_header("Location", listener.redirect_to)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.endswith(".css"):
            body, kind = b"p { color: red; }", "text/css"
        elif self.path.endswith(".svg"):
            body = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>'
            kind = "image/svg+xml"
        else:
            body, kind = b"listener", "text/plain"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET
    do_POST = do_GET

    def log_message(self, format, *args) -> None:
        pass


@contextmanager
def listeners() -> Iterator[tuple[Listener, Listener]]:
    """A listener, and a second one the first redirects to."""
    with Listener() as target, Listener(redirect_to=target.url("/redirected")) as redirector:
        yield redirector, target
