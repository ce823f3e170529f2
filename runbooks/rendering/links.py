"""Links between runbooks: `[[slug]]`, `[[slug|text]]` or `[text](runbook:slug)`.

A stored rendering holds a marker where each such link goes; `resolve_links` turns the markers
into links (or "missing" spans) against the engagement's runbooks as they are now."""

import html
import re
import xml.etree.ElementTree as etree
from collections.abc import Mapping

import markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

RunbookLinks = Mapping[str, tuple[str, str]]


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
