"""The rendering pipeline: Markdown -> sanitised HTML with link markers and a table of contents."""

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

import markdown
from markdown.extensions.toc import slugify

from runbooks.rendering.bounds import (
    LINK_SCAN_FACTOR,
    BoundedParsingExtension,
    _ScanBudget,
    check_shape,
)
from runbooks.rendering.links import (
    MARKER_CHARS,
    RunbookLinkExtension,
    RunbookLinks,
    _to_markers,
    resolve_links,
)
from runbooks.rendering.sanitise import HEADING_ID_PREFIX, TASK_DONE, TASK_TO_DO, sanitise

# Declared once: the page, the editor's preview and the PDF all use exactly these.
EXTENSIONS_CONFIG = {
    "toc": {
        "permalink": "¶",
        "permalink_title": "Link to this section",
        "slugify": lambda value, separator: HEADING_ID_PREFIX + slugify(value, separator),
        "toc_depth": "2-4",
    },
    "pymdownx.tasklist": {"custom_checkbox": False, "clickable_checkbox": False},
}


@dataclass(frozen=True)
class Rendered:
    html: str  # sanitised, with runbook-link markers: pass it through resolve_links to show
    toc: str  # sanitised nested list of the headings, "" when there are none


# pymdownx.tasklist's checkbox: a read-only box on the page, named for assistive technology
# (the allow-list then forces every <input> to a disabled checkbox, see sanitise).
TASK_INPUT = re.compile(r'<input type="checkbox" disabled(?P<checked> checked)?/?>')


def _task_box(m: re.Match) -> str:
    if m.group("checked"):
        return f'<input type="checkbox" disabled checked aria-label="{TASK_DONE}">'
    return f'<input type="checkbox" disabled aria-label="{TASK_TO_DO}">'


def render_body(text: str, *, titles: Mapping[str, str] | None = None) -> Rendered:
    """The body as stored with its version: sanitised HTML (with runbook-link markers, see
    resolve_links) and contents. Raises RenderRefused for a shape it refuses. Bounded work,
    but callers in a request go through runbooks.guard, which also limits its time."""
    check_shape(text)
    nonce = secrets.token_hex(8)
    md = markdown.Markdown(
        extensions=[
            "tables",
            "fenced_code",
            "sane_lists",
            "toc",
            "pymdownx.tasklist",
            RunbookLinkExtension(nonce, titles or {}),
            BoundedParsingExtension(_ScanBudget(LINK_SCAN_FACTOR * len(text) + 10_000)),
        ],
        extension_configs=EXTENSIONS_CONFIG,
        output_format="html",
    )
    body = TASK_INPUT.sub(_task_box, md.convert(text))
    toc = getattr(md, "toc", "") if getattr(md, "toc_tokens", None) else ""
    return Rendered(
        html=_to_markers(sanitise(body), nonce),
        toc=MARKER_CHARS.sub("\ufffd", sanitise(toc)) if toc else "",
    )


def markdown_to_html(text: str, *, links: RunbookLinks | None = None) -> Rendered:
    """render_body with its runbook links resolved against `links` (the editor's preview)."""
    links = links or {}
    rendered = render_body(text, titles={slug: title for slug, (_, title) in links.items()})
    return Rendered(html=resolve_links(rendered.html, links), toc=rendered.toc)
