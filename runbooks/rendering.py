"""Runbook Markdown -> safe HTML, task-list steps and diffs. Pure functions, no ORM.

Python-Markdown does not sanitise, so everything it produces goes through one nh3 allow-list
(`sanitise`). The page and the handoff PDF use the same output: an image may come only from
the product's own /static/ or /media/ paths, because any other `src` would be an outbound
fetch while the PDF renders.

Links between runbooks: `[[slug]]`, `[[slug|text]]` or `[text](runbook:slug)`. The caller
passes `links`: slug -> (url, title) of the runbooks the link may reach (its engagement's).
"""

import difflib
import html
import re
import xml.etree.ElementTree as etree
from collections.abc import Mapping
from dataclasses import dataclass

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.toc import slugify
from markdown.inlinepatterns import InlineProcessor
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


@dataclass(frozen=True)
class Rendered:
    html: str
    toc: str  # sanitised nested list of the headings, "" when there are none


# --- runbook links --------------------------------------------------------------------------

WIKILINK = r"\[\[([a-z0-9][a-z0-9-]*)(?:\|([^\]\n]+))?\]\]"


class _WikiLinkProcessor(InlineProcessor):
    def __init__(self, pattern: str, links: RunbookLinks) -> None:
        super().__init__(pattern)
        self.links = links

    def handleMatch(self, m, data):  # noqa: N802 (Python-Markdown's API)
        slug, text = m.group(1), m.group(2)
        target = self.links.get(slug)
        if target is None:
            el = etree.Element("span", {"class": "runbook-link missing"})
            el.text = (text or slug).strip()
        else:
            el = etree.Element("a", {"href": target[0], "class": "runbook-link"})
            el.text = (text or target[1]).strip()
        return el, m.start(0), m.end(0)


class _RunbookSchemeLinks(Treeprocessor):
    """`[text](runbook:slug)` -> the runbook's URL; an unknown slug loses its link."""

    def __init__(self, md, links: RunbookLinks) -> None:
        super().__init__(md)
        self.links = links

    def run(self, root):
        for a in root.iter("a"):
            href = a.get("href", "")
            if href.lower().startswith("runbook:"):
                target = self.links.get(href[len("runbook:") :].strip())
                if target is None:
                    a.attrib.pop("href")
                    a.set("class", "runbook-link missing")
                else:
                    a.set("href", target[0])
                    a.set("class", "runbook-link")


class RunbookLinkExtension(Extension):
    def __init__(self, links: RunbookLinks) -> None:
        super().__init__()
        self.links = links

    def extendMarkdown(self, md):  # noqa: N802 (Python-Markdown's API)
        md.inlinePatterns.register(_WikiLinkProcessor(WIKILINK, self.links), "runbook_wiki", 175)
        md.treeprocessors.register(_RunbookSchemeLinks(md, self.links), "runbook_scheme", 5)


# --- sanitising -----------------------------------------------------------------------------


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


def markdown_to_html(text: str, *, links: RunbookLinks | None = None) -> Rendered:
    md = markdown.Markdown(
        extensions=[
            "tables",
            "fenced_code",
            "sane_lists",
            "toc",
            "pymdownx.tasklist",
            RunbookLinkExtension(links or {}),
        ],
        extension_configs=EXTENSIONS_CONFIG,
        output_format="html",
    )
    body = TASK_INPUT.sub(_task_marker, md.convert(text))
    toc = getattr(md, "toc", "") if getattr(md, "toc_tokens", None) else ""
    return Rendered(html=sanitise(body), toc=sanitise(toc) if toc else "")


# --- checklists -----------------------------------------------------------------------------

TASK_LINE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\[[ xX]\]\s+(?P<text>\S.*)$")
FENCE = re.compile(r"^\s*(```|~~~)")


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
