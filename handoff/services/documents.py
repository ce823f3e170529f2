"""Generations of the handoff PDF: asked for by the engagement's consultants, made by a job on
the `pdf` queue (handoff.tasks_documents), stored through Django's STORAGES["default"] (local
media or S3-compatible object storage, never a filesystem path) with their SHA-256.

One generation at a time per engagement; each is a new version. The job gathers the sections
(writing its progress by section), checks the input caps, renders the PDF in a bounded child
process (handoff.services.pdf_render) and stores it. Every limit that stops a generation fails
it with a message that says which limit and what to do (README, "Handoff PDF"); the next
generation is unaffected.
"""

import hashlib
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max, Sum
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from handoff.document.render import BuiltDocument, document_build
from handoff.document.sections import Section, sections
from handoff.document.source import DocumentSource
from handoff.models import HandoffDocument, handoff_document_path
from handoff.services.pdf_render import pdf_render_bounded
from maestro.audit.events import AuditEvent
from maestro.audit.services import Actor, audit_record
from maestro.engagements.models import Engagement
from maestro.engagements.scoping import require_engagement_manager
from maestro.exceptions import DomainError, StateConflict
from maestro.lib.jobs import JobStatus, job_claim, job_finish, job_progress, jobs_recover
from maestro.tenancy.models import User
from runbooks.models import Runbook

log = logging.getLogger(__name__)

IN_FLIGHT = (JobStatus.QUEUED, JobStatus.RUNNING)
CONSULTANTS_ONLY = gettext_lazy("Only the engagement's consultants generate its handoff PDF.")
SYSTEM = "handoff PDF job"


class DocumentTooLarge(DomainError):
    """An input cap refused the document (code `document_too_large`)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="document_too_large")


# --- asking for a generation ------------------------------------------------------------------


def handoff_document_request(*, engagement: Engagement, actor: User) -> HandoffDocument:
    """Queue the engagement's next version (the client's paper size, as it is now). Only its
    consultants may (NotPermitted, `not_consultant`); while a generation is queued or running,
    another is refused (StateConflict, `generation_in_progress`). The task is sent once the row
    commits."""
    from handoff.tasks_documents import handoff_document_generate_task  # it imports this module

    require_engagement_manager(actor, engagement, message=CONSULTANTS_ONLY)
    with transaction.atomic():
        # The engagement's row lock serialises two requests (the in-flight check and max + 1);
        # SQLite's IMMEDIATE transactions do the same there.
        locked = (
            Engagement.objects.select_for_update(of=("self",))
            .select_related("client")
            .get(pk=engagement.pk)
        )
        documents = HandoffDocument.objects.filter(engagement=locked)
        busy = documents.filter(status__in=IN_FLIGHT).order_by("version").first()
        if busy is not None:
            raise StateConflict(
                _(
                    "Version %(version)d of the handoff PDF is still %(status)s; wait until it "
                    "is done (or has failed) before generating another."
                )
                % {"version": busy.version, "status": busy.status_label.lower()},
                code="generation_in_progress",
            )
        version = (documents.aggregate(last=Max("version"))["last"] or 0) + 1
        document = HandoffDocument(
            engagement=locked,
            version=version,
            requested_by=actor,
            paper_size=locked.client.paper_size,
            sections_total=len(sections()),
        )
        document.full_clean()
        document.save()
        audit_record(
            AuditEvent.HANDOFF_DOCUMENT_REQUESTED,
            actor=actor,
            client=locked.client,
            engagement=locked,
            target=document,
            data={"version": version, "paper_size": document.paper_size},
        )
        transaction.on_commit(lambda: handoff_document_generate_task.delay(document.pk))
    return document


# --- the job ------------------------------------------------------------------------------------


def _too_large(what: str, size: str, limit: str, setting: str, advice: str) -> DocumentTooLarge:
    return DocumentTooLarge(
        _(
            "The handoff document is too large to generate: %(what)s is %(size)s, over the "
            "limit of %(limit)s (%(setting)s). %(advice)s"
        )
        % {"what": what, "size": size, "limit": limit, "setting": setting, "advice": advice}
    )


def document_check_source(engagement: Engagement) -> None:
    """The caps checked before anything is gathered: the published runbooks' text, which the
    document prints in full (one query)."""
    limit = settings.HANDOFF_PDF_MAX_RUNBOOK_CHARS
    total = (
        Runbook.objects.filter(
            engagement=engagement,
            status=Runbook.Status.PUBLISHED,
            published_version__isnull=False,
        ).aggregate(total=Sum(Length("published_version__html")))["total"]
        or 0
    )
    if total > limit:
        raise _too_large(
            _("the published runbooks' text"),
            _("%(n)d characters") % {"n": total},
            _("%(n)d characters") % {"n": limit},
            "HANDOFF_PDF_MAX_RUNBOOK_CHARS",
            _("Shorten or retire the longest runbooks."),
        )


def _rows(value: Any) -> int:
    """Items in the lists of the gathered data (rows of tables, points of charts, …)."""
    if isinstance(value, dict):
        return sum(_rows(v) for v in value.values())
    if isinstance(value, list | tuple):
        return len(value) + sum(_rows(v) for v in value)
    return 0


def document_check_built(built: BuiltDocument) -> None:
    """The caps checked once the sections are gathered and before the PDF is rendered: the
    rows gathered and the HTML's size."""
    rows, row_limit = _rows(built.data), settings.HANDOFF_PDF_MAX_ROWS
    if rows > row_limit:
        raise _too_large(
            _("the data gathered"),
            _("%(n)d rows") % {"n": rows},
            _("%(n)d rows") % {"n": row_limit},
            "HANDOFF_PDF_MAX_ROWS",
            _("Ask an administrator to raise the limit."),
        )
    size, size_limit = len(built.html.encode()), settings.HANDOFF_PDF_MAX_HTML_BYTES
    if size > size_limit:
        raise _too_large(
            _("the document's HTML"),
            _("%(n)d bytes") % {"n": size},
            _("%(n)d bytes") % {"n": size_limit},
            "HANDOFF_PDF_MAX_HTML_BYTES",
            _("Shorten the longest runbooks or ask an administrator to raise the limit."),
        )


def document_preview_build(*, engagement: Engagement) -> BuiltDocument:
    """The HTML a generation would be made from now (no version: a print preview), under the
    same caps; DocumentTooLarge otherwise. `engagement` has its client loaded."""
    document_check_source(engagement)
    built = document_build(
        DocumentSource(engagement=engagement, paper_size=engagement.client.paper_size)
    )
    document_check_built(built)
    return built


def _file_name(document: HandoffDocument) -> str:
    return f"{slugify(document.engagement.name) or 'engagement'}-handoff-v{document.version}.pdf"


def download_filename(document: HandoffDocument) -> str:
    """What a download is saved as: client, engagement and version, e.g.
    `acme-invoice-agents-handoff-v3.pdf`."""
    engagement = document.engagement
    parts = [slugify(engagement.client.name), slugify(engagement.name)]
    return "-".join(p for p in parts if p) + f"-handoff-v{document.version}.pdf"


def handoff_document_generate(*, document_id: int) -> HandoffDocument | None:
    """Make a queued generation once (a redelivered task finds it no longer queued: None).

    Progress goes to the row section by section. A cap, a render limit or the task's soft time
    limit fails the job with its message; any other error fails it with a generic one and is
    re-raised for the error tracker. The PDF goes to storage first, then the row says where,
    with its SHA-256, size, page count and manifest (what the client signs for)."""
    parts = sections()
    if not job_claim(
        HandoffDocument,
        job_id=document_id,
        sections_total=len(parts),
        sections_done=0,
        current_section=str(parts[0].title) if parts else "",
    ):
        return None
    document = HandoffDocument.objects.select_related("engagement__client").get(pk=document_id)
    source = DocumentSource(
        engagement=document.engagement,
        version=document.version,
        paper_size=document.paper_size,
        generated_at=document.started_at or timezone.now(),
    )

    def progress(section: Section, done: int, total: int) -> None:
        following = str(parts[done].title) if done < len(parts) else _("Rendering the PDF")
        job_progress(
            HandoffDocument,
            job_id=document_id,
            sections_done=done,
            sections_total=total,
            current_section=following[:100],
        )

    stored = ""
    try:
        document_check_source(document.engagement)
        with timezone.override(document.engagement.client.tzinfo):  # as the preview shows it
            built = document_build(source, on_section=progress)
        document_check_built(built)
        rendered = pdf_render_bounded(
            built,
            source,
            seconds=settings.HANDOFF_PDF_RENDER_TIME_LIMIT,
            memory_mb=settings.HANDOFF_PDF_RENDER_MEMORY_MB,
        )
        stored = default_storage.save(
            handoff_document_path(document, _file_name(document)), ContentFile(rendered.content)
        )
        manifest = built.data.get("sign_off") or {}
        outcome = {
            "file": stored,
            "sha256": hashlib.sha256(rendered.content).hexdigest(),
            "size_bytes": len(rendered.content),
            "page_count": rendered.page_count,
            "manifest": manifest if isinstance(manifest, dict) else {"sign_off": manifest},
            "sections_done": len(parts),
            "current_section": "",
            "error": "",
        }
        with transaction.atomic():
            job_finish(HandoffDocument, job_id=document_id, succeeded=True, **outcome)
            document.refresh_from_db()
            _audit(AuditEvent.HANDOFF_DOCUMENT_GENERATED, document, data=_facts(document))
    except DomainError as exc:
        _fail(document, exc.message, stored=stored)
    except SoftTimeLimitExceeded:
        _fail(
            document,
            _(
                "Generating the PDF took longer than %(s)d seconds, the job's time limit, so it "
                "was stopped. Try again later; if it happens again, the engagement's content is "
                "too large to print at once."
            )
            % {"s": HandoffDocument.SOFT_TIME_LIMIT},
            stored=stored,
        )
    except Exception:
        _fail(
            document,
            _("Generating the PDF stopped on an unexpected error; try again."),
            stored=stored,
        )
        raise
    document.refresh_from_db()
    return document


def _facts(document: HandoffDocument) -> dict[str, Any]:
    return {
        "version": document.version,
        "sha256": document.sha256,
        "size_bytes": document.size_bytes,
        "page_count": document.page_count,
    }


def _audit(event: AuditEvent, document: HandoffDocument, *, data: dict[str, Any]) -> None:
    engagement = document.engagement
    audit_record(
        event,
        actor=Actor.system(SYSTEM),
        client=engagement.client,
        engagement=engagement,
        target=document,
        data=data,
    )


def _fail(document: HandoffDocument, message: str, *, stored: str = "") -> None:
    log.info("handoff PDF %s failed: %s", document.pk, message)
    if stored:  # stored, then the row could not say so: nothing refers to the file
        default_storage.delete(stored)
    with transaction.atomic():
        job_finish(
            HandoffDocument,
            job_id=document.pk,
            succeeded=False,
            error=message[:2000],
            current_section="",
        )
        _audit(
            AuditEvent.HANDOFF_DOCUMENT_FAILED,
            document,
            data={"version": document.version, "error": message[:500]},
        )


# --- jobs a worker lost -------------------------------------------------------------------------

LOST = gettext_lazy(
    "The worker generating this PDF stopped before it finished (it was restarted, ran out of "
    "memory or went over its time limit). Generate it again."
)
OVER_TIME = gettext_lazy(
    "Generating the PDF went over its hard time limit of %(s)d seconds and the worker stopped "
    "it. Try again later; if it happens again, the engagement's content is too large to print "
    "at once."
)


def handoff_document_lost(*, document_id: int, over_time_limit: int | None = None) -> bool:
    """The worker lost a running generation: its process was killed at the hard time limit
    (`over_time_limit` seconds), or died. Fail it now with the reason, if it is still
    running. Called by the worker's main process (handoff.tasks_documents); True if this call
    failed it."""
    message = str(OVER_TIME % {"s": over_time_limit} if over_time_limit is not None else LOST)
    with transaction.atomic():
        failed = HandoffDocument.objects.filter(pk=document_id, status=JobStatus.RUNNING).update(
            status=JobStatus.FAILED, finished_at=timezone.now(), error=message, current_section=""
        )
        if failed:
            document = HandoffDocument.objects.select_related("engagement__client").get(
                pk=document_id
            )
            _audit(
                AuditEvent.HANDOFF_DOCUMENT_FAILED,
                document,
                data={"version": document.version, "error": message},
            )
    return bool(failed)


def _audit_lost(document_ids: Iterable[int]) -> None:
    with transaction.atomic():
        for document in HandoffDocument.objects.filter(pk__in=list(document_ids)).select_related(
            "engagement__client"
        ):
            _audit(
                AuditEvent.HANDOFF_DOCUMENT_FAILED,
                document,
                data={"version": document.version, "error": str(LOST)},
            )


def handoff_documents_recover(*, now: datetime | None = None) -> tuple[int, int]:
    """Periodic clean-up (maestro.lib.jobs.jobs_recover); returns (failed, sent again). A
    generation still running a minute past the task's hard time limit lost its worker and is
    failed with that explanation; one queued for ten minutes is sent again (the claim makes a
    duplicate message harmless)."""
    from handoff.tasks_documents import handoff_document_generate_task

    return jobs_recover(
        HandoffDocument,
        send=handoff_document_generate_task.delay,
        failed_fields={"error": str(LOST), "current_section": ""},
        on_lost=_audit_lost,
        now=now,
    )
