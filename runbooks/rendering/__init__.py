"""Runbook Markdown -> safe HTML, task-list steps and diffs. Pure functions, no ORM.

Python-Markdown does not sanitise, so everything it produces goes through one nh3 allow-list
(`sanitise`). The page and the handoff PDF use the same output: an image may come only from
the product's own /static/ or /media/ paths, because any other `src` would be an outbound
fetch while the PDF renders.

Links between runbooks: `[[slug]]`, `[[slug|text]]` or `[text](runbook:slug)`. A rendering is
stored with each version, while the runbooks a link reaches come and go and change titles; so
`markdown_to_html` leaves a marker where each such link goes, and `resolve_links` turns the
markers into links (or "missing" spans) against the engagement's runbooks as they are now, in
one linear pass over the stored HTML.

Bounded work: Python-Markdown scans link brackets and blocks in ways that are quadratic on
hostile bodies ("[" x 5000, thousands of "# h" lines in one block, unterminated "<a" runs).
The processors below replace those scans with bounded ones, a cheap pre-check refuses bodies
that nest deeper than MAX_NESTING, and a render is still run under a time limit
(runbooks.guard) in case a shape nobody found yet is slow.

One module per concept: render (the pipeline), sanitise (the allow-list), links (runbook
links), bounds (bounded parsing and the shape pre-check), checklists, diff. Everything callers
use is re-exported here.
"""

from runbooks.rendering.bounds import (
    BRACKET,
    FENCE,
    INLINE_MARK,
    LINE_CUT,
    LINK_SCAN_FACTOR,
    LINK_SCAN_MAX,
    LIST_ITEM,
    MAX_BODY_CHARS,
    MAX_INLINE_WORK,
    MAX_NESTING,
    NESTING,
    TABLE_SEPARATOR,
    TAG_SCAN_MAX,
    BoundedParsingExtension,
    RenderRefused,
    check_shape,
)
from runbooks.rendering.checklists import TASK_LINE, task_items
from runbooks.rendering.diff import diff_table, diff_unified
from runbooks.rendering.links import (
    LINK_MARKER,
    LINK_REL,
    MARKER_CHARS,
    SEP,
    SLUG,
    TAG_CLOSE,
    TAG_OPEN,
    WIKI_CLOSE,
    WIKI_OPEN,
    WIKILINK,
    RunbookLinkExtension,
    RunbookLinks,
    resolve_links,
)
from runbooks.rendering.render import (
    EXTENSIONS_CONFIG,
    TASK_INPUT,
    Rendered,
    markdown_to_html,
    render_body,
)
from runbooks.rendering.sanitise import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_CLASSES,
    ALLOWED_TAGS,
    HEADING_ID_PREFIX,
    OWN_MEDIA,
    SAFE_CLASS,
    SAFE_HREF,
    SAFE_ID,
    URL_JUNK,
    URL_SCHEMES,
    sanitise,
)

__all__ = [
    "RunbookLinks",
    "WIKILINK",
    "SLUG",
    "WIKI_OPEN",
    "SEP",
    "WIKI_CLOSE",
    "TAG_OPEN",
    "TAG_CLOSE",
    "MARKER_CHARS",
    "LINK_MARKER",
    "LINK_REL",
    "RunbookLinkExtension",
    "resolve_links",
    "HEADING_ID_PREFIX",
    "ALLOWED_TAGS",
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_CLASSES",
    "URL_SCHEMES",
    "OWN_MEDIA",
    "SAFE_ID",
    "SAFE_CLASS",
    "URL_JUNK",
    "SAFE_HREF",
    "sanitise",
    "EXTENSIONS_CONFIG",
    "Rendered",
    "TASK_INPUT",
    "render_body",
    "markdown_to_html",
    "MAX_BODY_CHARS",
    "MAX_NESTING",
    "RenderRefused",
    "FENCE",
    "LINK_SCAN_MAX",
    "LINK_SCAN_FACTOR",
    "BRACKET",
    "LINE_CUT",
    "TAG_SCAN_MAX",
    "BoundedParsingExtension",
    "NESTING",
    "INLINE_MARK",
    "MAX_INLINE_WORK",
    "LIST_ITEM",
    "TABLE_SEPARATOR",
    "check_shape",
    "TASK_LINE",
    "task_items",
    "diff_unified",
    "diff_table",
]
