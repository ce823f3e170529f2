"""Handoff documents and an engagement ready to hand off, for the Handoff page, sign-off and
verify tests. Documents are made as rows (the generation job is tested on its own): a small file
saved through default_storage and its real SHA-256."""

import hashlib
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from handoff.models import HandoffDocument, HandoffSignOff
from maestro.engagements.models import Engagement, Phase
from maestro.monitoring.models import AlertEpisode
from maestro.reviews.models import ReviewTask
from runbooks import services as runbook_services
from tests.handoff.factories import CompetencyFactory, SkillTransferPlanFactory
from tests.mapping.factories import ProcessFactory
from tests.monitoring.factories import AlertRuleFactory


def pdf_bytes(engagement: Engagement, version: int) -> bytes:
    return (
        b"%PDF-1.7\n% handoff of engagement "
        + str(engagement.pk).encode()
        + b" version "
        + str(version).encode()
        + b"\n%%EOF\n"
    )


def document_make(
    engagement: Engagement,
    *,
    version: int = 1,
    status: str = HandoffDocument.Status.SUCCEEDED,
    content: bytes | None = None,
) -> HandoffDocument:
    """A generation of `engagement`'s handoff PDF; a succeeded one has its file stored and its
    SHA-256, as the job leaves it."""
    document = HandoffDocument(engagement=engagement, version=version, status=status)
    if status == HandoffDocument.Status.SUCCEEDED:
        content = content if content is not None else pdf_bytes(engagement, version)
        document.file.save(f"handoff-v{version}.pdf", ContentFile(content), save=False)
        document.sha256 = hashlib.sha256(content).hexdigest()
        document.size_bytes = len(content)
        document.page_count = 30
        document.started_at = timezone.now() - timedelta(minutes=1)
        document.finished_at = timezone.now()
    elif status == HandoffDocument.Status.FAILED:
        document.error = "The document hit the page limit."
        document.finished_at = timezone.now()
    document.save()
    return document


def sign_off_make(document: HandoffDocument, user, role: str) -> HandoffSignOff:
    return HandoffSignOff.objects.create(
        document=document, signed_by=user, role=role, sha256=document.sha256
    )


def ready_engagement(world, *, phase: str = Phase.ADVISORY) -> Engagement:
    """Client A's engagement with every checklist item met but the sign-off: operator_a's plan
    at 100%, one published runbook, no task overdue, no alert firing."""
    engagement = world.engagement_a
    Engagement.objects.filter(pk=engagement.pk).update(phase=phase)
    engagement.refresh_from_db()
    plan = SkillTransferPlanFactory(engagement=engagement, operator=world.operator_a)
    for name in ("Monitoring", "Edge-case review"):
        CompetencyFactory(plan=plan, name=name, current_stage="solo")
    runbook = runbook_services.runbook_create(
        engagement=engagement, title="Operating the agent", slug="operating", by=world.consultant,
        body="# Operating\n\nDaily checks.", message="First",
    )  # fmt: skip
    runbook_services.runbook_publish(runbook=runbook, by=world.consultant)
    return engagement


def overdue_task(engagement: Engagement, title: str = "Investigate accuracy") -> ReviewTask:
    return ReviewTask.objects.create(
        engagement=engagement,
        kind=ReviewTask.Kind.RUNBOOK_REVIEW,
        title=title,
        due_at=timezone.now() - timedelta(hours=2),
    )


def firing_alert(engagement: Engagement, process_name: str = "Ticket routing") -> AlertEpisode:
    rule = AlertRuleFactory(process=ProcessFactory(engagement=engagement, name=process_name))
    today = timezone.localdate()
    return AlertEpisode.objects.create(
        engagement=engagement,
        rule=rule,
        state=AlertEpisode.State.FIRING,
        started_on=today - timedelta(days=2),
        last_evaluated_on=today,
        fired_at=timezone.now(),
    )
