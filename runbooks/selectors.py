from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from maestro.engagements.scoping import engagements_for
from maestro.tenancy.models import User
from runbooks import rendering
from runbooks.guard import render_guarded
from runbooks.models import Runbook, RunbookRun, RunbookVersion, RunStep


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
    old_label, new_label = f"version {a.number}", f"version {b.number}"
    return {
        "old": a,
        "new": b,
        "unified": rendering.diff_unified(
            old_text, new_text, old_label=old_label, new_label=new_label
        ),
        "table": rendering.diff_table(old_text, new_text, old_label=old_label, new_label=new_label),
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
