"""Section 6: each process's escalation playbook in plain words, the same sentences as the
playbook page (maestro.playbooks.document), with the version in force and its content hash.

Four queries whatever the number of processes, versions or people in the chains: the
processes, their current versions, the engagement's decision types, the chains' people."""

import hashlib
import json
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from handoff.document.sections import SectionData
from handoff.document.source import DocumentSource
from maestro.engagements.models import Engagement
from maestro.mapping.models import DecisionType, Process
from maestro.playbooks.document import playbook_document
from maestro.playbooks.models import PlaybookVersion
from maestro.playbooks.routing import CompiledPlaybook, DecisionTypeInfo
from maestro.tenancy.models import User


def playbook_version_sha256(version: PlaybookVersion) -> str:
    """SHA-256 of what a version routes by, as stored: its rules, default threshold, review SLA
    and escalation chain, as canonical JSON (keys sorted, no spaces, UTF-8). What the client
    signs for (sign_off.handoff_manifest); the version's note ("what changed") is not part of it."""
    content = {
        "default_threshold": str(version.default_threshold),
        "escalation_chain": version.escalation_chain,
        "rules": version.rules,
        "sla_minutes": version.sla_minutes,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def playbook_versions_current(engagement: Engagement) -> QuerySet[PlaybookVersion]:
    """The version in force (the newest) of each of the engagement's playbooks, by process
    name. One query."""
    newest = (
        PlaybookVersion.objects.filter(playbook_id=OuterRef("playbook_id"))
        .order_by("-number")
        .values("pk")[:1]
    )
    return (
        PlaybookVersion.objects.filter(
            playbook__process__engagement_id=engagement.pk, pk=Subquery(newest)
        )
        .select_related("playbook__process", "created_by")
        .order_by("playbook__process__name", "playbook__process_id")
    )


def _name(user: User | None) -> str:
    return "" if user is None else user.get_full_name() or user.get_username()


def gather(source: DocumentSource) -> SectionData:
    engagement = source.engagement
    tz = engagement.client.tzinfo
    processes = list(Process.objects.filter(engagement=engagement).order_by("name", "pk"))
    versions = list(playbook_versions_current(engagement))
    # What maestro.playbooks.selectors.playbook_compile reads, once for every version: it reads
    # the decision types per version, which would grow with the processes.
    types = {
        name: DecisionTypeInfo(id=pk, autonomy=autonomy, threshold=threshold)
        for name, pk, autonomy, threshold in DecisionType.objects.filter(
            engagement_id=engagement.pk
        ).values_list("name", "pk", "autonomy", "confidence_threshold")
    }
    chained = {int(pk) for version in versions for pk in version.escalation_chain}
    people = {user.pk: _name(user) for user in User.objects.filter(pk__in=chained)}

    playbooks: list[dict[str, Any]] = []
    for version in versions:
        compiled = CompiledPlaybook(
            version_id=version.pk,
            number=version.number,
            default_threshold=version.default_threshold,
            rules=tuple(version.rules),
            sla_minutes=version.sla_minutes,
            escalation_chain=tuple(int(pk) for pk in version.escalation_chain),
            decision_types=types,
        )
        document = playbook_document(playbook=compiled, people=people)
        playbooks.append(
            {
                "process": version.playbook.process,
                "version": version,
                "saved_by": _name(version.created_by),
                "sha256": playbook_version_sha256(version),
                "document": document,
            }
        )
    with_playbook = {p["process"].pk for p in playbooks}
    without = [p for p in processes if p.pk not in with_playbook]
    data = {
        "playbooks": [
            {
                "process_id": p["process"].pk,
                "process": p["process"].name,
                "playbook_id": p["version"].playbook_id,
                "version_id": p["version"].pk,
                "version": p["version"].number,
                "sha256": p["sha256"],
                "saved_at": timezone.localtime(p["version"].created_at, tz).isoformat(),
                "saved_by": p["saved_by"],
                "message": p["version"].message,
                "default_threshold": float(p["version"].default_threshold),
                "sla_minutes": p["version"].sla_minutes,
                "rules": p["version"].rules,
                "escalation_chain": [
                    people.get(int(pk), f"user #{int(pk)}") for pk in p["version"].escalation_chain
                ],
                "in_words": {
                    "rules": p["document"].rules,
                    "notes": p["document"].notes,
                    "sla": p["document"].sla,
                    "chain": p["document"].chain,
                },
            }
            for p in playbooks
        ],
        "processes_without_playbook": [p.name for p in without],
    }
    return SectionData(
        context={"playbooks": playbooks, "without": without, "time_zone": engagement.client.tzinfo},
        data=data,
    )
