from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from maestro.engagements.scoping import (
    can_manage_engagement,
    can_work_engagement,
    require_engagement_manager,
    require_engagement_worker,
)
from maestro.engagements.selectors import engagement_get_for_user
from maestro.exceptions import DomainError, StateConflict
from maestro.lib.forms import flash_errors, form_errors
from maestro.lib.timezones import client_time_zone_activate
from maestro.mapping.models import Process
from runbooks import selectors, services
from runbooks.forms import RunbookCreateForm, RunbookEditForm, RunFinishForm, StepForm
from runbooks.models import Runbook

MANAGERS_ONLY = gettext_lazy("Only the engagement's consultants can do this.")
SPONSORS_READ_ONLY = gettext_lazy("Sponsors read runbooks; they cannot change or run them.")


@login_required
@require_safe
def runbook_list(request, engagement_id: int):
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
    query = request.GET.get("q", "")
    runbooks = selectors.runbook_search(
        queryset=selectors.runbook_list_for_user(user=request.user).filter(engagement=engagement),
        query=query,
    )
    return render(
        request,
        "runbooks/list.html",
        {
            "engagement": engagement,
            "runbooks": runbooks,
            "query": query,
            "can_manage": can_manage_engagement(request.user, engagement),
        },
    )


@login_required
@require_safe
def runbook_search(request):
    query = request.GET.get("q", "")
    runbooks = (
        selectors.runbook_search(
            queryset=selectors.runbook_list_for_user(user=request.user), query=query
        )
        if query.strip()
        else []
    )
    return render(request, "runbooks/search.html", {"runbooks": runbooks, "query": query})


@login_required
@require_http_methods(["GET", "POST"])
def runbook_create(request, engagement_id: int):
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    require_engagement_manager(request.user, engagement, message=MANAGERS_ONLY, page=True)
    form = RunbookCreateForm(
        request.POST or None, processes=Process.objects.filter(engagement=engagement)
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            # A DomainError here is a body the renderer refuses or stopped.
            with form_errors(form, field="body") as call:
                runbook = services.runbook_create(
                    engagement=engagement, by=request.user, **form.cleaned_data
                )
            if call.ok:
                messages.success(request, _("Created the runbook as a draft."))
                return redirect(runbook)
    return render(
        request, "runbooks/new.html", {"engagement": engagement, "form": form}, status=status
    )


@login_required
@require_safe
def runbook_detail(request, engagement_id: int, slug: str):
    """The reader: the published version (or the draft before any is published), or the
    version asked for with ?version=N."""
    runbook = selectors.runbook_get_by_slug(
        user=request.user, engagement_id=engagement_id, slug=slug
    )
    client_time_zone_activate(runbook.engagement.client)
    requested = request.GET.get("version", "")
    if requested.isdigit():
        version = selectors.version_get(runbook=runbook, number=int(requested))
    elif runbook.published_version is not None:
        version = runbook.published_version
    else:
        version = selectors.version_get(runbook=runbook, number=runbook.head)
    rendered = selectors.version_rendered(version=version, engagement_id=engagement_id)
    return render(
        request,
        "runbooks/detail.html",
        {
            "runbook": runbook,
            "engagement": runbook.engagement,
            "version": version,
            "rendered": rendered,
            "runs": selectors.run_list(runbook=runbook)[:20],
            "can_edit": can_work_engagement(request.user, runbook.engagement),
            "can_manage": can_manage_engagement(request.user, runbook.engagement),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def runbook_edit(request, engagement_id: int, slug: str):
    runbook = selectors.runbook_get_by_slug(
        user=request.user, engagement_id=engagement_id, slug=slug
    )
    require_engagement_worker(
        request.user, runbook.engagement, message=SPONSORS_READ_ONLY, page=True
    )
    form = RunbookEditForm(
        request.POST or None,
        initial={"base_version": runbook.head, "title": runbook.title, "body": runbook.body},
    )
    status, conflict = 200, None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with form_errors(form) as call:
                version = services.runbook_save(
                    runbook=runbook, by=request.user, **form.cleaned_data
                )
            if call.ok:
                text = _("Saved version %(n)s.") % {"n": version.number}
                if version.proposed:
                    text += " " + _("A consultant reviews and publishes it.")
                messages.success(request, text)
                return redirect(runbook)
            status = call.status
            if isinstance(call.error, StateConflict):
                conflict = _conflict(runbook, form.cleaned_data)
                # Saving again means saving on top of the current version, knowingly.
                form.data = form.data.copy()
                form.data["base_version"] = str(runbook.head)
    return render(
        request,
        "runbooks/edit.html",
        {
            "runbook": runbook,
            "engagement": runbook.engagement,
            "form": form,
            "conflict": conflict,
            "can_manage": can_manage_engagement(request.user, runbook.engagement),
        },
        status=status,
    )


def _conflict(runbook: Runbook, mine: dict) -> dict:
    """Both sides of a refused save: the current version rendered, and what changed between
    it and the text the user tried to save."""
    runbook.refresh_from_db()
    current = selectors.version_get(runbook=runbook, number=runbook.head)
    from runbooks import rendering

    theirs_text = f"# {current.title}\n\n{current.body}"
    mine_text = f"# {mine['title']}\n\n{mine['body']}"
    return {
        "current": current,
        "rendered": selectors.version_rendered(
            version=current, engagement_id=runbook.engagement_id
        ),
        "table": rendering.diff_table(
            theirs_text,
            mine_text,
            old_label=_("version %(n)s (saved)") % {"n": current.number},
            new_label=_("your edit"),
        ),
    }


@login_required
@require_POST
def runbook_preview(request, engagement_id: int):
    """The editor's preview: the same rendering and sanitising as the page, as a fragment."""
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    require_engagement_worker(request.user, engagement, message=SPONSORS_READ_ONLY, page=True)
    try:
        rendered = selectors.runbook_preview(
            engagement_id=engagement.pk, body=request.POST.get("body", "")
        )
    except DomainError as exc:
        return HttpResponse(
            format_html(
                '<ul class="errorlist" data-code="{}"><li>{}</li></ul>', exc.code, exc.message
            ),
            status=exc.status_code,
            content_type="text/html; charset=utf-8",
        )
    return HttpResponse(rendered.html, content_type="text/html; charset=utf-8")


@login_required
@require_safe
def runbook_history(request, engagement_id: int, slug: str):
    runbook = selectors.runbook_get_by_slug(
        user=request.user, engagement_id=engagement_id, slug=slug
    )
    client_time_zone_activate(runbook.engagement.client)
    return render(
        request,
        "runbooks/history.html",
        {
            "runbook": runbook,
            "engagement": runbook.engagement,
            "versions": selectors.version_list(runbook=runbook),
            "can_edit": can_work_engagement(request.user, runbook.engagement),
            "can_manage": can_manage_engagement(request.user, runbook.engagement),
        },
    )


@login_required
@require_safe
def runbook_diff(request, engagement_id: int, slug: str):
    runbook = selectors.runbook_get_by_slug(
        user=request.user, engagement_id=engagement_id, slug=slug
    )
    client_time_zone_activate(runbook.engagement.client)
    old, new = request.GET.get("old", ""), request.GET.get("new", "")
    if not (old.isdigit() and new.isdigit()):
        old, new = str(max(runbook.head - 1, 1)), str(runbook.head)
    diff = selectors.version_diff(runbook=runbook, old=int(old), new=int(new))
    return render(
        request,
        "runbooks/diff.html",
        {"runbook": runbook, "engagement": runbook.engagement, "diff": diff},
    )


def _posted_int(request, name: str, default: int) -> int:
    """A posted whole number; `default` when it is missing or not a number (the service then
    refuses it with its own message)."""
    value = request.POST.get(name, "")
    return int(value) if value.isdigit() else default


@login_required
@require_POST
def runbook_restore(request, engagement_id: int, slug: str):
    runbook = selectors.runbook_get_by_slug(
        user=request.user, engagement_id=engagement_id, slug=slug
    )
    require_engagement_worker(
        request.user, runbook.engagement, message=SPONSORS_READ_ONLY, page=True
    )
    with flash_errors(request) as call:
        version = services.runbook_restore(
            runbook=runbook,
            by=request.user,
            number=_posted_int(request, "version", 0),
            base_version=_posted_int(request, "base_version", -1),
        )
    if not call.ok:
        return redirect("runbooks:history", engagement_id, slug)
    messages.success(request, _("Restored as version %(n)s.") % {"n": version.number})
    return redirect("runbooks:history", engagement_id, slug)


@login_required
@require_POST
def runbook_publish(request, engagement_id: int, slug: str):
    runbook = selectors.runbook_get_by_slug(
        user=request.user, engagement_id=engagement_id, slug=slug
    )
    require_engagement_manager(request.user, runbook.engagement, message=MANAGERS_ONLY, page=True)
    version = request.POST.get("version", "")
    with flash_errors(request) as call:
        services.runbook_publish(
            runbook=runbook, by=request.user, version=int(version) if version.isdigit() else None
        )
    if call.ok:
        messages.success(
            request,
            _("Published version %(n)s.") % {"n": runbook.published_version.number},
        )
    return redirect(runbook)


@login_required
@require_POST
def runbook_retire(request, engagement_id: int, slug: str):
    runbook = selectors.runbook_get_by_slug(
        user=request.user, engagement_id=engagement_id, slug=slug
    )
    require_engagement_manager(request.user, runbook.engagement, message=MANAGERS_ONLY, page=True)
    with flash_errors(request) as call:
        services.runbook_retire(runbook=runbook, by=request.user)
    if call.ok:
        messages.success(request, _("Retired: it can no longer change or run."))
    return redirect(runbook)


@login_required
@require_POST
def run_start(request, engagement_id: int, slug: str):
    runbook = selectors.runbook_get_by_slug(
        user=request.user, engagement_id=engagement_id, slug=slug
    )
    require_engagement_worker(
        request.user, runbook.engagement, message=SPONSORS_READ_ONLY, page=True
    )
    with flash_errors(request) as call:
        run = services.run_start(runbook=runbook, by=request.user)
    return redirect(run if call.ok else runbook)


@login_required
@require_safe
def run_detail(request, run_id: int):
    run = selectors.run_get_for_user(user=request.user, pk=run_id)
    steps = list(run.steps.all())
    return render(
        request,
        "runbooks/run.html",
        {
            "run": run,
            "runbook": run.runbook,
            "engagement": run.runbook.engagement,
            "steps": steps,
            "open_steps": sum(1 for s in steps if not s.done),
            "can_run": can_work_engagement(request.user, run.runbook.engagement),
        },
    )


@login_required
@require_POST
def run_step(request, run_id: int, step_id: int):
    run = selectors.run_get_for_user(user=request.user, pk=run_id)
    require_engagement_worker(
        request.user, run.runbook.engagement, message=SPONSORS_READ_ONLY, page=True
    )
    step = get_object_or_404(selectors.step_list(run=run), pk=step_id)
    step.run = run
    form = StepForm(request.POST)
    if form.is_valid():
        with flash_errors(request):
            services.run_step_update(step=step, by=request.user, **form.cleaned_data)
    return redirect(f"{run.get_absolute_url()}#step-{step.position}")


@login_required
@require_POST
def run_finish(request, run_id: int):
    run = selectors.run_get_for_user(user=request.user, pk=run_id)
    require_engagement_worker(
        request.user, run.runbook.engagement, message=SPONSORS_READ_ONLY, page=True
    )
    form = RunFinishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to complete or abandon the run."))
        return redirect(run)
    finish = (
        services.run_complete
        if form.cleaned_data["action"] == "complete"
        else (services.run_abandon)
    )
    with flash_errors(request) as call:
        finish(run=run, by=request.user, note=form.cleaned_data["note"])
    if call.ok:
        messages.success(request, _("The run is %(s)s.") % {"s": run.get_status_display().lower()})
    return redirect(run)
