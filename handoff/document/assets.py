"""How the handoff document names the product's own files, and the bytes of its static files.

The URL contract, shared with `fetcher.py` (which serves these URLs and nothing else):

    maestro:/static/<path>   a static file, found by Django's staticfiles finders
                             (`static_path(url)`, then `static_file_bytes(path)`)
    maestro:/media/<path>    an uploaded file, read through the default storage
                             (`media_path(url)`)

The document is rendered with `base_url=None`. WeasyPrint 70 hands an absolute URL of a scheme
it does not know to the URL fetcher as written (it only percent-encodes what a URI may not
hold: spaces, non-ASCII), in `@font-face`, `url()`, `<img>` and `<link>` alike; and with no base
it never resolves a relative or root-relative reference ("/static/x", "x.png"), so those are
never fetched at all. A custom-scheme base such as "maestro:/" would not help: urllib's urljoin
leaves references against a scheme it does not know unresolved, and the fetcher would be handed
a bare "/static/x".
"""

import mimetypes
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

STATIC_PREFIX = "maestro:/static/"
MEDIA_PREFIX = "maestro:/media/"

# The largest static file the document may embed: the biggest shipped font is under 1 MB.
MAX_STATIC_BYTES = 4 * 1024 * 1024
_MAX_PATH = 300

# What WeasyPrint needs to know of a file it fetched: a linked stylesheet must be text/css.
_CONTENT_TYPES = {
    ".css": "text/css",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}


class AssetRefused(ValueError):
    """A path or URL outside the contract, or a file that is not there. A ValueError, so a
    fetcher that raises it lets WeasyPrint go on without the resource."""


def static_url(path: str) -> str:
    """The document's URL for the static file `path` ("fonts/IBMPlexSans-Regular.ttf")."""
    return STATIC_PREFIX + quote(_checked(path))


def static_path(url: str) -> str | None:
    """The static file's path named by a `maestro:/static/…` URL, checked; None if `url` is
    not such a URL. Refuses (AssetRefused) one that is, but names no safe path."""
    return _path_after(url, STATIC_PREFIX)


def media_path(url: str) -> str | None:
    """As `static_path`, for `maestro:/media/…` URLs: the name in the default storage."""
    return _path_after(url, MEDIA_PREFIX)


def content_type(path: str) -> str:
    suffix = Path(path).suffix.lower()
    return _CONTENT_TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"


def static_file_bytes(path: str) -> bytes:
    """The bytes of the static file at `path` (relative, as in `{% static %}`), through Django's
    staticfiles finders. Refuses '..', absolute paths, hidden files and files over
    MAX_STATIC_BYTES."""
    return _static_file_bytes(_checked(path))


@lru_cache(maxsize=64)
def _static_file_bytes(path: str) -> bytes:
    # Static files change only with a deploy (a new process), so a file is read once.
    from django.contrib.staticfiles import finders

    found = finders.find(path)
    if not found or isinstance(found, list):
        raise AssetRefused(f"No static file {path!r}.")
    file = Path(found)
    if not file.is_file():
        raise AssetRefused(f"No static file {path!r}.")
    if file.stat().st_size > MAX_STATIC_BYTES:
        raise AssetRefused(f"The static file {path!r} is over {MAX_STATIC_BYTES} bytes.")
    return file.read_bytes()


def _path_after(url: str, prefix: str) -> str | None:
    if not url.startswith(prefix):
        return None
    parts = urlsplit(url)
    if parts.netloc or parts.query or parts.fragment or "?" in url or "#" in url:
        raise AssetRefused(f"Not a plain product file URL: {url[:200]!r}.")
    return _checked(unquote(url[len(prefix) :]))


def _checked(path: str) -> str:
    """`path` if it is a plain relative path inside its root: no '..', '.', empty or hidden
    segment, no absolute path, drive, backslash or control character."""
    bad = (
        not path
        or len(path) > _MAX_PATH
        or path.startswith("/")
        or "\\" in path
        or ":" in path
        or any(ord(char) < 32 or ord(char) == 127 for char in path)
        or any(segment in ("", ".", "..") or segment.startswith(".") for segment in path.split("/"))
    )
    if bad:
        raise AssetRefused(f"Not a product file path: {path[:200]!r}.")
    return path
