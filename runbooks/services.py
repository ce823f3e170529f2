from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maestro.audit.events import AuditEvent
from maestro.audit.services import audit_record
from maestro.engagements.models import Engagement
from maestro.engagements.scoping import (
    can_manage_engagement,
    require_engagement_manager,
    require_engagement_worker,
)
from maestro.exceptions import DomainError, StateConflict
from maestro.mapping.models import Process
from maestro.tenancy.models import User
from runbooks import rendering, starters
from runbooks.guard import render_guarded
from runbooks.models import Runbook, RunbookRun, RunbookVersion, RunStep


def _add_version(
    *,
    runbook: Runbook,
    title: str,
    body: str,
    message: str,
    by: User,
    base_version: int,
    restored_from: int | None = None,
) -> RunbookVersion:
    """The lost-update guard: the head moves from `base_version` to the next number only if
    nobody saved meanwhile; the conditional update's row count says who won, on any database."""
    if not message.strip():
        raise ValidationError({"message": [_("Say what changed in a short message.")]})
    version = RunbookVersion(
        runbook=runbook,
        number=base_version + 1,
        title=title,
        body=body,
        message=message.strip(),
        author=by,
        proposed=not can_manage_engagement(by, runbook.engagement),
        restored_from=restored_from,
    )
    version.full_clean(validate_unique=False, validate_constraints=False)
    # Rendered once, here, before the head moves: a body the renderer refuses or cannot finish
    # in time is a DomainError and nothing is saved. Reads only resolve runbook links.
    titles = dict(
        Runbook.objects.filter(engagement_id=runbook.engagement_id).values_list("slug", "title")
    )
    rendered = render_guarded(body, titles=titles)
    version.html, version.toc = rendered.html, rendered.toc
    now = timezone.now()
    title_before = runbook.title if base_version else None
    won = Runbook.objects.filter(pk=runbook.pk, head=base_version).update(
        head=base_version + 1, title=title, body=body, updated_at=now
    )
    if won == 0:
        current = Runbook.objects.values_list("head", flat=True).get(pk=runbook.pk)
        raise StateConflict(
            _(
                "Version %(current)s was saved after the version %(base)s you started from. "
                "Compare both, then save again on top of version %(current)s."
            )
            % {"current": current, "base": base_version},
            code="version_conflict",
            extra={"base_version": base_version, "current_version": current},
        )
    runbook.head, runbook.title, runbook.body, runbook.updated_at = (
        base_version + 1,
        title,
        body,
        now,
    )
    version.save()
    audit_record(
        AuditEvent.RUNBOOK_VERSION_CREATED,
        actor=by,
        client=runbook.engagement.client_id,
        engagement=runbook.engagement_id,
        target=runbook,
        changes={"title": (title_before, title)},
        data={
            "version": version.number,
            "message": version.message,
            "proposed": version.proposed,
            "restored_from": restored_from,
        },
    )
    return version


# Page paths that sit where a runbook's slug would (runbooks/urls.py).
RESERVED_SLUGS = {"new", "preview"}


def _check_slug_free(*, engagement: Engagement, slug: str) -> None:
    if slug in RESERVED_SLUGS:
        raise ValidationError({"slug": [_("“%(slug)s” is reserved.") % {"slug": slug}]})
    if Runbook.objects.filter(engagement=engagement, slug=slug).exists():
        raise ValidationError(
            {"slug": [_("This engagement already has a runbook “%(slug)s”.") % {"slug": slug}]}
        )


@transaction.atomic
def runbook_create(
    *,
    engagement: Engagement,
    title: str,
    slug: str,
    by: User,
    kind: str = Runbook.Kind.OPERATING,
    owner: User | None = None,
    process: Process | None = None,
    body: str = "",
    message: str = "",
) -> Runbook:
    """A new runbook in draft with its first version, optionally about one of the
    engagement's processes."""
    require_engagement_manager(
        by,
        engagement,
        message=_("Only the engagement's consultants can %(action)s runbooks.")
        % {"action": _("create")},
    )
    _check_slug_free(engagement=engagement, slug=slug)
    if process is not None and process.engagement_id != engagement.pk:
        raise ValidationError(
            {"process": [_("“%(name)s” is not a process of this engagement.") % {"name": process}]}
        )
    runbook = Runbook(
        engagement=engagement,
        process=process,
        title=title,
        slug=slug,
        kind=kind,
        owner=owner or engagement.lead,
    )
    runbook.full_clean()
    runbook.save()
    _add_version(
        runbook=runbook,
        title=title,
        body=body,
        message=message or _("Created"),
        by=by,
        base_version=0,
    )
    return runbook


@transaction.atomic
def runbook_save(
    *, runbook: Runbook, title: str, body: str, message: str, base_version: int, by: User
) -> RunbookVersion:
    """Save an edit as a new version on top of `base_version`, the version the editor started
    from. If someone saved since, nothing is written and StateConflict (`version_conflict`)
    says which version is current. An operator's save is marked as a proposal."""
    require_engagement_worker(
        by,
        runbook.engagement,
        message=_("Sponsors read runbooks; they cannot edit them."),
        code="read_only",
    )
    if runbook.status == Runbook.Status.RETIRED:
        raise StateConflict(_("This runbook is retired; it can no longer change."), code="retired")
    return _add_version(
        runbook=runbook,
        title=title,
        body=body,
        message=message,
        by=by,
        base_version=base_version,
    )


@transaction.atomic
def runbook_restore(
    *, runbook: Runbook, number: int, base_version: int, by: User, message: str = ""
) -> RunbookVersion:
    """Bring an old version's text back as a new version (history stays intact)."""
    require_engagement_worker(
        by,
        runbook.engagement,
        message=_("Sponsors read runbooks; they cannot edit them."),
        code="read_only",
    )
    old = runbook.versions.filter(number=number).first()
    if old is None:
        raise ValidationError({"version": [_("There is no version %(n)s.") % {"n": number}]})
    return _add_version(
        runbook=runbook,
        title=old.title,
        body=old.body,
        message=message or _("Restored version %(n)s") % {"n": number},
        by=by,
        base_version=base_version,
        restored_from=number,
    )


@transaction.atomic
def runbook_publish(*, runbook: Runbook, by: User, version: int | None = None) -> Runbook:
    """Publish a version (default: the newest) as the one operators run."""
    require_engagement_manager(
        by,
        runbook.engagement,
        message=_("Only the engagement's consultants can %(action)s runbooks.")
        % {"action": _("publish")},
    )
    number = runbook.head if version is None else version
    chosen = runbook.versions.filter(number=number).first()
    if chosen is None:
        raise ValidationError({"version": [_("There is no version %(n)s.") % {"n": number}]})
    before = (
        runbook.status,
        runbook.published_version.number if runbook.published_version else None,
    )
    runbook.published_version = chosen
    runbook.status = Runbook.Status.PUBLISHED
    runbook.save(update_fields=["published_version", "status", "updated_at"])
    if before == (runbook.status, number):
        return runbook  # published again as it was: nothing changed
    audit_record(
        AuditEvent.RUNBOOK_PUBLISHED,
        actor=by,
        client=runbook.engagement.client_id,
        engagement=runbook.engagement_id,
        target=runbook,
        changes={"status": (before[0], runbook.status), "published_version": (before[1], number)},
    )
    return runbook


@transaction.atomic
def runbook_retire(*, runbook: Runbook, by: User) -> Runbook:
    require_engagement_manager(
        by,
        runbook.engagement,
        message=_("Only the engagement's consultants can %(action)s runbooks.")
        % {"action": _("retire")},
    )
    if runbook.runs.filter(status=RunbookRun.Status.IN_PROGRESS).exists():
        raise StateConflict(
            _("Finish or abandon the runs in progress before retiring this runbook."),
            code="runs_in_progress",
        )
    status_before = runbook.status
    runbook.status = Runbook.Status.RETIRED
    runbook.save(update_fields=["status", "updated_at"])
    audit_record(
        AuditEvent.RUNBOOK_RETIRED,
        actor=by,
        client=runbook.engagement.client_id,
        engagement=runbook.engagement_id,
        target=runbook,
        changes={"status": (status_before, runbook.status)},
    )
    return runbook


@transaction.atomic
def runbook_create_starters(*, engagement: Engagement, by: User) -> list[Runbook]:
    """The three handoff duties' runbooks (monitoring, edge-case review, escalation
    management) as drafts, filled from the engagement. Skips any slug already taken, so it
    can run again safely."""
    created = []
    for spec in starters.starter_runbooks(engagement):
        if Runbook.objects.filter(engagement=engagement, slug=spec.slug).exists():
            continue
        created.append(
            runbook_create(
                engagement=engagement,
                title=spec.title,
                slug=spec.slug,
                kind=spec.kind,
                body=spec.body,
                message=_("Starter runbook created with the engagement"),
                by=by,
            )
        )
    return created


# --- runs -----------------------------------------------------------------------------------


def _require_operator(by: User, engagement: Engagement) -> None:
    require_engagement_worker(
        by, engagement, message=_("Only operators and consultants run runbooks."), code="read_only"
    )


def _require_in_progress(run: RunbookRun) -> None:
    if run.status != RunbookRun.Status.IN_PROGRESS:
        raise StateConflict(
            _("This run is %(status)s; it can no longer change.")
            % {"status": run.get_status_display().lower()},
            code="run_finished",
        )


@transaction.atomic
def run_start(*, runbook: Runbook, by: User) -> RunbookRun:
    """Start working through the published version: its task-list items become the steps."""
    _require_operator(by, runbook.engagement)
    if runbook.status != Runbook.Status.PUBLISHED or runbook.published_version is None:
        raise DomainError(
            _("Only a published runbook can be run; this one is %(status)s.")
            % {"status": runbook.get_status_display().lower()},
            code="not_published",
        )
    items = rendering.task_items(runbook.published_version.body)
    if not items:
        raise DomainError(
            _("The published version has no checklist (no “- [ ]” task items) to run."),
            code="no_steps",
        )
    run = RunbookRun.objects.create(
        runbook=runbook, version=runbook.published_version, started_by=by
    )
    RunStep.objects.bulk_create(
        RunStep(run=run, position=i, text=text) for i, text in enumerate(items, start=1)
    )
    return run


@transaction.atomic
def run_step_update(
    *, step: RunStep, by: User, done: bool | None = None, note: str | None = None
) -> RunStep:
    """Tick or untick a step (recording who and when) and/or set its note."""
    run = step.run
    _require_operator(by, run.runbook.engagement)
    _require_in_progress(run)
    fields = []
    if done is not None and done != step.done:
        step.done = done
        step.done_by, step.done_at = (by, timezone.now()) if done else (None, None)
        fields += ["done", "done_by", "done_at"]
    if note is not None:
        step.note = note.strip()
        fields.append("note")
    if fields:
        step.save(update_fields=fields)
    return step


def _finish(*, run: RunbookRun, by: User, status: str, note: str) -> RunbookRun:
    now = timezone.now()
    won = RunbookRun.objects.filter(pk=run.pk, status=RunbookRun.Status.IN_PROGRESS).update(
        status=status, finished_by=by, finished_at=now, note=note.strip()
    )
    if won == 0:
        raise StateConflict(_("This run was finished meanwhile."), code="run_finished")
    run.status, run.finished_by, run.finished_at, run.note = status, by, now, note.strip()
    return run


@transaction.atomic
def run_complete(*, run: RunbookRun, by: User, note: str = "") -> RunbookRun:
    _require_operator(by, run.runbook.engagement)
    _require_in_progress(run)
    open_steps = run.steps.filter(done=False).count()
    if open_steps:
        raise DomainError(
            _("%(n)s step(s) are not ticked yet: tick them, or abandon the run with a note.")
            % {"n": open_steps},
            code="steps_open",
        )
    return _finish(run=run, by=by, status=RunbookRun.Status.COMPLETED, note=note)


@transaction.atomic
def run_abandon(*, run: RunbookRun, by: User, note: str = "") -> RunbookRun:
    _require_operator(by, run.runbook.engagement)
    _require_in_progress(run)
    if not note.strip():
        raise ValidationError({"note": [_("Say why the run is abandoned.")]})
    return _finish(run=run, by=by, status=RunbookRun.Status.ABANDONED, note=note)
