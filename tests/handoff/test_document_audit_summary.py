"""The handoff PDF's appendix: the audit trail counted by kind and month of the client's
calendar, and every gate override in full."""

import io
import json
from datetime import UTC, datetime

import pypdf
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from handoff.document.render import DATA_FILENAME, document_build, document_pdf
from handoff.document.sections import audit_summary
from handoff.document.source import DocumentSource
from maestro.audit.events import AuditEvent
from maestro.engagements.models import Phase, PhaseTransition
from tests.audit.factories import record

pytestmark = pytest.mark.django_db


def _override(engagement, by, *, reason: str) -> PhaseTransition:
    return PhaseTransition.objects.create(
        engagement=engagement,
        from_phase=Phase.TRAINING,
        to_phase=Phase.DEPLOYMENT,
        by=by,
        note="The client's board wants it live.",
        override_reason=reason,
        gate_results=[
            {"code": "accuracy", "label": "Accuracy target met", "passed": False, "detail": "78%"},
            {"code": "playbook", "label": "A playbook exists", "passed": True, "detail": ""},
        ],
    )


@pytest.fixture
def engagement(world):
    engagement = world.engagement_a
    world.client_a.time_zone = "America/New_York"
    world.client_a.save(update_fields=["time_zone"])
    # 1 March 02:30 UTC is still February in New York.
    for at in [datetime(2026, 2, 10, 12, tzinfo=UTC), datetime(2026, 3, 1, 2, 30, tzinfo=UTC)]:
        record(AuditEvent.ENGAGEMENT_CHANGED, engagement=engagement, at=at)
    record(AuditEvent.RUNBOOK_PUBLISHED, engagement=engagement, at=datetime(2026, 3, 5, tzinfo=UTC))
    _override(engagement, world.consultant, reason="Accuracy is 78%; the sponsor accepted it.")
    return engagement


def test_the_appendix_counts_entries_by_kind_and_local_month_and_prints_every_override(
    engagement,
):
    source = DocumentSource(engagement=engagement, version=1)
    built = document_build(source)
    reader = pypdf.PdfReader(io.BytesIO(document_pdf(built, source)))
    text = "\n".join(page.extract_text() for page in reader.pages)

    data = json.loads(reader.attachments[DATA_FILENAME][0])["audit_summary"]
    assert {(row["event"], row["month"], row["entries"]) for row in data["by_kind_and_month"]} == {
        ("engagement.changed", "2026-02", 2),
        ("runbook.published", "2026-03", 1),
    }
    assert data["entries"] == 3
    (override,) = data["gate_overrides"]
    assert override["reason"] == "Accuracy is 78%; the sponsor accepted it."
    assert [check["label"] for check in override["failed"]] == ["Accuracy target met"]
    assert "Appendix: audit summary" in text
    assert "Accuracy is 78%; the sponsor accepted it." in text
    assert "Accuracy target met: 78%" in text
    # Only the failing checks the override went past (the training section shows the gate).
    assert "A playbook exists" not in text.split("Appendix: audit summary")[-1]


def test_the_appendix_reads_two_queries_whatever_the_entries(engagement, world):
    source = DocumentSource(engagement=engagement, version=1)
    with CaptureQueriesContext(connection) as few:
        audit_summary.gather(source)
    for n in range(20):
        record(AuditEvent.RUNBOOK_PUBLISHED, engagement=engagement)
        _override(engagement, world.consultant, reason=f"Reason {n}")
    with CaptureQueriesContext(connection) as many:
        gathered = audit_summary.gather(source)
    assert len(many) == len(few) == 2
    assert len(gathered.data["gate_overrides"]) == 21
