"""From the engagement to the handoff document's HTML, and from that HTML to the PDF.

The document names the product's own files (its fonts) by `maestro:/static/<path>` URLs and is
rendered with `base_url=None`: see handoff/document/fetcher.py for that contract and the one URL
fetcher that serves it. The print stylesheet, static/handoff/document.css, is read through that
fetcher and inlined into the HTML at build time, so the print preview shows the same document
and the PDF fetches nothing but fonts.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from handoff.document.assets import static_text
from handoff.document.fetcher import DocumentFetcher
from handoff.document.sections import Section, sections
from handoff.document.source import DocumentSource
from maestro.tenancy.models import PaperSize

# The file attached inside the PDF (PDF/A-3 allows it), for the client's own tools.
DATA_FILENAME = "handoff.json"
DATA_FORMAT = "maestro.handoff/1"
STYLESHEET = "handoff/document.css"
GENERATOR = "Maestro"
# CSS page sizes: A4 is 210 × 297 mm (595 × 842 pt), US Letter 8.5 × 11 in (612 × 792 pt).
PAGE_SIZES: dict[str, str] = {PaperSize.A4: "A4", PaperSize.LETTER: "letter"}


@dataclass
class DocumentMeta:
    """What the PDF says about itself (its Info dictionary and XMP, from the HTML's <title>,
    <meta> and <html lang>)."""

    title: str
    subject: str
    author: str
    lang: str
    created: str  # W3C date-time, UTC
    keywords: list[str] = field(default_factory=list)
    generator: str = GENERATOR


@dataclass
class BuiltDocument:
    html: str
    data: dict[str, Any]
    title: str
    meta: DocumentMeta | None = None


@dataclass
class _Part:
    section: Section
    context: dict[str, Any]


def document_build(
    source: DocumentSource, *, on_section: Callable[[Section, int, int], None] | None = None
) -> BuiltDocument:
    """Gather every section and render the document's HTML; `on_section(section, done, total)`
    is told after each section (the job's progress)."""
    parts = sections()
    rendered: list[_Part] = []
    data: dict[str, Any] = {"format": DATA_FORMAT}
    for done, section in enumerate(parts, start=1):
        gathered = section.gather(source)
        rendered.append(_Part(section=section, context=gathered.context))
        if gathered.data is not None:
            data[section.key] = gathered.data
        if on_section is not None:
            on_section(section, done, len(parts))
    meta = document_meta(source)
    html = render_to_string(
        "handoff/document/document.html",
        {
            "source": source,
            "meta": meta,
            "footer": _footer(source, meta),
            # The cover (and any other part outside the contents) shares the first page.
            "front": [part for part in rendered if not part.section.in_contents],
            "body": [part for part in rendered if part.section.in_contents],
            "page_size": PAGE_SIZES.get(source.paper_size, "A4"),
            # The product's own file, not data: inlined as it is.
            "stylesheet": mark_safe(static_text(STYLESHEET)),
        },
    )
    return BuiltDocument(html=html, data=data, title=meta.title, meta=meta)


def document_meta(source: DocumentSource) -> DocumentMeta:
    """Title, subject, author (the engagement's lead), keywords, language and creation time."""
    engagement = source.engagement
    client = source.client
    title = _("Handoff: %(engagement)s") % {"engagement": engagement.name}
    if source.version is None:
        subject = _("Handoff document of %(engagement)s for %(client)s (print preview)")
    else:
        subject = _("Handoff document of %(engagement)s for %(client)s, version %(version)s")
    subject %= {"engagement": engagement.name, "client": client.name, "version": source.version}
    lead = engagement.lead
    keywords = [_("handoff"), client.name, engagement.name]
    if source.version is not None:
        keywords.append(_("version %(version)s") % {"version": source.version})
    return DocumentMeta(
        title=title,
        subject=subject,
        author=(lead.get_full_name() or lead.username) if lead else "",
        lang=_bcp47(get_language() or settings.LANGUAGE_CODE),
        created=source.generated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        # WeasyPrint splits the keywords meta on commas: a name keeps its own in one keyword.
        keywords=[keyword.replace(",", " ") for keyword in keywords],
    )


def document_pdf(built: BuiltDocument, source: DocumentSource) -> bytes:
    """The PDF of an already-rendered document: PDF/A-3b, the JSON attached as an associated
    file (AFRelationship /Data), nothing fetched but the product's own files."""
    from weasyprint import HTML, Attachment

    fetcher = DocumentFetcher()
    attachment = Attachment(
        string=json.dumps(built.data, sort_keys=True, default=str),
        # Given, or WeasyPrint makes a default fetcher, and with it an SSL context (tens of ms).
        url_fetcher=fetcher,
        name=DATA_FILENAME,
        description="Machine-readable handoff data",
        relationship="Data",
        # The generation's own time, so the same document gives the same attachment.
        created=source.generated_at.astimezone(UTC),
        modified=source.generated_at.astimezone(UTC),
    )
    html = HTML(string=built.html, url_fetcher=fetcher, base_url=None)
    return html.write_pdf(
        pdf_variant="pdf/a-3b", attachments=[attachment], finisher=_associated_files_once
    )


def _associated_files_once(document, pdf) -> None:
    """WeasyPrint 70 lists each attachment twice in the catalog's /AF array (once from the
    embedded files' name tree, once from the file specifications); PDF/A-3 means once."""
    associated = pdf.catalog.get("AF")
    if associated:
        unique = list(dict.fromkeys(associated))
        associated.clear()
        associated.extend(unique)


def _footer(source: DocumentSource, meta: DocumentMeta) -> str:
    day = f"{source.generated_at.astimezone(source.client.tzinfo):%Y-%m-%d}"
    if source.version is None:
        return _("%(title)s · print preview · %(day)s") % {"title": meta.title, "day": day}
    return _("%(title)s · version %(version)s · %(day)s") % {
        "title": meta.title,
        "version": source.version,
        "day": day,
    }


def _bcp47(language: str) -> str:
    """Django's "en-us" as a BCP 47 tag, "en-US" (the PDF's /Lang and the HTML's lang)."""
    primary, _sep, rest = language.partition("-")
    if len(rest) == 2:
        return f"{primary.lower()}-{rest.upper()}"
    return f"{primary.lower()}{'-' + rest if rest else ''}"
