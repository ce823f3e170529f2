"""The handoff PDF, opened for real with pypdf."""

import io
import json

import pypdf
import pytest

from handoff.document.render import DATA_FILENAME, document_build, document_pdf
from handoff.document.sections import sections
from handoff.document.source import DocumentSource

pytestmark = pytest.mark.django_db


def _pdf(engagement, **source_fields) -> pypdf.PdfReader:
    source = DocumentSource(engagement=engagement, **source_fields)
    return pypdf.PdfReader(io.BytesIO(document_pdf(document_build(source), source)))


def test_the_pdf_carries_its_json_and_a_page_per_section(world):
    reader = _pdf(world.engagement_a, version=1)

    attached = json.loads(reader.attachments[DATA_FILENAME][0])
    assert attached["format"] == "maestro.handoff/1"
    # The cover and the contents share the first page; every other section starts a page.
    assert len(reader.pages) >= len(sections())


def test_progress_is_told_after_each_section(world):
    told = []
    document_build(
        DocumentSource(engagement=world.engagement_a),
        on_section=lambda section, done, total: told.append((section.key, done, total)),
    )
    assert [key for key, _, _ in told] == [s.key for s in sections()]
    assert told[-1][1:] == (len(sections()), len(sections()))
