"""Reads of the handoff PDF's generations, scoped through the one tenant-scoping layer: an
engagement's generations for whoever sees the engagement (its consultants, the client's
operators and sponsors, staff); another client's are simply absent (404)."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from handoff.models import HandoffDocument
from maestro.engagements.models import Engagement
from maestro.engagements.scoping import engagements_for
from maestro.lib.jobs import JobStatus
from maestro.tenancy.models import User


def document_list(*, engagement: Engagement) -> QuerySet[HandoffDocument]:
    """The engagement's generations, newest first (the caller scoped `engagement`)."""
    return HandoffDocument.objects.filter(engagement=engagement).select_related("requested_by")


def document_get_for_user(*, user: User, pk: int) -> HandoffDocument:
    """A generation of an engagement the user sees, with its engagement and client; else 404."""
    return get_object_or_404(
        HandoffDocument.objects.filter(engagement__in=engagements_for(user)).select_related(
            "engagement__client", "requested_by"
        ),
        pk=pk,
    )


def document_in_flight(documents: list[HandoffDocument]) -> HandoffDocument | None:
    """The generation still queued or running among `documents`, if any (one at a time)."""
    return next((d for d in documents if d.status in (JobStatus.QUEUED, JobStatus.RUNNING)), None)


@dataclass(frozen=True)
class DocumentProgress:
    percent: int
    text: str


def document_progress(document: HandoffDocument) -> DocumentProgress:
    """Where a generation is: "5 of 11: Training history" while the sections are gathered
    (the section being gathered), then the render; the share of sections done."""
    total, done = document.sections_total, document.sections_done
    percent = min(100, (100 * done) // total) if total else 0
    if document.status == JobStatus.QUEUED:
        return DocumentProgress(0, _("Waiting for a worker…"))
    if document.status != JobStatus.RUNNING:
        return DocumentProgress(100 if document.status == JobStatus.SUCCEEDED else percent, "")
    if total and done >= total:
        return DocumentProgress(
            100, _("%(total)d of %(total)d sections gathered: rendering the PDF") % {"total": total}
        )
    return DocumentProgress(
        percent,
        _("%(position)d of %(total)d: %(section)s")
        % {"position": done + 1, "total": total, "section": document.current_section},
    )
