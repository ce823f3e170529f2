"""Section 8: the full text of each published runbook, in the version operators run, from the
sanitised HTML stored with that version: the very HTML its page shows. Nothing is rendered
here; only runbook links are resolved, as the page resolves them, but against this document:
a link to a runbook printed here jumps to it, any other reads as plain text.

One query whatever the number of runbooks."""

import hashlib
import re
from typing import Any

from django.utils import timezone
from django.utils.safestring import mark_safe

from handoff.document.fetcher import own_url
from handoff.document.sections import SectionData
from handoff.document.source import DocumentSource
from maestro.engagements.models import Engagement
from runbooks.models import Runbook, RunbookVersion
from runbooks.rendering import HEADING_ID_PREFIX, resolve_links


def runbook_version_sha256(version: RunbookVersion) -> str:
    """SHA-256 of the version's stored sanitised HTML (UTF-8): what the client signs for
    (sign_off.handoff_manifest)."""
    return hashlib.sha256(version.html.encode("utf-8")).hexdigest()


# The sanitiser lets an image point only at the site's own /static/ or /media/ files
# (runbooks.rendering.sanitise.OWN_MEDIA); the document names them so its fetcher serves them.
_OWN_IMAGE = re.compile(r'(<img\b[^>]*?\ssrc=")(/(?:static|media)/[^"]*)(")')


def own_images(html: str) -> str:
    """`html` with its images' site paths rewritten to the document fetcher's own URLs."""

    def rewrite(m: re.Match) -> str:
        url = own_url(m[2])
        return m[1] + (url if url is not None else "") + m[3]

    return _OWN_IMAGE.sub(rewrite, html)


def runbook_anchor(slug: str) -> str:
    return f"runbook-{slug}"


# Each runbook's headings have ids of their own page ("h-steps"), which two runbooks of one
# document can share; the document scopes them under the runbook's anchor, with a "/" that no
# slug holds, and points the body's own "#h-…" links there. Only inside tags: the sanitised
# HTML escapes every "<" of its text, so prose or code that reads `id="h-x"` is left as written.
_TAG = re.compile(r"<[a-zA-Z][^>]*>")
_HEADING_REFERENCE = re.compile(rf'(\s(?:id="|href="#))({HEADING_ID_PREFIX}[a-z0-9_-]+")')


def scoped_heading_ids(html: str, anchor: str) -> str:
    """`html` with its heading ids, and its links to them, under `anchor`."""

    def scope(tag: re.Match) -> str:
        return _HEADING_REFERENCE.sub(lambda m: f"{m[1]}{anchor}/{m[2]}", tag[0])

    return _TAG.sub(scope, html)


def runbooks_of(engagement: Engagement) -> list[Runbook]:
    """Every runbook of the engagement with its published version (and who wrote it), by
    title; the head's body copy is left unread. One query."""
    return list(
        Runbook.objects.filter(engagement_id=engagement.pk)
        .select_related("published_version__author", "owner", "process")
        .defer("body")
        .order_by("title", "pk")
    )


def runbook_is_handed_over(runbook: Runbook) -> bool:
    return runbook.status == Runbook.Status.PUBLISHED and runbook.published_version is not None


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def gather(source: DocumentSource) -> SectionData:
    engagement = source.engagement
    tz = engagement.client.tzinfo
    every = runbooks_of(engagement)
    published = [rb for rb in every if runbook_is_handed_over(rb)]
    links = {rb.slug: (f"#{runbook_anchor(rb.slug)}", rb.title) for rb in published}
    entries: list[dict[str, Any]] = []
    for runbook in published:
        version = runbook.published_version
        assert version is not None  # runbook_is_handed_over
        html = own_images(resolve_links(version.html, links))
        entries.append(
            {
                "runbook": runbook,
                "version": version,
                "anchor": runbook_anchor(runbook.slug),
                "author": _name(version.author),
                "owner": _name(runbook.owner),
                "sha256": runbook_version_sha256(version),
                # Sanitised when the version was saved (runbooks.rendering.sanitise); resolving
                # the link markers only adds links built from escaped slugs and titles.
                "html": mark_safe(html),  # noqa: S308
                # Its heading ids scoped to it, for the document; the JSON keeps `html` as is.
                "printed": mark_safe(  # noqa: S308
                    scoped_heading_ids(html, runbook_anchor(runbook.slug))
                ),
                "unpublished_changes": runbook.has_unpublished_changes,
            }
        )
    left_out = [rb for rb in every if not runbook_is_handed_over(rb)]
    data = {
        "runbooks": [
            {
                "runbook_id": e["runbook"].pk,
                "slug": e["runbook"].slug,
                "title": e["version"].title,
                "kind": e["runbook"].kind,
                "process": e["runbook"].process.name if e["runbook"].process else None,
                "owner": e["owner"],
                "version_id": e["version"].pk,
                "version": e["version"].number,
                "saved_at": timezone.localtime(e["version"].created_at, tz).isoformat(),
                "author": e["author"],
                "message": e["version"].message,
                "sha256": e["sha256"],
                "newer_draft": e["unpublished_changes"],
                "html": str(e["html"]),
            }
            for e in entries
        ],
        "not_handed_over": [
            {"runbook_id": rb.pk, "slug": rb.slug, "title": rb.title, "status": rb.status}
            for rb in left_out
        ],
    }
    return SectionData(
        context={"runbooks": entries, "left_out": left_out, "time_zone": tz}, data=data
    )
