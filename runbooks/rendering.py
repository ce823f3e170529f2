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
"""

import difflib
import html
import re
import secrets
import xml.etree.ElementTree as etree
from collections.abc import Mapping
from dataclasses import dataclass

import markdown
import nh3
from markdown import inlinepatterns
from markdown.extensions import Extension
from markdown.extensions.tables import TableProcessor
from markdown.extensions.toc import slugify
from markdown.htmlparser import HTMLExtractor
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import HtmlBlockPreprocessor, Preprocessor
from markdown.treeprocessors import Treeprocessor

RunbookLinks = Mapping[str, tuple[str, str]]

# Heading ids carry a prefix so a heading can never clobber a global name in the page's JS
# (a raw `<h2 id="x">` without it loses its id in `sanitise`).
HEADING_ID_PREFIX = "h-"

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code",
    "em", "strong", "del", "sup", "sub", "kbd", "ul", "ol", "li", "dl", "dt", "dd",
    "table", "thead", "tbody", "tr", "th", "td", "a", "img", "span", "div", "nav",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
    "code": {"class"},
    "span": {"class"},
    "li": {"class"},
    "ul": {"class"},
    "div": {"class"},
    **{f"h{n}": {"id"} for n in range(1, 7)},
}
# Only classes the product's own CSS gives meaning to for documents: nothing a body could use
# to reach the page's layout classes (overlays, hidden text, the skip link).
ALLOWED_CLASSES = {
    "task-list",
    "task-list-item",
    "task-box",
    "done",
    "toc",
    "headerlink",
    "runbook-link",
    "missing",
}
URL_SCHEMES = {"http", "https", "mailto"}
OWN_MEDIA = re.compile(r"^/(?:static|media)/[A-Za-z0-9._~/%-]+$")
SAFE_ID = re.compile(rf"^{HEADING_ID_PREFIX}[a-z0-9_-]+$")
SAFE_CLASS = re.compile(r"^language-[A-Za-z0-9_+-]+$")
# Control characters and whitespace browsers drop from a URL before reading its scheme.
URL_JUNK = re.compile(r"[\x00-\x20\x7f]+")
SAFE_HREF = re.compile(r"^(?:#|/(?![/\\])|https?://|mailto:|[A-Za-z0-9._~-]+(?:[/?#]|$))", re.I)

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


# The longest body a version may have (the API, the forms and the preview all refuse longer).
MAX_BODY_CHARS = 200_000
# Lists and quotes nested deeper than this are refused: Python-Markdown parses each level with
# a recursive call, so a line of "1. " x 1000 would exhaust the stack.
MAX_NESTING = 20


class RenderRefused(ValueError):
    """A body whose shape the renderer refuses; `code` is stable for clients."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message, self.code = message, code


@dataclass(frozen=True)
class Rendered:
    html: str  # sanitised, with runbook-link markers: pass it through resolve_links to show
    toc: str  # sanitised nested list of the headings, "" when there are none


FENCE = re.compile(r"^\s*(```|~~~)")


# --- runbook links --------------------------------------------------------------------------

WIKILINK = r"\[\[([a-z0-9][a-z0-9-]*)(?:\|([^\]\n]+))?\]\]"
# What a slug may be (SlugField); a `runbook:` target that is not one can never resolve.
SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")

# Markers left in a stored rendering where a runbook link goes (private-use characters, which
# `_to_markers` removes from everything the body itself produced):
#   [[slug]] / [[slug|text]]     -> WIKI_OPEN slug SEP text WIKI_CLOSE   (text "" = the title)
#   <a href="runbook:slug" ...>  -> TAG_OPEN slug SEP attributes TAG_CLOSE   (then text, </a>)
WIKI_OPEN, SEP, WIKI_CLOSE, TAG_OPEN, TAG_CLOSE = "\ue000", "\ue001", "\ue002", "\ue003", "\ue004"
MARKER_CHARS = re.compile("[\ue000-\ue004]")
_FIELD = "([^\ue000-\ue004]*)"
LINK_MARKER = re.compile(
    f"{WIKI_OPEN}{_FIELD}{SEP}{_FIELD}{WIKI_CLOSE}|{TAG_OPEN}{_FIELD}{SEP}{_FIELD}{TAG_CLOSE}"
)
LINK_REL = ' rel="noopener noreferrer nofollow"'


class _WikiLinkProcessor(InlineProcessor):
    def __init__(self, pattern: str, nonce: str, titles: Mapping[str, str]) -> None:
        super().__init__(pattern)
        self.nonce, self.titles = nonce, titles

    def handleMatch(self, m, data):  # noqa: N802 (Python-Markdown's API)
        slug, text = m.group(1), m.group(2)
        # The label here only names the heading a link sits in (contents, ids); readers get
        # the title as it is when they read (resolve_links).
        kind = "t" if text else "w"
        el = etree.Element("a", {"href": f"#{self.nonce}{kind}{slug}"})
        el.text = markdown.util.AtomicString((text or self.titles.get(slug, slug)).strip())
        return el, m.start(0), m.end(0)


class _RunbookSchemeLinks(Treeprocessor):
    """`[text](runbook:slug)` -> a marker href, resolved on reading; never a real slug: no link."""

    def __init__(self, md, nonce: str) -> None:
        super().__init__(md)
        self.nonce = nonce

    def run(self, root):
        for a in root.iter("a"):
            href = a.get("href", "")
            if href.lower().startswith("runbook:"):
                slug = href[len("runbook:") :].strip()
                if SLUG.match(slug):
                    a.set("href", f"#{self.nonce}s{slug}")
                    a.set("class", "runbook-link")
                else:
                    a.attrib.pop("href")
                    a.set("class", "runbook-link missing")


class RunbookLinkExtension(Extension):
    def __init__(self, nonce: str, titles: Mapping[str, str]) -> None:
        super().__init__()
        self.nonce, self.titles = nonce, titles

    def extendMarkdown(self, md):  # noqa: N802 (Python-Markdown's API)
        wiki = _WikiLinkProcessor(WIKILINK, self.nonce, self.titles)
        md.inlinePatterns.register(wiki, "runbook_wiki", 175)
        md.treeprocessors.register(_RunbookSchemeLinks(md, self.nonce), "runbook_scheme", 5)


def _to_markers(sanitised: str, nonce: str) -> str:
    """The links `RunbookLinkExtension` made (found by this render's unguessable nonce) as
    markers; marker characters the body brought itself are dropped first."""
    out = MARKER_CHARS.sub("\ufffd", sanitised)
    n = re.escape(nonce)
    out = re.sub(
        rf'<a href="#{n}([wt])([a-z0-9-]+)"[^>]*>([^<]*)</a>',
        lambda m: f"{WIKI_OPEN}{m[2]}{SEP}{m[3] if m[1] == 't' else ''}{WIKI_CLOSE}",
        out,
    )

    def tag(m: re.Match) -> str:
        attributes = " ".join(part for part in (m[1].strip(), m[3].strip()) if part)
        return f"{TAG_OPEN}{m[2]}{SEP}{' ' + attributes if attributes else ''}{TAG_CLOSE}"

    return re.sub(rf'<a ([^>]*?)href="#{n}s([-a-zA-Z0-9_]+)"([^>]*)>', tag, out)


def resolve_links(stored_html: str, links: RunbookLinks) -> str:
    """A stored rendering with its runbook links pointing at `links` (slug -> (url, title)):
    a link to a runbook that no longer exists becomes a "missing" span, as it does when the
    slug never existed. One pass; the HTML was sanitised when it was stored."""

    def link(m: re.Match) -> str:
        if m[1] is not None:
            slug, text = m[1], m[2]
            target = links.get(slug)
            if target is None:
                return f'<span class="runbook-link missing">{text or slug}</span>'
            label = text or html.escape(target[1].strip(), quote=False)
            return f'<a href="{html.escape(target[0])}" class="runbook-link"{LINK_REL}>{label}</a>'
        slug, attributes = m[3], m[4].replace(' class="runbook-link"', "").replace(LINK_REL, "")
        target = links.get(slug)
        if target is None:
            return f'<a{attributes} class="runbook-link missing"{LINK_REL}>'
        url = html.escape(target[0])
        return f'<a href="{url}"{attributes} class="runbook-link"{LINK_REL}>'

    return LINK_MARKER.sub(link, stored_html)


# --- bounded parsing ------------------------------------------------------------------------

# Link text and destinations are scanned at most this far, and all scans of one render together
# at most LINK_SCAN_FACTOR x the body's length: past that, brackets stay plain text. An ordinary
# body spends a small fraction of it; "[" x 200,000 would otherwise scan 2 x 10^10 characters.
LINK_SCAN_MAX = 4096
LINK_SCAN_FACTOR = 8


class _ScanBudget:
    def __init__(self, chars: int) -> None:
        self.left = chars

    def window(self) -> int:
        return max(0, min(self.left, LINK_SCAN_MAX))

    def spend(self, chars: int) -> None:
        self.left -= max(chars, 1)


BRACKET = re.compile(r"[\[\]]")


class _BoundedScanMixin:
    """Replaces LinkInlineProcessor's scans to the end of the text (once per "[", hence
    quadratic) with scans of at most `_ScanBudget.window()` characters."""

    budget: _ScanBudget

    def getText(self, data: str, index: int) -> tuple[str, int, bool]:  # noqa: N802
        limit = index + self.budget.window()
        depth = 1
        for m in BRACKET.finditer(data, index, limit):
            depth += 1 if m[0] == "[" else -1
            if depth == 0:
                self.budget.spend(m.end() - index)
                return data[index : m.start()], m.end(), True
        self.budget.spend(min(limit, len(data)) - index)
        return "", index, False

    def getLink(self, data: str, index: int) -> tuple[str, str | None, int, bool]:  # noqa: N802
        window = data[: index + self.budget.window()]
        href, title, end, handled = super().getLink(window, index)  # type: ignore[misc]
        self.budget.spend((end if handled else len(window)) - index)
        return href, title, end, handled


def _bounded(cls):
    return type(f"Bounded{cls.__name__}", (_BoundedScanMixin, cls), {})


# Python-Markdown's own names, classes, patterns and priorities (inlinepatterns.py).
_ip = inlinepatterns
_BOUNDED_LINK_PATTERNS = [
    ("reference", _bounded(_ip.ReferenceInlineProcessor), _ip.REFERENCE_RE, 170),
    ("link", _bounded(_ip.LinkInlineProcessor), _ip.LINK_RE, 160),
    ("image_link", _bounded(_ip.ImageInlineProcessor), _ip.IMAGE_LINK_RE, 150),
    ("image_reference", _bounded(_ip.ImageReferenceInlineProcessor), _ip.IMAGE_REFERENCE_RE, 140),
    ("short_reference", _bounded(_ip.ShortReferenceInlineProcessor), _ip.REFERENCE_RE, 130),
    (
        "short_image_ref",
        _bounded(_ip.ShortImageReferenceInlineProcessor),
        _ip.IMAGE_REFERENCE_RE,
        125,
    ),
]


class _BoundedTableProcessor(TableProcessor):
    """The tables extension tests a block by splitting and stripping all of its lines; a block
    that other processors consume line by line (thousands of "# h") is then quadratic. A table
    is decided by its first two lines, so only those are looked at."""

    def test(self, parent, block):
        first = block.find("\n")
        if first == -1:
            return False
        second = block.find("\n", first + 1)
        return super().test(parent, block[: second if second != -1 else len(block)])


# Lines that Python-Markdown's block processors cut out of a block one at a time, searching the
# rest of the block again for each (ATX headings, rules, setext underlines).
LINE_CUT = re.compile(
    r"^(?:#.*|[ ]{0,3}(?:(?:-[ ]{0,2}){3,}|(?:_[ ]{0,2}){3,}|(?:\*[ ]{0,2}){3,}|=+|-+)[ ]*)$"
)


class _BlockBreaks(Preprocessor):
    """A blank line after each such line: the same document (the processors split the block
    there anyway) in blocks that end at the line, so nothing is searched twice."""

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        for i, line in enumerate(lines):
            out.append(line)
            if LINE_CUT.match(line) and i + 1 < len(lines) and lines[i + 1].strip():
                out.append("")
        return out


# A start tag is looked for at most this far: html.parser otherwise scans from each "<a" to the
# end of the body when no ">" closes it ("<a " x 50,000 is quadratic).
TAG_SCAN_MAX = 2048


class _BoundedHTMLExtractor(HTMLExtractor):
    def check_for_whole_start_tag(self, i: int) -> int:
        end = self.rawdata.find(">", i, i + TAG_SCAN_MAX)
        if end == -1:
            return -1
        return super().check_for_whole_start_tag(i)


class _BoundedHtmlBlocks(HtmlBlockPreprocessor):
    def run(self, lines: list[str]) -> list[str]:
        parser = _BoundedHTMLExtractor(self.md)
        parser.feed("\n".join(lines))
        parser.close()
        return "".join(parser.cleandoc).split("\n")


class BoundedParsingExtension(Extension):
    def __init__(self, budget: _ScanBudget) -> None:
        super().__init__()
        self.budget = budget

    def extendMarkdown(self, md):  # noqa: N802 (Python-Markdown's API)
        for name, cls, pattern, priority in _BOUNDED_LINK_PATTERNS:
            processor = cls(pattern, md)
            processor.budget = self.budget
            md.inlinePatterns.register(processor, name, priority)
        md.preprocessors.register(_BoundedHtmlBlocks(md), "html_block", 20)
        md.preprocessors.register(_BlockBreaks(md), "runbook_block_breaks", 15)
        # Registered after the tables extension (last in the list): same name, same config.
        config = md.parser.blockprocessors["table"].config
        md.parser.blockprocessors.register(_BoundedTableProcessor(md.parser, config), "table", 75)


# Lines that open a nesting level: quotes, and list items (possibly indented).
NESTING = re.compile(r"[ \t]*(?:>|(?:[*+-]|\d+[.)])(?=[ \t]))[ \t]*")
# Python-Markdown rebuilds a paragraph's text after each inline match (emphasis, code, links,
# escapes, entities, tags, line breaks), so one paragraph costs about its length x its markup.
# A paragraph (or list item) whose product passes MAX_INLINE_WORK is refused: the bound lets
# a 20,000-character paragraph be all markup, and a 200,000-character one have 1,000 marks.
INLINE_MARK = re.compile(r"[`*_\[\]!<>&\\~]|  $")
MAX_INLINE_WORK = 200_000_000
LIST_ITEM = re.compile(r"^[ \t]*(?:[*+-]|\d+[.)])[ \t]")
TABLE_SEPARATOR = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-*:?[ \t]*)*\|?[ \t]*$")


def _depth(line: str) -> int:
    depth, pos = 0, 0
    while (m := NESTING.match(line, pos)) and m.end() > pos:
        depth, pos = depth + 1, m.end()
    if depth == 0:
        return 0  # indented text alone is code or a continuation, not a new level
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    return depth + len(indent.expandtabs(4)) // 4


def check_shape(text: str) -> None:
    """Refuse a body the renderer cannot handle in bounded time (RenderRefused). Linear."""
    if len(text) > MAX_BODY_CHARS:
        raise RenderRefused(
            f"The body is {len(text):,} characters long; the limit is {MAX_BODY_CHARS:,}.",
            code="body_too_long",
        )
    lines = text.split("\n")
    # The fenced-code extension also rebuilds the whole text once per block it takes out.
    fences = sum(1 for line in lines if FENCE.match(line)) // 2
    if fences * len(text) > MAX_INLINE_WORK:
        raise RenderRefused(
            f"The body has {fences:,} code blocks; at this length the limit is "
            f"{MAX_INLINE_WORK // max(len(text), 1):,}.",
            code="body_too_dense",
        )
    unit_chars = unit_marks = 0
    in_table = False
    # Fenced code is measured too: an unclosed or indented fence is no code block to
    # Python-Markdown, and a blank line splits a code block's units as well.
    for i, line in enumerate(lines):
        if _depth(line) > MAX_NESTING:
            raise RenderRefused(
                f"Lists and quotes are nested more than {MAX_NESTING} levels deep.",
                code="body_too_deep",
            )
        blank = not line.strip()
        if blank:
            in_table = False
        elif i + 1 < len(lines) and TABLE_SEPARATOR.match(lines[i + 1]) and "|" in line:
            in_table = True
        # A unit is what Python-Markdown processes as one text: a paragraph, a list item, a
        # table row.
        heading = line.startswith("#")
        if blank or in_table or heading or LIST_ITEM.match(line):
            unit_chars = unit_marks = 0
        unit_chars += len(line) + 1
        unit_marks += len(INLINE_MARK.findall(line))
        if unit_chars * unit_marks > MAX_INLINE_WORK:
            raise RenderRefused(
                f"Line {i + 1} ends a paragraph or list item with too much markup for its "
                f"length ({unit_marks:,} marks in {unit_chars:,} characters). Split it with "
                "blank lines.",
                code="body_too_dense",
            )


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        kept = [c for c in value.split() if c in ALLOWED_CLASSES or SAFE_CLASS.match(c)]
        return " ".join(kept) or None
    if attribute == "id":
        return value if SAFE_ID.match(value) else None
    if attribute == "src":
        return value if OWN_MEDIA.match(value) and ".." not in value else None
    if attribute == "href":
        return value if SAFE_HREF.match(URL_JUNK.sub("", value)) else None
    return value


def sanitise(unsafe_html: str) -> str:
    """The allow-list every rendered body passes through. nh3 decodes entities before it
    checks a URL's scheme; `_attribute_filter` adds the product's own rules on top."""
    return nh3.clean(
        unsafe_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


# pymdownx.tasklist's checkbox; inputs are not in the allow-list, so it becomes a marker.
TASK_INPUT = re.compile(r'<input type="checkbox" disabled(?P<checked> checked)?/?>')


def _task_marker(m: re.Match) -> str:
    if m.group("checked"):
        return '<span class="task-box done">[x]</span>'
    return '<span class="task-box">[ ]</span>'


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
    body = TASK_INPUT.sub(_task_marker, md.convert(text))
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


# --- checklists -----------------------------------------------------------------------------

TASK_LINE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\[[ xX]\]\s+(?P<text>\S.*)$")


def task_items(text: str) -> list[str]:
    """The task-list items of a body, in order, as plain text (outside fenced code)."""
    items, in_fence = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        m = None if in_fence else TASK_LINE.match(line)
        if m:
            items.append(m.group("text").strip()[:500])
    return items


# --- diffs ----------------------------------------------------------------------------------


def diff_unified(old: str, new: str, *, old_label: str, new_label: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), old_label, new_label, lineterm=""
    )
    return "\n".join(lines)


def diff_table(old: str, new: str, *, old_label: str, new_label: str) -> str:
    """A side-by-side HTML table of the changes with three lines of context. difflib escapes
    the lines itself (& < >); the labels are escaped here."""
    differ = difflib.HtmlDiff(tabsize=4, wrapcolumn=70)
    return differ.make_table(
        old.splitlines(),
        new.splitlines(),
        html.escape(old_label),
        html.escape(new_label),
        context=True,
        numlines=3,
    )
