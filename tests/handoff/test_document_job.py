"""The handoff PDF's job, service by service: asking for a generation (versions, one at a time,
who may), making it (progress by section, the stored file and its checksum, the manifest, the
audit trail) and every way it fails with a clear message."""

import hashlib
import io
from datetime import timedelta
from pathlib import Path

import pypdf
import pytest
from billiard.exceptions import WorkerLostError
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery.signals import task_failure
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.utils import timezone

from handoff.document.sections import SectionData, open_risks, sections, sign_off
from handoff.models import HandoffDocument
from handoff.services import documents as services
from handoff.tasks_documents import handoff_document_generate_task
from maestro.audit.events import AuditEvent
from maestro.audit.models import AuditEntry
from maestro.exceptions import NotPermitted, StateConflict
from maestro.tenancy.models import PaperSize
from runbooks.models import Runbook, RunbookVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """The generation tasks sent (their document ids), instead of a broker."""
    ids: list[int] = []
    monkeypatch.setattr(handoff_document_generate_task, "delay", ids.append)
    return ids


def _request(world, django_capture_on_commit_callbacks, actor=None) -> HandoffDocument:
    with django_capture_on_commit_callbacks(execute=True):
        return services.handoff_document_request(
            engagement=world.engagement_a, actor=actor or world.consultant
        )


def _audit(event: AuditEvent, document: HandoffDocument) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            event=event, target_type="handoff.HandoffDocument", target_id=str(document.pk)
        )
    )


# --- asking -------------------------------------------------------------------------------------


def test_a_request_queues_the_next_version_on_the_clients_paper_and_sends_the_task(
    world, sent, django_capture_on_commit_callbacks
):
    world.client_a.paper_size = PaperSize.LETTER
    world.client_a.save(update_fields=["paper_size"])

    first = _request(world, django_capture_on_commit_callbacks)

    assert (first.version, first.status, first.paper_size) == (1, "queued", "letter")
    assert first.requested_by == world.consultant
    assert first.sections_total == len(sections())
    assert sent == [first.pk]
    (entry,) = _audit(AuditEvent.HANDOFF_DOCUMENT_REQUESTED, first)
    assert (entry.actor_user, entry.engagement, entry.client) == (
        world.consultant,
        world.engagement_a,
        world.client_a,
    )
    assert entry.data == {"version": 1, "paper_size": "letter"}

    HandoffDocument.objects.filter(pk=first.pk).update(status="failed")
    second = _request(world, django_capture_on_commit_callbacks)
    assert second.version == 2
    assert sent == [first.pk, second.pk]


def test_the_task_is_sent_only_once_the_request_commits(world, sent):
    services.handoff_document_request(engagement=world.engagement_a, actor=world.consultant)
    assert sent == []  # still inside the test's transaction


@pytest.mark.parametrize("status", ["queued", "running"])
def test_a_second_request_while_one_is_in_flight_is_refused(
    world, sent, status, django_capture_on_commit_callbacks
):
    first = _request(world, django_capture_on_commit_callbacks)
    HandoffDocument.objects.filter(pk=first.pk).update(status=status)

    with pytest.raises(StateConflict) as refused:
        services.handoff_document_request(engagement=world.engagement_a, actor=world.consultant)

    assert refused.value.code == "generation_in_progress"
    assert f"Version 1 of the handoff PDF is still {status}" in refused.value.message
    assert HandoffDocument.objects.filter(engagement=world.engagement_a).count() == 1
    assert sent == [first.pk]


def test_other_engagements_do_not_block_a_request(world, sent, django_capture_on_commit_callbacks):
    services.handoff_document_request(engagement=world.engagement_b, actor=world.consultant_b)
    assert _request(world, django_capture_on_commit_callbacks).version == 1


@pytest.mark.parametrize("who", ["operator_a", "sponsor_a", "consultant_b"])
def test_only_the_engagements_consultants_may_ask(world, sent, who):
    with pytest.raises(NotPermitted) as refused:
        services.handoff_document_request(engagement=world.engagement_a, actor=getattr(world, who))
    assert refused.value.code == "not_consultant"
    assert not HandoffDocument.objects.exists()
    assert not AuditEntry.objects.filter(event=AuditEvent.HANDOFF_DOCUMENT_REQUESTED).exists()


# --- making ------------------------------------------------------------------------------------


@pytest.fixture
def queued(world, sent, django_capture_on_commit_callbacks) -> HandoffDocument:
    return _request(world, django_capture_on_commit_callbacks)


def test_a_generation_stores_the_pdf_with_its_checksum_size_and_pages(queued):
    document = services.handoff_document_generate(document_id=queued.pk)

    assert document is not None
    assert (document.status, document.error) == ("succeeded", "")
    assert document.file.name.startswith(f"handoff/{queued.engagement_id}/")
    assert document.file.name.endswith("-handoff-v1.pdf")
    with default_storage.open(document.file.name, "rb") as stored:
        content = stored.read()
    assert content.startswith(b"%PDF-")
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.size_bytes == len(content)
    assert document.page_count == len(pypdf.PdfReader(io.BytesIO(content)).pages)
    assert document.page_count >= len(sections())
    assert (document.sections_done, document.sections_total) == (len(sections()),) * 2
    assert document.started_at is not None and document.finished_at is not None
    (entry,) = _audit(AuditEvent.HANDOFF_DOCUMENT_GENERATED, document)
    assert entry.actor_kind == "system"
    assert entry.data == {
        "version": 1,
        "sha256": document.sha256,
        "size_bytes": len(content),
        "page_count": document.page_count,
    }


def test_progress_is_written_section_by_section_while_running(queued, monkeypatch):
    seen = []
    original = services.job_progress

    def recording(model, *, job_id, **fields):
        original(model, job_id=job_id, **fields)
        row = HandoffDocument.objects.get(pk=job_id)
        seen.append((row.status, row.sections_done, row.sections_total, row.current_section))

    monkeypatch.setattr(services, "job_progress", recording)

    services.handoff_document_generate(document_id=queued.pk)

    titles = [str(s.title) for s in sections()]
    total = len(titles)
    assert seen == [
        ("running", done, total, titles[done] if done < total else "Rendering the PDF")
        for done in range(1, total + 1)
    ]
    assert titles[4] == "Training history"  # the page says "5 of 11: Training history"


def test_the_manifest_is_what_the_sign_off_section_gathered(queued, monkeypatch):
    manifest = {
        "runbooks": [{"id": 7, "version": 3, "sha256": "ab" * 32}],
        "playbooks": [{"id": 2, "version": 5, "sha256": "cd" * 32}],
    }
    real = sign_off.gather
    monkeypatch.setattr(
        "handoff.document.sections.sign_off.gather",
        lambda source: SectionData(context=real(source).context, data=manifest),
    )
    document = services.handoff_document_generate(document_id=queued.pk)
    assert document.manifest == manifest


def test_a_duplicate_delivery_runs_nothing_twice(queued):
    first = services.handoff_document_generate(document_id=queued.pk)
    assert services.handoff_document_generate(document_id=queued.pk) is None
    again = HandoffDocument.objects.get(pk=queued.pk)
    assert (again.sha256, again.file.name) == (first.sha256, first.file.name)
    assert len(_audit(AuditEvent.HANDOFF_DOCUMENT_GENERATED, again)) == 1


def test_files_go_through_the_storage_api_only(queued, settings):
    """With an in-memory storage, a write or read through a filesystem path would miss."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    media = Path(django_settings.MEDIA_ROOT)
    on_disk = set(media.rglob("*"))

    document = services.handoff_document_generate(document_id=queued.pk)

    assert document.status == "succeeded"
    with default_storage.open(document.file.name, "rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == document.sha256
    assert set(media.rglob("*")) == on_disk


# --- failing -----------------------------------------------------------------------------------


def _failed(document_id: int, *, fragment: str) -> HandoffDocument:
    document = HandoffDocument.objects.get(pk=document_id)
    assert document.status == "failed"
    assert fragment in document.error, document.error
    assert (document.file.name, document.sha256, document.current_section) == ("", "", "")
    assert document.finished_at is not None
    (entry,) = _audit(AuditEvent.HANDOFF_DOCUMENT_FAILED, document)
    assert entry.data["error"] == document.error[:500]
    return document


def test_a_failing_build_records_a_clear_error_and_reaches_the_error_tracker(queued, monkeypatch):
    def broken(source):
        raise RuntimeError("the chart broke")

    monkeypatch.setattr("handoff.document.sections.training.gather", broken)

    with pytest.raises(RuntimeError):
        services.handoff_document_generate(document_id=queued.pk)

    _failed(queued.pk, fragment="Generating the PDF stopped on an unexpected error; try again.")


def test_html_over_the_cap_fails_before_rendering(queued, settings, monkeypatch):
    settings.HANDOFF_PDF_MAX_HTML_BYTES = 100
    rendered = []
    monkeypatch.setattr(services, "pdf_render_bounded", lambda *a, **k: rendered.append(1))

    services.handoff_document_generate(document_id=queued.pk)

    document = _failed(queued.pk, fragment="the document's HTML is ")
    assert "over the limit of 100 bytes (HANDOFF_PDF_MAX_HTML_BYTES)" in document.error
    assert rendered == []


def test_rows_over_the_cap_fail(queued, settings, monkeypatch):
    settings.HANDOFF_PDF_MAX_ROWS = 5
    real = open_risks.gather
    monkeypatch.setattr(
        "handoff.document.sections.open_risks.gather",
        lambda source: SectionData(
            context=real(source).context, data={"tasks": [{"id": n} for n in range(6)]}
        ),
    )
    services.handoff_document_generate(document_id=queued.pk)
    # The six tasks and whatever the other sections gathered.
    _failed(queued.pk, fragment="rows, over the limit of 5 rows (HANDOFF_PDF_MAX_ROWS)")


def test_runbooks_over_the_cap_fail_before_anything_is_gathered(
    world, queued, settings, monkeypatch
):
    settings.HANDOFF_PDF_MAX_RUNBOOK_CHARS = 1000
    for n, status in enumerate(["published", "published", "draft"]):
        runbook = Runbook.objects.create(
            engagement=world.engagement_a,
            title=f"R{n}",
            slug=f"r{n}",
            owner=world.consultant,
            status=status,
            head=1,
        )
        version = RunbookVersion.objects.create(
            runbook=runbook,
            number=1,
            title="R",
            html="x" * 600,
            message="m",
            author=world.consultant,
        )
        Runbook.objects.filter(pk=runbook.pk).update(published_version=version)
    gathered = []
    monkeypatch.setattr("handoff.document.sections.cover.gather", lambda source: gathered.append(1))

    services.handoff_document_generate(document_id=queued.pk)

    document = _failed(queued.pk, fragment="the published runbooks' text is 1200 characters")
    assert "(HANDOFF_PDF_MAX_RUNBOOK_CHARS)" in document.error
    assert gathered == []


def test_a_render_over_its_memory_bound_fails_with_the_limit(queued, settings):
    settings.HANDOFF_PDF_RENDER_MEMORY_MB = 1
    services.handoff_document_generate(document_id=queued.pk)
    _failed(queued.pk, fragment="Rendering the PDF needed more than 1 MB of memory")


def test_a_render_over_its_time_limit_fails_with_the_limit(queued, settings):
    settings.HANDOFF_PDF_RENDER_TIME_LIMIT = 0.001
    services.handoff_document_generate(document_id=queued.pk)
    _failed(queued.pk, fragment="Rendering the PDF took longer than 0.001 seconds")


def test_the_tasks_soft_time_limit_fails_the_job_with_its_message(queued, monkeypatch):
    def slow(source):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr("handoff.document.sections.runbooks.gather", slow)
    services.handoff_document_generate(document_id=queued.pk)
    _failed(queued.pk, fragment="took longer than 100 seconds, the job's time limit")


# --- lost by the worker ------------------------------------------------------------------------


def _running(document: HandoffDocument, **fields) -> HandoffDocument:
    HandoffDocument.objects.filter(pk=document.pk).update(status="running", **fields)
    return document


@pytest.mark.parametrize(
    ("exception", "fragment"),
    [
        (TimeLimitExceeded(120), "went over its hard time limit of 120 seconds"),
        (WorkerLostError("signal 9"), "The worker generating this PDF stopped before it finished"),
    ],
)
def test_the_worker_fails_a_generation_its_process_lost_at_once(queued, exception, fragment):
    _running(queued, started_at=timezone.now())
    # What the worker's main process sends when the hard limit killed the task's process, or
    # that process died.
    task_failure.send(
        sender=handoff_document_generate_task,
        task_id="x",
        exception=exception,
        args=[queued.pk],
        kwargs={},
    )
    _failed(queued.pk, fragment=fragment)


def test_other_failures_and_other_tasks_leave_the_row_to_the_service(queued):
    _running(queued, started_at=timezone.now())
    task_failure.send(
        sender=handoff_document_generate_task, exception=RuntimeError(), args=[queued.pk]
    )
    task_failure.send(sender=object(), exception=TimeLimitExceeded(1), args=[queued.pk])
    assert HandoffDocument.objects.get(pk=queued.pk).status == "running"


def test_a_finished_generation_is_not_failed_by_a_late_signal(queued):
    services.handoff_document_generate(document_id=queued.pk)
    assert not services.handoff_document_lost(document_id=queued.pk, over_time_limit=120)
    assert HandoffDocument.objects.get(pk=queued.pk).status == "succeeded"


def test_recovery_fails_the_lost_and_resends_the_stale(world, queued, sent):
    now = timezone.now()
    past_limit = timedelta(seconds=HandoffDocument.TIME_LIMIT + 61)
    _running(queued, started_at=now - past_limit)
    stale = HandoffDocument.objects.create(engagement=world.engagement_b, version=1)
    HandoffDocument.objects.filter(pk=stale.pk).update(created_at=now - timedelta(minutes=11))

    assert services.handoff_documents_recover(now=now) == (1, 1)

    _failed(queued.pk, fragment="stopped before it finished")
    assert sent == [queued.pk, stale.pk]
    assert services.handoff_documents_recover(now=now) == (0, 1)  # still queued: sent again
