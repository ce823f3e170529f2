"""The demo's handoff PDF: version 1 of Northwind's engagement, generated while seeding (the
file in storage is the one its SHA-256 names, a real PDF naming the engagement on its cover)
and signed off by its sponsor and its operator; the generation task's message, sent once the
seed commits, changes nothing when a worker receives it; a generation that fails stops the
seed."""

import hashlib
import io
from unittest import mock

import pypdf
import pytest
from django.core.files.storage import default_storage

from handoff.models import HandoffDocument, HandoffSignOff
from handoff.selectors.sign_offs import sign_off_status
from handoff.services.pdf_render import RenderRefused
from handoff.tasks_documents import handoff_document_generate_task
from maestro.audit.events import AuditEvent
from maestro.audit.models import AuditEntry
from maestro.demo.engagement import NORTHWIND_ENGAGEMENT
from maestro.demo.seed import demo_seed
from maestro.engagements.models import Engagement

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo_handoff_pdf(settings):
    """`make demo` seeds the PDF; the test settings leave it out elsewhere."""
    settings.MAESTRO_DEMO_HANDOFF_PDF = True


def _engagement() -> Engagement:
    return Engagement.objects.select_related("client").get(name=NORTHWIND_ENGAGEMENT)


def _document_events(engagement: Engagement) -> list[str]:
    return list(
        AuditEntry.objects.filter(engagement=engagement, event__startswith="handoff_document.")
        .order_by("pk")
        .values_list("event", flat=True)
    )


def test_demo_has_a_generated_handoff_pdf_signed_off_by_sponsor_and_operator():
    demo_seed()
    demo_seed()  # once only
    engagement = _engagement()

    document = HandoffDocument.objects.get(engagement=engagement)
    assert document.version == 1
    assert document.status == HandoffDocument.Status.SUCCEEDED
    assert document.requested_by.username == "maria"
    assert document.error == ""
    with default_storage.open(document.file.name, "rb") as stored:
        content = stored.read()
    assert hashlib.sha256(content).hexdigest() == document.sha256
    assert document.size_bytes == len(content)
    reader = pypdf.PdfReader(io.BytesIO(content))
    assert document.page_count == len(reader.pages) > 10
    assert NORTHWIND_ENGAGEMENT in reader.pages[0].extract_text()
    assert engagement.client.name in reader.pages[0].extract_text()
    assert document.manifest  # what the client signs for: runbook and playbook versions

    sign_offs = list(HandoffSignOff.objects.filter(document=document).order_by("role"))
    assert [(s.signed_by.username, s.role) for s in sign_offs] == [
        ("olivia", HandoffSignOff.Role.OPERATOR),
        ("sam", HandoffSignOff.Role.SPONSOR),
    ]
    assert all(s.sha256 == document.sha256 for s in sign_offs)
    assert sign_off_status(engagement).signed_off
    assert _document_events(engagement) == [
        AuditEvent.HANDOFF_DOCUMENT_REQUESTED,
        AuditEvent.HANDOFF_DOCUMENT_GENERATED,
        AuditEvent.HANDOFF_DOCUMENT_SIGNED,
        AuditEvent.HANDOFF_DOCUMENT_SIGNED,
    ]


def test_the_generation_message_sent_after_the_seed_changes_nothing_when_delivered(
    django_capture_on_commit_callbacks,
):
    with (
        mock.patch.object(handoff_document_generate_task, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        demo_seed()
    engagement = _engagement()
    document = HandoffDocument.objects.get(engagement=engagement)
    delay.assert_called_once_with(document.pk)
    before = HandoffDocument.objects.filter(pk=document.pk).values().get()
    events = _document_events(engagement)

    # What a worker runs on that message, once or twice (acks_late).
    handoff_document_generate_task(document.pk)
    handoff_document_generate_task(document.pk)

    assert HandoffDocument.objects.filter(pk=document.pk).values().get() == before
    assert HandoffDocument.objects.filter(engagement=engagement).count() == 1
    assert default_storage.exists(document.file.name)
    assert _document_events(engagement) == events
    assert sign_off_status(engagement).signed_off


def test_a_failed_generation_stops_the_seed_and_keeps_nothing():
    refused = RenderRefused("Rendering the PDF failed on purpose.", code="render_failed")
    with (
        mock.patch("handoff.services.documents.pdf_render_bounded", side_effect=refused),
        pytest.raises(RuntimeError, match="Rendering the PDF failed on purpose."),
    ):
        demo_seed()
    assert not Engagement.objects.exists()
    assert not HandoffDocument.objects.exists()
