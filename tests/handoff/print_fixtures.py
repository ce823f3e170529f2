"""Rendering the handoff PDF for the print tests: the real document, opened with pypdf, with
extra test-only sections (a long table, many headings, figures) where a test needs content the
real sections may not have."""

import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import pypdf
from django.conf import settings
from django.template import engines
from fontTools.ttLib import TTFont

from handoff.document import render
from handoff.document.fetcher import DocumentFetcher
from handoff.document.sections import Section, SectionData, sections
from handoff.document.source import DocumentSource

FONTS_DIR = Path(settings.BASE_DIR) / "static" / "fonts"
# The @font-face families of static/handoff/document.css.
SHIPPED_FAMILIES = {"IBM Plex Sans", "IBM Plex Mono", "DejaVu Sans"}


def shipped_postscript_names() -> set[str]:
    return {TTFont(path)["name"].getDebugName(6) for path in FONTS_DIR.glob("*.ttf")}


class RecordingFetcher(DocumentFetcher):
    """The document's fetcher, recording every URL asked for."""

    asked: list[str] = []

    def fetch(self, url, headers=None):
        self.asked.append(url)
        return super().fetch(url, headers)


def use_recording_fetcher(monkeypatch) -> list[str]:
    asked: list[str] = []
    monkeypatch.setattr(RecordingFetcher, "asked", asked)
    monkeypatch.setattr(render, "DocumentFetcher", RecordingFetcher)
    return asked


@dataclass(frozen=True)
class FixtureSection(Section):
    """A section whose template is given as text (test-only content)."""

    source: str = ""

    @property
    def template(self):  # type: ignore[override]
        return engines["django"].from_string(self.source)


def add_sections(monkeypatch, *extra: tuple[str, str, str, dict]) -> None:
    """The real sections, then `extra` ones: (key, title, template source, context)."""
    real = sections()
    added = [
        FixtureSection(
            key, title, lambda source, context=context: SectionData(context=context), source=text
        )
        for key, title, text, context in extra
    ]
    monkeypatch.setattr(render, "sections", lambda: [*real, *added])


@dataclass
class Rendered:
    pdf: bytes
    reader: pypdf.PdfReader
    texts: list[str]
    built: render.BuiltDocument
    source: DocumentSource

    def pages_with(self, needle: str) -> list[int]:
        """1-based numbers of the pages whose text holds `needle`."""
        return [n for n, text in enumerate(self.texts, start=1) if needle in text]

    def page_of(self, needle: str) -> int:
        pages = self.pages_with(needle)
        assert len(pages) == 1, f"{needle!r} is on pages {pages}"
        return pages[0]


def render_pdf(engagement, caplog=None, **source_fields) -> Rendered:
    source = DocumentSource(engagement=engagement, **source_fields)
    if caplog is not None:
        caplog.set_level(logging.WARNING, logger="weasyprint")
    built = render.document_build(source)
    pdf = render.document_pdf(built, source)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    texts = [page.extract_text() for page in reader.pages]
    return Rendered(pdf=pdf, reader=reader, texts=texts, built=built, source=source)


def contents_entries(text: str) -> list[tuple[int, str, int]]:
    """(number, title, page) of each line of the contents page: "3. Process maps ....  5"."""
    found = re.findall(r"^(\d+)\.\s*(.+?)\s*\.{3,}\s*(\d+)\s*$", text, flags=re.MULTILINE)
    return [(int(number), title, int(page)) for number, title, page in found]


def pdf_fonts(reader: pypdf.PdfReader):
    """Every font dictionary of every page, its form XObjects' (an SVG's) included."""

    def walk(resources, seen):
        fonts = resources.get("/Font") or {}
        for font in fonts.values():
            yield font.get_object()
        for xobject in (resources.get("/XObject") or {}).values():
            xobject = xobject.get_object()
            ident = id(xobject)
            if "/Resources" in xobject and ident not in seen:
                seen.add(ident)
                yield from walk(xobject["/Resources"].get_object(), seen)

    for page in reader.pages:
        yield from walk(page["/Resources"].get_object(), set())


def font_descriptor(font):
    if "/FontDescriptor" in font:
        return font["/FontDescriptor"].get_object()
    return font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
