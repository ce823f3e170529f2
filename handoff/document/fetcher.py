"""The one URL fetcher the handoff PDF is rendered with: deny by default.

WeasyPrint asks its URL fetcher for every resource a document names: stylesheets (`<link>`,
`@import`), images (`<img>`, `<object>`, `<embed>`, CSS `url()`, SVG `<image>`), fonts
(`@font-face`, `local()` too, as a file: URL), colour profiles, and files to attach
(`<link rel=attachment>`, `<a rel=attachment>`). Its default fetcher reads file:, http(s):,
ftp: and data: URLs and follows redirects, so one hostile string that reached the HTML would
embed `/etc/passwd` in the PDF or call any host the worker can reach. `DocumentFetcher` answers
only the product's own files, named by path, and refuses everything else.

The contract (templates, stylesheets and sections name their assets this way):

- `maestro:/static/<path>`: the static file the staticfiles finders find at `<path>` (what
  `{% static "<path>" %}` names on a page), e.g. `maestro:/static/handoff/document.css`,
  `maestro:/static/fonts/<font>.woff2`. Types: STATIC_TYPES (stylesheets, fonts, images, ICC
  profiles).
- `maestro:/media/<name>`: the file stored under `<name>` in STORAGES["default"]
  (`default_storage.open`, never a filesystem path), only if it is a raster image (PNG, JPEG,
  GIF, WebP) by its content and its extension says the same. Media also holds generated PDFs
  and uploaded imports, of every client; none of them is ever served.
- Absolute URLs only. The document has no base URL, and urllib does not resolve relative
  references against an unknown scheme, so a stylesheet served from here names its fonts
  `maestro:/static/fonts/...` too (`url(../fonts/x.woff2)` arrives as "../fonts/x.woff2" and is
  refused). A root-relative `/static/...` or `/media/...` (the runbooks' sanitised HTML) never
  reaches the fetcher without a base URL; `own_url` turns it into the form above.
- `<path>`: segments of letters, digits, `_`, `-` and `.`, none starting with a dot, joined by
  single slashes; WeasyPrint's own percent-encoding of non-ASCII letters is decoded once, then
  checked. No query, fragment, `..`, backslash, encoded traversal (`%2e%2e`, `%5c`, `%252e`),
  absolute path or empty segment; a file whose real path (symlinks resolved) is outside the
  static roots or the media root is refused too.
- Sizes: at most MAX_ASSET_BYTES per file and MAX_TOTAL_BYTES for one rendering.

Everything else is refused: file:, http:, https:, ftp:, data: (a data: URL is no fetch, but it
would let content choose the bytes of an attachment in the signed archival PDF or feed the SVG
and image parsers; the product's own charts are inline SVG, so nothing needs it), other schemes,
other spellings (`MAESTRO:`, `maestro://static/...`). Redirects cannot happen: no URL here
reaches a network, and the fetcher builds none of urllib's handlers. A refusal raises
FetchRefused (a ValueError): WeasyPrint logs it and renders on without the resource; the fetcher
logs a warning too (the first MAX_LOGGED_REFUSALS of a rendering). One exception is WeasyPrint
70's own: it does not catch a failed `@color-profile` fetch, so a refused one stops the
rendering (nothing is fetched; the job fails naming the URL). The product's templates use no
colour profile.

Limit: an image in media is served whoever uploaded it; media has no per-client prefix yet.
Today media holds no uploaded images (only generated PDFs and imports, never served); a
feature that stores clients' images there should give them a per-client prefix and this
fetcher that prefix.
"""

import logging
import os
import re
from urllib import request
from urllib.parse import unquote

from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

SCHEME = "maestro"
STATIC_PREFIX = f"{SCHEME}:/static/"
MEDIA_PREFIX = f"{SCHEME}:/media/"

# One file, and everything one rendering reads (fonts, stylesheets, images).
MAX_ASSET_BYTES = 8 * 1024 * 1024
MAX_TOTAL_BYTES = 64 * 1024 * 1024
# A URL longer than this is refused before it is looked at.
MAX_URL_CHARS = 1024
MAX_LOGGED_REFUSALS = 20

# Static files the document may use, by extension, with the type WeasyPrint is told (it
# checks `text/css` for `<link rel=stylesheet>`). A fixed table: not the host's mime.types.
STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
    ".icc": "application/vnd.iccprofile",
}

# Media: raster images only, recognised by their first bytes; the extension must agree.
MEDIA_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}

# One path segment once decoded: word characters (Unicode letters and digits, `_`), `-`, `.`,
# not starting with a dot (no `.`, `..`, or hidden files).
_SEGMENT = re.compile(r"(?:\w|-)[\w.-]*")


class FetchRefused(ValueError):
    """A URL the handoff document does not fetch; WeasyPrint skips the resource."""


def own_url(site_path: str) -> str | None:
    """The document's URL for a page's own `/static/...` or `/media/...` path (the form the
    runbooks' sanitised HTML uses), or None for anything else."""
    for site, document in (("/static/", STATIC_PREFIX), ("/media/", MEDIA_PREFIX)):
        if site_path.startswith(site):
            return document + site_path.removeprefix(site)
    return None


def _sniffed_image_type(head: bytes) -> str | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _checked_path(encoded: str) -> str:
    """The relative path an own URL names, decoded once and checked segment by segment."""
    if "?" in encoded or "#" in encoded:
        raise FetchRefused("a query or fragment")
    try:
        path = unquote(encoded, errors="strict")
    except UnicodeDecodeError:
        raise FetchRefused("a path that is not UTF-8") from None
    segments = path.split("/")
    if not all(_SEGMENT.fullmatch(segment) for segment in segments):
        raise FetchRefused("a path outside the product's own files")
    return path


def _within(real_path: str, roots: list[str]) -> bool:
    return any(os.path.commonpath([real_path, root]) == root for root in roots)


def _extension(path: str) -> str:
    return os.path.splitext(path)[1].lower()


class DocumentFetcher(URLFetcher):
    """Serves `maestro:/static/...` and `maestro:/media/...` as the module's docstring says, and
    refuses every other URL. Make one per rendering (it counts the bytes it served)."""

    def __init__(self) -> None:
        # Not URLFetcher.__init__: it builds urllib's HTTP, FTP, file and data handlers and an
        # HTTPS one with a new SSL context (tens of ms a rendering), for URLs this fetcher never
        # opens. Only the OpenerDirector underneath is set up, with no handler, so that nothing
        # that bypasses `fetch` could open a URL either; then what WeasyPrint 70 reads of a
        # URLFetcher (weasyprint.urls.fetch reads `_fail_on_errors`), refusing every protocol
        # should URLFetcher's own `fetch` ever be reached.
        request.OpenerDirector.__init__(self)
        self._allowed_protocols: tuple[str, ...] = ()
        self._fail_on_errors = False
        self.served_bytes = 0
        self.refusals = 0

    def fetch(self, url, headers=None):
        try:
            return self._serve(url)
        except FetchRefused as refusal:
            self._log_refusal(url, refusal)
            raise

    def open(self, url, data=None, timeout=None):
        return self.fetch(getattr(url, "full_url", url))

    def __call__(self, url):
        return self.fetch(url)

    def _log_refusal(self, url, refusal: FetchRefused) -> None:
        self.refusals += 1
        if self.refusals <= MAX_LOGGED_REFUSALS:
            logger.warning("The handoff document refused %r: %s", str(url)[:200], refusal)
        elif self.refusals == MAX_LOGGED_REFUSALS + 1:
            logger.warning("The handoff document refused more URLs; they are not logged.")

    def _serve(self, url) -> URLFetcherResponse:
        if not isinstance(url, str) or len(url) > MAX_URL_CHARS:
            raise FetchRefused("not a URL of the product's own files")
        if url.startswith(STATIC_PREFIX):
            path = _checked_path(url.removeprefix(STATIC_PREFIX))
            body, content_type = self._static(path)
        elif url.startswith(MEDIA_PREFIX):
            path = _checked_path(url.removeprefix(MEDIA_PREFIX))
            body, content_type = self._media(path)
        else:
            raise FetchRefused("not a URL of the product's own files")
        return URLFetcherResponse(url, body, headers={"Content-Type": content_type})

    def _count(self, size: int) -> None:
        if size > MAX_ASSET_BYTES:
            raise FetchRefused(f"larger than {MAX_ASSET_BYTES} bytes")
        if self.served_bytes + size > MAX_TOTAL_BYTES:
            raise FetchRefused(f"the document's files would pass {MAX_TOTAL_BYTES} bytes")
        self.served_bytes += size

    def _static(self, path: str) -> tuple[bytes, str]:
        from django.contrib.staticfiles import finders

        content_type = STATIC_TYPES.get(_extension(path))
        if content_type is None:
            raise FetchRefused("not a type the document uses")
        try:
            found = finders.find(path)
        except Exception:  # SuspiciousFileOperation and the like: refused, whatever the cause
            found = None
        if not isinstance(found, str):
            raise FetchRefused("no such static file")
        roots = [
            os.path.realpath(storage.location)
            for finder in finders.get_finders()
            for storage in getattr(finder, "storages", {}).values()
            if getattr(storage, "location", None)
        ]
        real_path = os.path.realpath(found)
        if not os.path.isfile(real_path) or not _within(real_path, roots):
            raise FetchRefused("outside the static files")
        with open(real_path, "rb") as file:
            body = file.read(MAX_ASSET_BYTES + 1)
        self._count(len(body))
        return body, content_type

    def _media(self, path: str) -> tuple[bytes, str]:
        from django.core.files.storage import default_storage

        declared = MEDIA_TYPES.get(_extension(path))
        if declared is None:
            raise FetchRefused("media are served only as images")
        try:
            local = default_storage.path(path)
        except NotImplementedError:  # object storage: no filesystem, no symlinks
            local = None
        except Exception:
            raise FetchRefused("outside the media") from None
        if local is not None:
            root = os.path.realpath(default_storage.path(""))
            if not _within(os.path.realpath(local), [root]):
                raise FetchRefused("outside the media")
        try:
            with default_storage.open(path, "rb") as file:
                body = file.read(MAX_ASSET_BYTES + 1)
        except Exception:
            raise FetchRefused("no such media file") from None
        if _sniffed_image_type(body[:16]) != declared:
            raise FetchRefused("media are served only as images")
        self._count(len(body))
        return body, declared
