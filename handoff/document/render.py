"""From the engagement to the handoff document's HTML, and from that HTML to the PDF."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from handoff.document.fetcher import DocumentFetcher
from handoff.document.sections import Section, sections
from handoff.document.source import DocumentSource

# The file attached inside the PDF (PDF/A-3 allows it), for the client's own tools.
DATA_FILENAME = "handoff.json"
DATA_FORMAT = "maestro.handoff/1"


@dataclass
class BuiltDocument:
    html: str
    data: dict[str, Any]
    title: str


def document_build(
    source: DocumentSource, *, on_section: Callable[[Section, int, int], None] | None = None
) -> BuiltDocument:
    """Gather every section and render the document's HTML; `on_section(section, done, total)`
    is told after each section (the job's progress)."""
    parts = sections()
    rendered = []
    data: dict[str, Any] = {"format": DATA_FORMAT}
    for done, section in enumerate(parts, start=1):
        gathered = section.gather(source)
        rendered.append({"section": section, "context": gathered.context})
        if gathered.data is not None:
            data[section.key] = gathered.data
        if on_section is not None:
            on_section(section, done, len(parts))
    engagement = source.engagement
    title = _("Handoff: %(engagement)s") % {"engagement": engagement.name}
    html = render_to_string(
        "handoff/document/document.html",
        {"source": source, "parts": rendered, "title": title},
    )
    return BuiltDocument(html=html, data=data, title=title)


def document_pdf(built: BuiltDocument, source: DocumentSource) -> bytes:
    """The PDF of an already-rendered document: PDF/A-3b, the JSON attached, nothing fetched
    but the product's own files."""
    from weasyprint import HTML, Attachment

    attachment = Attachment(
        string=json.dumps(built.data, sort_keys=True, default=str),
        name=DATA_FILENAME,
        description="Machine-readable handoff data",
        relationship="Data",
    )
    html = HTML(string=built.html, url_fetcher=DocumentFetcher(), base_url=None)
    return html.write_pdf(pdf_variant="pdf/a-3b", attachments=[attachment])
