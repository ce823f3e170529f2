"""Bounded work: Python-Markdown's quadratic scans replaced by bounded ones, and the linear
shape pre-check (`check_shape`) that refuses bodies too long, too deep or too dense."""

import re

from markdown import inlinepatterns
from markdown.extensions import Extension
from markdown.extensions.tables import TableProcessor
from markdown.htmlparser import HTMLExtractor
from markdown.preprocessors import HtmlBlockPreprocessor, Preprocessor

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


FENCE = re.compile(r"^\s*(```|~~~)")


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
