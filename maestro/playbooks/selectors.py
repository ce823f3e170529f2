"""Playbook reads: the compiled-playbook cache (with the routing stamp that keeps it fresh),
versions, their readable document, escalation-chain candidates, rounds, dry-run jobs and known
counterparties."""

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Max, OuterRef, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from maestro.engagements.models import Engagement
from maestro.engagements.scoping import engagements_for, people_at
from maestro.mapping.models import DecisionType, Process
from maestro.playbooks.document import PlaybookDocument, playbook_document
from maestro.playbooks.models import DryRunJob, KnownCounterparty, PlaybookVersion
from maestro.playbooks.routing import CompiledPlaybook, DecisionTypeInfo, compile_rules
from maestro.tenancy.models import Membership, User
from maestro.training.models import TrainingRound


@dataclass(frozen=True)
class RoutingStamp:
    """What a process's compiled playbook is built from, read in the same query as the process
    (routing_stamp_annotations): its newest playbook version (id and creation time: ids come
    back after a database flush, or a rolled-back test), and its engagement's decision types —
    how many, and when one last changed. Any edit that changes routing changes it."""

    version_id: int | None
    version_created_at: datetime | None
    types_count: int
    types_changed_at: datetime | None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> "RoutingStamp":
        return cls(
            version_id=row["routing_version_id"],
            version_created_at=row["routing_version_created_at"],
            types_count=row["routing_types_count"] or 0,  # NULL: no types, no group
            types_changed_at=row["routing_types_changed_at"],
        )


def routing_stamp_annotations() -> dict[str, Subquery]:
    """Annotations for a Process queryset that give each row's RoutingStamp (RoutingStamp.of)."""
    types = (
        DecisionType.objects.filter(engagement_id=OuterRef("engagement_id"))
        .order_by()
        .values("engagement_id")
    )
    newest = PlaybookVersion.objects.filter(playbook__process_id=OuterRef("pk")).order_by("-number")
    return {
        "routing_version_id": Subquery(newest.values("pk")[:1]),
        "routing_version_created_at": Subquery(newest.values("created_at")[:1]),
        "routing_types_count": Subquery(types.annotate(n=Count("pk")).values("n")),
        "routing_types_changed_at": Subquery(types.annotate(at=Max("updated_at")).values("at")),
    }


# Process id -> (stamp, when compiled, compiled playbook). Per worker process, bounded. An entry
# is used only while the stamp read with the process still matches, so a new version or a
# decision-type edit routes the very next decision in every worker; the age limit bounds the one
# case a stamp can miss (two decision-type edits committing out of order within the same instant).
_compiled: dict[int, tuple[RoutingStamp, float, CompiledPlaybook]] = {}
_compiled_lock = threading.Lock()
COMPILED_MAX_ENTRIES = 4096
COMPILED_MAX_AGE_SECONDS = 60.0


def compiled_playbooks_clear() -> None:
    """Forget every compiled playbook of this worker (a test uses it to measure a cold call)."""
    with _compiled_lock:
        _compiled.clear()


def playbook_compiled_for_process(
    *, process: Process, stamp: RoutingStamp | None = None
) -> CompiledPlaybook | None:
    """The process's newest playbook version, ready to route, or None without a playbook.
    Two queries (the version, the engagement's decision types) whatever the number of rules
    or decision types. Given the `stamp` read with the process, none while this worker
    compiled the same stamp recently: decision intake's common case."""
    if stamp is not None:
        if stamp.version_id is None:
            return None
        hit = _compiled.get(process.pk)
        if (
            hit is not None
            and hit[0] == stamp
            and time.monotonic() - hit[1] < COMPILED_MAX_AGE_SECONDS
        ):
            return hit[2]
    compiled_at = time.monotonic()
    version = (
        PlaybookVersion.objects.filter(playbook__process_id=process.pk).order_by("-number").first()
    )
    if version is None:
        return None
    compiled = playbook_compile(version=version, engagement_id=process.engagement_id)
    # Kept only for the version the stamp saw: a version created since belongs to a newer
    # stamp. Decision types read now are at least as new as the stamp's, so a stale entry
    # can only fail to match, never match wrongly.
    if stamp is not None and version.pk == stamp.version_id:
        with _compiled_lock:
            if len(_compiled) >= COMPILED_MAX_ENTRIES:
                _compiled.clear()
            _compiled[process.pk] = (stamp, compiled_at, compiled)
    return compiled


def playbook_compile(*, version: PlaybookVersion, engagement_id: int) -> CompiledPlaybook:
    """Any version (old ones too, for a dry run) with the engagement's decision types as they
    are now. One query."""
    types = {
        name: DecisionTypeInfo(id=pk, autonomy=autonomy, threshold=threshold)
        for name, pk, autonomy, threshold in DecisionType.objects.filter(
            engagement_id=engagement_id
        ).values_list("name", "pk", "autonomy", "confidence_threshold")
    }
    return CompiledPlaybook(
        version_id=version.pk,
        number=version.number,
        default_threshold=version.default_threshold,
        rules=compile_rules(version.rules),
        sla_minutes=version.sla_minutes,
        escalation_chain=tuple(int(pk) for pk in version.escalation_chain),
        decision_types=types,
    )


def playbook_chain_candidates(*, engagement: Engagement) -> list[User]:
    """Who may sit in an escalation chain: the client's active operators and consultants (the
    engagement's lead and members among them, as long as they consult there). Sorted by
    username for forms. One query."""
    client_roles = [Membership.Role.OPERATOR, Membership.Role.CONSULTANT]
    return list(people_at(engagement.client_id, client_roles).order_by("username"))


def playbook_version_list(*, process: Process) -> QuerySet[PlaybookVersion]:
    """Newest first."""
    return (
        PlaybookVersion.objects.filter(playbook__process_id=process.pk)
        .select_related("created_by", "playbook")
        .order_by("-number")
    )


def playbook_version_get(*, process: Process, number: int) -> PlaybookVersion:
    return get_object_or_404(playbook_version_list(process=process), number=number)


def playbook_version_current(*, process: Process) -> PlaybookVersion | None:
    return playbook_version_list(process=process).first()


def playbook_version_document(*, version: PlaybookVersion, engagement_id: int) -> PlaybookDocument:
    """The version as sentences, with the chain's people named and the engagement's decision
    types as they are now. Two queries."""
    compiled = playbook_compile(version=version, engagement_id=engagement_id)
    people = {
        user.pk: user.get_full_name() or user.get_username()
        for user in User.objects.filter(pk__in=compiled.escalation_chain)
    }
    return playbook_document(playbook=compiled, people=people)


def playbook_rounds(*, process: Process) -> QuerySet[TrainingRound]:
    """Training rounds a dry run may use: those of this process's datasets, newest first."""
    return (
        TrainingRound.objects.filter(dataset__process_id=process.pk)
        .select_related("dataset")
        .order_by("-date", "-number", "-pk")
    )


def playbook_process_get_for_user(*, user: User, pk: int) -> Process:
    """The process whose playbook the user may read (Http404 outside their engagements);
    the engagement's members are prefetched for the consultant-only write guard."""
    return get_object_or_404(
        Process.objects.filter(engagement__in=engagements_for(user))
        .select_related("engagement__client", "engagement__lead")
        .prefetch_related("engagement__members"),
        pk=pk,
    )


def dry_run_job_list(*, process: Process) -> QuerySet[DryRunJob]:
    """Dry runs of this process's playbook, newest first. Scope `process` to the user first
    (playbook_process_get_for_user): the job inherits who may see it from its process."""
    return DryRunJob.objects.filter(version__playbook__process_id=process.pk).select_related(
        "version__playbook", "training_round__dataset", "requested_by"
    )


def dry_run_job_get(*, process: Process, pk: int) -> DryRunJob:
    return get_object_or_404(dry_run_job_list(process=process), pk=pk)


def playbook_chain_departed(*, version: PlaybookVersion, engagement: Engagement) -> list[User]:
    """The people a version's escalation chain names who may no longer take its tasks (their
    membership was deactivated or changed to sponsor, or their account is off): computed on
    read from the live memberships, for the playbook page's warning. The escalation job skips
    them already. One query."""
    chain = [int(pk) for pk in version.escalation_chain]
    if not chain:
        return []
    allowed = people_at(
        engagement.client_id, [Membership.Role.OPERATOR, Membership.Role.CONSULTANT]
    ).values("pk")
    departed = User.objects.filter(pk__in=chain).exclude(pk__in=allowed).in_bulk()
    return [departed[pk] for pk in chain if pk in departed]


def playbook_processes_naming(*, user_id: int, client_id: int) -> list[Process]:
    """The client's processes whose current playbook version names `user_id` in its
    escalation chain (ordered by engagement and name). One query."""
    current_chain = (
        PlaybookVersion.objects.filter(playbook__process_id=OuterRef("pk"))
        .order_by("-number")
        .values("escalation_chain")[:1]
    )
    processes = (
        Process.objects.filter(engagement__client_id=client_id)
        .annotate(current_chain=Subquery(current_chain))
        .filter(current_chain__isnull=False)
        .select_related("engagement")
        .order_by("engagement__name", "name")
    )
    return [p for p in processes if user_id in {int(pk) for pk in p.current_chain}]


def known_counterparty_list(*, process: Process) -> QuerySet[KnownCounterparty]:
    """The process's known counterparties by name. Scope `process` to the user first
    (playbook_process_get_for_user)."""
    return (
        KnownCounterparty.objects.filter(process_id=process.pk)
        .select_related("added_by")
        .order_by("name", "pk")
    )


def known_counterparty_get_for_user(*, user: User, pk: int) -> KnownCounterparty:
    """One known counterparty of a process the user may see (Http404 otherwise), with what the
    consultant-only write guard reads."""
    return get_object_or_404(
        KnownCounterparty.objects.filter(process__engagement__in=engagements_for(user))
        .select_related("process__engagement__client", "process__engagement__lead", "added_by")
        .prefetch_related("process__engagement__members"),
        pk=pk,
    )
