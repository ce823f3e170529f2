"""The handoff PDF as printed: opened for real with pypdf. Contents page numbers against the
pages the sections start on, page numbers, the running header, paper sizes, the document's
metadata, the PDF/A-3b identification and its associated JSON file, embedded shipped fonts, and
no table row, figure or heading cut off at a page's foot."""

import io
import json
import logging
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from django.utils.safestring import mark_safe
from fontTools.ttLib import TTFont

from handoff.document.assets import static_url
from handoff.document.render import DATA_FILENAME
from handoff.document.sections import sections
from maestro.lib.svg import svg_root, svg_text
from maestro.tenancy.models import PaperSize
from tests.handoff.print_fixtures import (
    FONTS_DIR,
    SHIPPED_FAMILIES,
    add_sections,
    contents_entries,
    font_descriptor,
    pdf_fonts,
    render_pdf,
    shipped_postscript_names,
    use_recording_fetcher,
)

pytestmark = pytest.mark.django_db

GENERATED = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)
NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
}

LONG_TABLE = """<table class="data"><caption>Every case</caption>
<thead><tr><th>Case</th><th>Notes</th><th class="num">Minutes</th></tr></thead>
<tbody>{% for row in data.rows %}<tr><td>Case {{ row }}</td>
<td>r{{ row }}-top<br>{% for line in data.lines %}line {{ line }} of the notes<br>{% endfor %}
r{{ row }}-bottom</td>
<td class="num">{{ row }}</td></tr>{% endfor %}</tbody></table>"""

HEADINGS = """{% for block in data.blocks %}<p>{% for line in block.filler %}Filler line {{ line }}
of block {{ block.key }}.<br>{% endfor %}</p><h2>Heading {{ block.key }}</h2>
<p>after-{{ block.key }} starts the text under its heading.</p>{% endfor %}"""

FIGURES = """{% for figure in data.figures %}<p>{{ figure.filler }}</p>
<figure><div>{{ figure.chart }}</div><div>{{ figure.legend }}</div>
<figcaption>caption-{{ figure.key }}</figcaption></figure>{% endfor %}"""

SPECIMEN = """<div class="metrics"><p class="metric"><strong>96.4%</strong>
<span class="muted">Accuracy</span></p><p class="metric"><strong>3.2 h</strong>
<span class="muted">Freed per day</span></p></div>
<p>Marks: ✓ ✗ ● ▲ ★ → <em>italic</em> <strong>bold</strong> <code>runbook --dry-run</code></p>
<figure>{{ data.chart }}<figcaption>Drawn by the product's SVG helpers.</figcaption></figure>
<p class="placeholder">Not written yet.</p>"""


def _chart(label: str, height: int = 300) -> str:
    root = svg_root(title=label, width=640, height=height)
    svg_text(root, 10, 20, f"{label}-top")
    svg_text(root, 10, height - 10, f"{label}-bottom", weight="600")
    return mark_safe(ET.tostring(root, encoding="unicode"))


@pytest.fixture
def asked(monkeypatch):
    return use_recording_fetcher(monkeypatch)


def test_contents_page_numbers_are_the_pages_the_sections_start_on(world, asked):
    doc = render_pdf(world.engagement_a, version=2, generated_at=GENERATED)

    entries = contents_entries(doc.texts[1])
    listed = [s for s in sections() if s.in_contents]
    assert [title for _, title, _ in entries] == [str(s.title) for s in listed]
    destinations = doc.reader.named_destinations
    for (number, title, page), section in zip(entries, listed, strict=True):
        # The heading's anchor is where the layout really put it, and the page shows it.
        assert doc.reader.get_destination_page_number(destinations[section.key]) + 1 == page
        assert f"{number}. {title}" in doc.texts[page - 1]
        if page - 1 > 2:  # the page before is a section's, not the contents
            assert f"{number}. {title}" not in doc.texts[page - 2]
    assert doc.page_of("Contents") == 2


def test_pages_carry_their_number_and_the_running_header(world, asked):
    doc = render_pdf(world.engagement_a, version=2, generated_at=GENERATED)

    total = len(doc.texts)
    assert total >= len(sections()) + 1  # the cover, the contents, a page per section
    assert " / " not in doc.texts[0] and "Acme · A agents" not in doc.texts[0]
    for number, text in enumerate(doc.texts[1:], start=2):
        assert f"{number} / {total}" in text
        assert "Acme · A agents" in text
        assert "Handoff: A agents · version 2 · 2026-03-14" in text
    # The running header names the section each page belongs to.
    summary = doc.reader.get_destination_page_number(doc.reader.named_destinations["summary"])
    assert doc.texts[summary].count("Executive summary") == 2  # the heading and the header


def test_the_pdf_says_what_it_is_and_who_wrote_it(world, asked):
    world.consultant.first_name, world.consultant.last_name = "Maria", "Lopes"
    world.consultant.save()
    doc = render_pdf(world.engagement_a, version=2, generated_at=GENERATED)

    info = doc.reader.metadata
    assert info["/Title"] == "Handoff: A agents"
    assert info["/Author"] == "Maria Lopes"
    assert info["/Subject"] == "Handoff document of A agents for Acme, version 2"
    assert info["/Keywords"] == "handoff, Acme, A agents, version 2"
    assert info["/Creator"] == "Maestro"
    assert info["/CreationDate"] == "D:20260314092653+00'00"
    assert doc.reader.trailer["/Root"]["/Lang"] == "en-US"
    xmp = _xmp(doc)
    assert xmp.find(".//dc:title//rdf:li", NS).text == "Handoff: A agents"
    assert xmp.find(".//dc:creator//rdf:li", NS).text == "Maria Lopes"
    assert xmp.find(".//pdf:Keywords", NS).text == "handoff, Acme, A agents, version 2"
    assert xmp.find(".//xmp:CreateDate", NS).text == "2026-03-14T09:26:53+00:00"


def test_a_preview_says_so(world, asked):
    doc = render_pdf(world.engagement_a, generated_at=GENERATED)

    assert (
        doc.reader.metadata["/Subject"] == "Handoff document of A agents for Acme (print preview)"
    )
    assert "Handoff: A agents · print preview · 2026-03-14" in doc.texts[1]


def test_it_is_pdf_a_3b_with_its_json_as_an_associated_file(world, asked, caplog):
    doc = render_pdf(world.engagement_a, caplog, version=2, generated_at=GENERATED)

    description = _xmp(doc).find(".//rdf:Description[@pdfaid:part]", NS)
    assert description.get(f"{{{NS['pdfaid']}}}part") == "3"
    assert description.get(f"{{{NS['pdfaid']}}}conformance") == "B"
    catalog = doc.reader.trailer["/Root"]
    (intent,) = catalog["/OutputIntents"]
    assert intent.get_object()["/S"] == "/GTS_PDFA1"
    (associated,) = catalog["/AF"]
    filespec = associated.get_object()
    assert filespec["/AFRelationship"] == "/Data"
    assert filespec["/UF"] == DATA_FILENAME
    embedded = filespec["/EF"]["/F"].get_object()
    assert embedded["/Subtype"] == "/application/json"
    assert embedded["/Params"]["/ModDate"] == "D:20260314092653Z"
    assert json.loads(embedded.get_data())["format"] == "maestro.handoff/1"
    # WeasyPrint had nothing to complain about: every font loaded, every rule understood.
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


@pytest.mark.parametrize(
    ("paper", "size"), [(PaperSize.A4, (595, 842)), (PaperSize.LETTER, (612, 792))]
)
def test_pages_are_laid_out_for_the_clients_paper(world, asked, paper, size):
    doc = render_pdf(world.engagement_a, version=1, paper_size=paper)

    for page in doc.reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == size


def test_every_font_is_embedded_and_one_the_product_ships(world, asked, monkeypatch):
    add_sections(monkeypatch, ("specimen", "Specimen", SPECIMEN, {"chart": _chart("chart")}))
    doc = render_pdf(world.engagement_a, version=1)

    shipped = shipped_postscript_names()
    used = set()
    for font in pdf_fonts(doc.reader):
        descriptor = font_descriptor(font)
        files = [key for key in ("/FontFile", "/FontFile2", "/FontFile3") if key in descriptor]
        assert files, f"{font['/BaseFont']} is not embedded"
        # An @font-face font is named after its CSS family (and style).
        name = str(font["/BaseFont"]).split("+", 1)[-1].replace("-", " ")
        assert any(name.startswith(family) for family in SHIPPED_FAMILIES), name
        embedded = TTFont(io.BytesIO(descriptor[files[0]].get_object().get_data()))
        used.add(embedded["name"].getDebugName(6))
    assert used <= shipped
    # Text, bold, italic, code, the symbols Plex lacks, and the chart's own text.
    assert {
        "IBMPlexSans-Regular",
        "IBMPlexSans-SemiBold",
        "IBMPlexSans-Italic",
        "IBMPlexMono-Regular",
        "DejaVuSans",
    } <= used
    assert "chart-top" in doc.texts[-1]
    # Every shipped font was fetched as the product's own file, and nothing else was asked for.
    assert set(asked) == {static_url(f"fonts/{path.name}") for path in FONTS_DIR.glob("*.ttf")}


def test_a_long_table_never_cuts_a_row_and_repeats_its_header(world, asked, monkeypatch):
    rows = [f"{n:03d}" for n in range(1, 71)]
    # Rows of ten lines: tall enough that a page's foot would cut some of them.
    context = {"rows": rows, "lines": range(2, 10)}
    add_sections(monkeypatch, ("long", "Long table", LONG_TABLE, context))
    doc = render_pdf(world.engagement_a, version=1)

    pages = set()
    for row in rows:
        top, bottom = doc.page_of(f"r{row}-top"), doc.page_of(f"r{row}-bottom")
        assert top == bottom, f"row {row} is cut across pages {top} and {bottom}"
        pages.add(top)
    assert len(pages) >= 3
    for page in pages:
        assert "CaseNotes" in doc.texts[page - 1].replace(" ", "")


def test_a_heading_is_never_the_last_line_of_a_page(world, asked, monkeypatch):
    blocks = [{"key": f"h{n:03d}", "filler": range(1, 2 + (n * 7) % 13)} for n in range(1, 41)]
    add_sections(monkeypatch, ("headings", "Headings", HEADINGS, {"blocks": blocks}))
    doc = render_pdf(world.engagement_a, version=1)

    for block in blocks:
        key = block["key"]
        assert doc.page_of(f"Heading {key}") == doc.page_of(f"after-{key} starts"), key


def test_a_figure_keeps_its_chart_and_caption_together(world, asked, monkeypatch):
    keys = [f"f{n:02d}" for n in range(1, 13)]
    figures = [
        {
            "key": key,
            "chart": _chart(key),
            "legend": _chart(f"{key}-legend", height=120),
            "filler": "Text between the figures. " * (n * 11 % 40),
        }
        for n, key in enumerate(keys)
    ]
    context = {"figures": figures}
    add_sections(monkeypatch, ("figures", "Figures", FIGURES, context))
    doc = render_pdf(world.engagement_a, version=1)

    assert len({doc.page_of(f"caption-{key}") for key in keys}) >= 4
    for key in keys:
        page = doc.page_of(f"caption-{key}")
        assert doc.page_of(f"{key}-top") == doc.page_of(f"{key}-legend-bottom") == page, key


def _xmp(doc) -> ET.Element:
    stream = doc.reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    start, end = stream.index(b"<rdf:RDF"), stream.rindex(b"</rdf:RDF>") + len(b"</rdf:RDF>")
    return ET.fromstring(stream[start:end])
