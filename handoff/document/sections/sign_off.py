"""Section 11: what the client signs for, and who signed the previous version.

`handoff_manifest(engagement)` lists the exact runbook and playbook versions a generation
hands over, each with its id and the SHA-256 of its stored content (runbooks: the version's
sanitised HTML; playbooks: its rules, threshold, SLA and chain as canonical JSON). The
generation job stores it in HandoffDocument.manifest, so a later reader can tell whether what
runs today is still what was signed. Two queries.

The previous generation is the latest that succeeded before this one (for a print preview,
without a version: the latest that succeeded); its sign-offs are printed as recorded."""

from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from handoff.document.sections import SectionData
from handoff.document.sections.playbook import playbook_version_sha256, playbook_versions_current
from handoff.document.sections.runbooks import (
    runbook_is_handed_over,
    runbook_version_sha256,
    runbooks_of,
)
from handoff.document.source import DocumentSource
from handoff.models import HandoffDocument, HandoffSignOff
from maestro.engagements.models import Engagement
from maestro.lib.jobs import JobStatus


def handoff_manifest(engagement: Engagement) -> dict[str, Any]:
    """The runbook and playbook versions handed over, with their content hashes (JSON-ready).
    Runbooks by title, playbooks by process name."""
    runbooks = []
    for runbook in runbooks_of(engagement):
        if not runbook_is_handed_over(runbook):
            continue
        version = runbook.published_version
        assert version is not None  # runbook_is_handed_over
        runbooks.append(
            {
                "runbook_id": runbook.pk,
                "slug": runbook.slug,
                "title": version.title,
                "version_id": version.pk,
                "version": version.number,
                "sha256": runbook_version_sha256(version),
            }
        )
    playbooks = [
        {
            "process_id": version.playbook.process_id,
            "process": version.playbook.process.name,
            "playbook_id": version.playbook_id,
            "version_id": version.pk,
            "version": version.number,
            "sha256": playbook_version_sha256(version),
        }
        for version in playbook_versions_current(engagement)
    ]
    return {"runbooks": runbooks, "playbooks": playbooks}


def previous_generation(engagement: Engagement, *, version: int | None) -> HandoffDocument | None:
    """The latest successful generation before `version` (any, for None), with its sign-offs
    and their signers. Two queries."""
    documents = HandoffDocument.objects.filter(engagement=engagement, status=JobStatus.SUCCEEDED)
    if version is not None:
        documents = documents.filter(version__lt=version)
    return (
        documents.order_by("-version")
        .prefetch_related(
            Prefetch(
                "sign_offs",
                queryset=HandoffSignOff.objects.select_related("signed_by").order_by(
                    "signed_at", "pk"
                ),
            )
        )
        .first()
    )


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def gather(source: DocumentSource) -> SectionData:
    engagement = source.engagement
    tz = engagement.client.tzinfo
    manifest = handoff_manifest(engagement)
    previous = previous_generation(engagement, version=source.version)
    sign_offs = list(previous.sign_offs.all()) if previous is not None else []
    previous_data = None
    if previous is not None:
        previous_data = {
            "version": previous.version,
            "sha256": previous.sha256,
            "generated_at": timezone.localtime(
                previous.finished_at or previous.created_at, tz
            ).isoformat(),
            "sign_offs": [
                {
                    "name": _name(s.signed_by),
                    "username": s.signed_by.get_username(),
                    "role": s.role,
                    "signed_at": timezone.localtime(s.signed_at, tz).isoformat(),
                    "sha256": s.sha256,
                }
                for s in sign_offs
            ],
        }
    return SectionData(
        context={
            "manifest": manifest,
            "version": source.version,
            "previous": previous,
            "sign_offs": [
                {
                    "sign_off": s,
                    "name": _name(s.signed_by),
                    "matches": previous is not None and s.sha256 == previous.sha256,
                }
                for s in sign_offs
            ],
            "time_zone": tz,
        },
        data={**manifest, "previous_generation": previous_data},
    )
