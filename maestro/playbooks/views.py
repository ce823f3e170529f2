"""Escalation playbook pages: the playbook as a document (with its history), the editor
(consultants), the dry run against a training round (anyone who sees the process) and the
known counterparties (consultants add, import and remove)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from maestro.engagements.scoping import (
    can_manage_engagement,
    can_work_engagement,
    require_engagement_manager,
    require_engagement_worker,
)
from maestro.exceptions import StateConflict
from maestro.lib.forms import flash_errors, form_errors
from maestro.lib.pagination import page_get
from maestro.lib.timezones import client_time_zone_activate
from maestro.lib.uploads import form_refuse_upload, upload_too_large
from maestro.playbooks import selectors, services
from maestro.playbooks.charts import dry_run_svg
from maestro.playbooks.forms import (
    DryRunForm,
    KnownCounterpartyForm,
    KnownCounterpartyImportForm,
    PlaybookRuleForm,
    PlaybookRuleFormSet,
    PlaybookVersionForm,
)
from maestro.training.importers import ImportFailed


def _context(request, process) -> dict:
    return {
        "process": process,
        "engagement": process.engagement,
        "can_manage": can_manage_engagement(request.user, process.engagement),
    }


@login_required
@require_safe
def playbook_detail(request, process_id: int):
    """The current version as sentences, or ?version=N, with the version history."""
    process = selectors.playbook_process_get_for_user(user=request.user, pk=process_id)
    client_time_zone_activate(process.engagement.client)
    versions = list(selectors.playbook_version_list(process=process))
    current = versions[0] if versions else None
    requested = request.GET.get("version", "")
    version = current
    if requested.isdigit():
        version = selectors.playbook_version_get(process=process, number=int(requested))
    document = (
        selectors.playbook_version_document(version=version, engagement_id=process.engagement_id)
        if version is not None
        else None
    )
    return render(
        request,
        "playbooks/playbook.html",
        {
            **_context(request, process),
            "versions": versions,
            "current": current,
            "version": version,
            "document": document,
            "can_run": can_work_engagement(request.user, process.engagement),
            # Flagged on read: who the chain in force names but can no longer take tasks.
            "chain_departed": selectors.playbook_chain_departed(
                version=current, engagement=process.engagement
            )
            if current is not None
            else [],
        },
    )


def _ordered_rules(formset) -> list[dict]:
    rows = []
    for index, form in enumerate(formset.forms):
        rule = form.as_rule()
        if rule is not None:
            rows.append((form.cleaned_data.get("position") or 1000 + index, index, rule))
    return [rule for _position, _index, rule in sorted(rows, key=lambda row: row[:2])]


@login_required
@require_http_methods(["GET", "POST"])
def playbook_edit(request, process_id: int):
    process = selectors.playbook_process_get_for_user(user=request.user, pk=process_id)
    client_time_zone_activate(process.engagement.client)
    require_engagement_manager(
        request.user,
        process.engagement,
        message=_("Only the engagement's consultants edit escalation playbooks."),
        page=True,
    )
    current = selectors.playbook_version_current(process=process)
    people = selectors.playbook_chain_candidates(engagement=process.engagement)
    initial = {"base_version": 0, "default_threshold": "0.80", "sla_minutes": 240}
    rules_initial: list[dict] = []
    if current is not None:
        initial = {
            "base_version": current.number,
            "default_threshold": current.default_threshold,
            "sla_minutes": current.sla_minutes,
        }
        for slot, pk in enumerate(current.escalation_chain, start=1):
            initial[f"chain_{slot}"] = pk
        rules_initial = [
            PlaybookRuleForm.initial_for(rule, position)
            for position, rule in enumerate(current.rules, start=1)
        ]
    form = PlaybookVersionForm(request.POST or None, initial=initial, people=people)
    formset = PlaybookRuleFormSet(request.POST or None, initial=rules_initial, prefix="rules")
    status, rule_errors = 200, []
    if request.method == "POST":
        status = 400
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            with form_errors(form, rename={"escalation_chain": "chain_1"}, skip=["rules"]) as call:
                version = services.playbook_version_create(
                    process=process,
                    by=request.user,
                    default_threshold=data["default_threshold"],
                    rules=_ordered_rules(formset),
                    sla_minutes=data["sla_minutes"],
                    escalation_chain=form.chain(),
                    message=data["message"],
                    base_version=data["base_version"],
                )
            if call.ok:
                messages.success(
                    request,
                    _("Saved version %(n)d; it routes new decisions from now on.")
                    % {"n": version.number},
                )
                return redirect("playbooks:detail", process_id=process.pk)
            rule_errors = call.skipped_errors("rules")
            if isinstance(call.error, StateConflict):
                # Saving again means saving on top of the newer version, knowingly.
                form.data = form.data.copy()
                latest = selectors.playbook_version_current(process=process)
                form.data["base_version"] = str(latest.number if latest else 0)
            status = call.status
    return render(
        request,
        "playbooks/playbook_edit.html",
        {
            **_context(request, process),
            "form": form,
            "formset": formset,
            "rule_errors": rule_errors,
            "current": current,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def playbook_dry_run(request, process_id: int):
    """The dry-run form (a GET's training_round/version preselect it); a POST queues the job
    and goes to its page."""
    process = selectors.playbook_process_get_for_user(user=request.user, pk=process_id)
    client_time_zone_activate(process.engagement.client)
    can_run = can_work_engagement(request.user, process.engagement)
    if request.method == "POST":
        require_engagement_worker(
            request.user, process.engagement, message=services.DRY_RUN_WORKERS_ONLY, page=True
        )
    rounds = list(selectors.playbook_rounds(process=process))
    versions = list(selectors.playbook_version_list(process=process))
    initial = {"version": versions[0].number if versions else None}
    initial.update({k: v for k, v in request.GET.items() if k in ("training_round", "version")})
    form = DryRunForm(request.POST or None, initial=initial, rounds=rounds, versions=versions)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            training_round = next(r for r in rounds if r.pk == form.cleaned_data["training_round"])
            version = next(v for v in versions if v.number == form.cleaned_data["version"])
            job = services.dry_run_job_create(
                process=process, training_round=training_round, version=version, by=request.user
            )
            return redirect("playbooks:dry-run-job", process_id=process.pk, job_id=job.pk)
    return render(
        request,
        "playbooks/playbook_dry_run.html",
        {
            **_context(request, process),
            "form": form,
            "rounds": rounds,
            "versions": versions,
            "jobs": selectors.dry_run_job_list(process=process)[:5],
            "can_run": can_run,
        },
        status=status,
    )


@login_required
@require_safe
def playbook_dry_run_job(request, process_id: int, job_id: int):
    """A queued or running job's progress (the page polls the API, or refreshes itself
    without JavaScript), then the result or the error."""
    process = selectors.playbook_process_get_for_user(user=request.user, pk=process_id)
    client_time_zone_activate(process.engagement.client)
    job = selectors.dry_run_job_get(process=process, pk=job_id)
    result = services.dry_run_job_result(job=job)
    chart = None
    if result is not None:
        chart = dry_run_svg(
            cases=result.cases, auto=result.auto, human=result.human, reasons=result.reasons
        )
    return render(
        request,
        "playbooks/playbook_dry_run_job.html",
        {**_context(request, process), "job": job, "result": result, "chart": chart},
    )


@login_required
@require_http_methods(["GET", "POST"])
def known_counterparties(request, process_id: int):
    """The process's known counterparties (search, pages of 50); its consultants add one or
    import a CSV file here."""
    process = selectors.playbook_process_get_for_user(user=request.user, pk=process_id)
    client_time_zone_activate(process.engagement.client)
    posted = request.POST.get("form") if request.method == "POST" else None
    add_form = KnownCounterpartyForm(request.POST if posted == "add" else None)
    import_form = KnownCounterpartyImportForm(
        request.POST if posted == "import" else None,
        request.FILES if posted == "import" else None,
    )
    status, import_errors = 200, []
    if request.method == "POST":
        require_engagement_manager(
            request.user,
            process.engagement,
            message=_("Only the engagement's consultants change its known counterparties."),
            page=True,
        )
        status = 400
        form = import_form if posted == "import" else add_form
        if refusal := upload_too_large(request):
            form_refuse_upload(form, "file", refusal)
            status = refusal.status_code
        if form.is_valid():
            with form_errors(form) as call:
                if form is import_form:
                    result = services.known_counterparties_import(
                        process=process, upload=form.cleaned_data["file"], by=request.user
                    )
                    done = _(
                        "Imported %(rows)d row(s): %(added)d name(s) added, %(known)d already "
                        "known."
                    ) % {"rows": result.rows, "added": result.added, "known": result.already_known}
                else:
                    added = services.known_counterparty_add(
                        process=process, name=form.cleaned_data["name"], by=request.user
                    )
                    done = _("“%(name)s” is known from now on.") % {"name": added.name}
            if call.ok:
                messages.success(request, done)
                return redirect("playbooks:counterparties", process_id=process.pk)
            if isinstance(call.error, ImportFailed):
                import_errors = call.error.errors
            status = call.status
    search = request.GET.get("q", "").strip()[:200]
    counterparties = selectors.known_counterparty_list(process=process)
    if search:
        counterparties = counterparties.filter(name__icontains=search)
    page, query = page_get(request, counterparties)
    return render(
        request,
        "playbooks/known_counterparties.html",
        {
            **_context(request, process),
            "page": page,
            "query": query,
            "search": search,
            "add_form": add_form,
            "import_form": import_form,
            "import_errors": import_errors,
            "max_rows": services.MAX_IMPORT_ROWS,
        },
        status=status,
    )


@login_required
@require_POST
def known_counterparty_remove(request, counterparty_id: int):
    counterparty = selectors.known_counterparty_get_for_user(user=request.user, pk=counterparty_id)
    process = counterparty.process
    require_engagement_manager(
        request.user,
        process.engagement,
        message=_("Only the engagement's consultants change its known counterparties."),
        page=True,
    )
    with flash_errors(request) as call:
        services.known_counterparty_remove(counterparty=counterparty, by=request.user)
    if call.ok:
        messages.success(
            request,
            _("Removed “%(name)s”: its next decision counts as a new counterparty.")
            % {"name": counterparty.name},
        )
    return redirect("playbooks:counterparties", process_id=process.pk)
