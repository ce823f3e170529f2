import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from maestro.engagements.models import Engagement
from maestro.engagements.scoping import can_work_engagement, engagements_for, people_at
from maestro.mapping.models import DecisionType, Process
from maestro.tenancy.models import Membership, User
from maestro.training.models import TrainingRound
from runbooks import rendering
from runbooks.guard import render_guarded
from runbooks.models import DryRunJob, PlaybookVersion, Runbook, RunbookRun, RunbookVersion, RunStep
from runbooks.playbook_document import PlaybookDocument, playbook_document
from runbooks.routing import CompiledPlaybook, DecisionTypeInfo, compile_rules


def can_edit_runbooks(user: User, engagement: Engagement) -> bool:
    """The engagement's consultants edit and publish; the client's operators edit (their saves
    are proposals) and run checklists. Sponsors only read."""
    return can_work_engagement(user, engagement)


def runbook_list_for_user(*, user: User) -> QuerySet[Runbook]:
    return Runbook.objects.filter(engagement__in=engagements_for(user)).select_related(
        "engagement__client", "owner", "published_version", "process"
    )


def runbook_get_for_user(*, user: User, pk: int) -> Runbook:
    """The runbook if the user may see its engagement, else Http404."""
    return get_object_or_404(runbook_list_for_user(user=user), pk=pk)


def runbook_get_by_slug(*, user: User, engagement_id: int, slug: str) -> Runbook:
    return get_object_or_404(
        runbook_list_for_user(user=user), engagement_id=engagement_id, slug=slug
    )


def runbook_search(*, queryset: QuerySet[Runbook], query: str) -> QuerySet[Runbook]:
    """Title and body search: PostgreSQL full text (English, title weighted above body,
    best match first) on PostgreSQL, a case-insensitive substring match elsewhere."""
    query = query.strip()
    if not query:
        return queryset
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = SearchVector("title", weight="A", config="english") + SearchVector(
            "body", weight="B", config="english"
        )
        search = SearchQuery(query, search_type="websearch", config="english")
        # Match with @@, not with rank > 0: ts_rank gives non-matching rows 1e-20 for some
        # multi-term queries.
        return (
            queryset.annotate(search=vector, rank=SearchRank(vector, search))
            .filter(search=search)
            .order_by("-rank", "title", "pk")
        )
    return queryset.filter(Q(title__icontains=query) | Q(body__icontains=query))


def runbook_links(*, engagement_id: int) -> dict[str, tuple[str, str]]:
    """Slug -> (url, title) of an engagement's runbooks: what `[[slug]]` may link to."""
    return {
        rb.slug: (rb.get_absolute_url(), rb.title)
        for rb in Runbook.objects.filter(engagement_id=engagement_id).only(
            "slug", "title", "engagement_id"
        )
    }


def version_rendered(*, version: RunbookVersion, engagement_id: int) -> rendering.Rendered:
    """The version's stored rendering with its runbook links resolved as they are now: one
    query and one linear pass; nothing is rendered on reading."""
    links = runbook_links(engagement_id=engagement_id)
    return rendering.Rendered(html=rendering.resolve_links(version.html, links), toc=version.toc)


def runbook_head_rendered(*, runbook: Runbook) -> rendering.Rendered:
    return version_rendered(
        version=runbook.versions.get(number=runbook.head), engagement_id=runbook.engagement_id
    )


def runbook_preview(*, engagement_id: int, body: str) -> rendering.Rendered:
    """The editor's preview: a render like a save's, under the same guard (runbooks.guard);
    DomainError when the body is refused or too slow."""
    links = runbook_links(engagement_id=engagement_id)
    rendered = render_guarded(body, titles={slug: title for slug, (_, title) in links.items()})
    return rendering.Rendered(html=rendering.resolve_links(rendered.html, links), toc=rendered.toc)


def version_list(*, runbook: Runbook) -> QuerySet[RunbookVersion]:
    return runbook.versions.select_related("author")


def version_get(*, runbook: Runbook, number: int) -> RunbookVersion:
    return get_object_or_404(version_list(runbook=runbook), number=number)


def version_diff(*, runbook: Runbook, old: int, new: int) -> dict:
    """Both versions and their differences: a unified text diff and a side-by-side table."""
    a, b = version_get(runbook=runbook, number=old), version_get(runbook=runbook, number=new)
    old_text, new_text = f"# {a.title}\n\n{a.body}", f"# {b.title}\n\n{b.body}"
    labels = {"old_label": f"version {a.number}", "new_label": f"version {b.number}"}
    return {
        "old": a,
        "new": b,
        "unified": rendering.diff_unified(old_text, new_text, **labels),
        "table": rendering.diff_table(old_text, new_text, **labels),
    }


def run_list(*, runbook: Runbook) -> QuerySet[RunbookRun]:
    return (
        runbook.runs.select_related("started_by", "finished_by", "version")
        .annotate(
            steps_total=Count("steps"),
            steps_done=Count("steps", filter=Q(steps__done=True)),
        )
        .order_by("-started_at", "-pk")
    )


def run_list_for_user(*, user: User) -> QuerySet[RunbookRun]:
    return (
        RunbookRun.objects.filter(runbook__engagement__in=engagements_for(user))
        .select_related("runbook__engagement__client", "version", "started_by", "finished_by")
        .prefetch_related(Prefetch("steps", queryset=RunStep.objects.select_related("done_by")))
    )


def run_get_for_user(*, user: User, pk: int) -> RunbookRun:
    return get_object_or_404(run_list_for_user(user=user), pk=pk)


def step_list(*, run: RunbookRun) -> QuerySet[RunStep]:
    return run.steps.select_related("done_by")


# --- Escalation playbooks --------------------------------------------------------------------


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
