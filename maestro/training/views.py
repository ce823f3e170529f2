from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from maestro.engagements.scoping import can_manage_engagement, require_engagement_manager
from maestro.engagements.selectors import engagement_get_for_user
from maestro.lib.forms import form_errors
from maestro.lib.pagination import page_get
from maestro.lib.timezones import client_time_zone_activate
from maestro.lib.uploads import form_refuse_upload, upload_too_large
from maestro.mapping.selectors import process_list_for_user
from maestro.training import charts, hooks, selectors, services
from maestro.training.forms import (
    DatasetForm,
    FailureFilterForm,
    FailureReviewForm,
    GateCriteriaForm,
    RoundForm,
    UploadForm,
)

# What a write by anyone but the engagement's consultants is refused with.
TRAINING_MANAGERS_ONLY = gettext_lazy("Only the engagement's consultants change training data.")
# Cases per page on each side of a comparison, and failures per page on a round's page.
COMPARE_PAGE = 25
FAILURES_PAGE = 25


@login_required
@require_http_methods(["GET", "POST"])
def training_overview(request, engagement_id: int):
    """The engagement's evaluation datasets with their accuracy across rounds."""
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
    can_manage = can_manage_engagement(request.user, engagement)
    processes = list(process_list_for_user(user=request.user).filter(engagement=engagement))
    posted = request.POST.get("form") if request.method == "POST" else None
    form = DatasetForm(request.POST if posted == "dataset" else None, processes=processes)
    criteria = selectors.gate_criteria_get(engagement=engagement)
    criteria_form = GateCriteriaForm(
        request.POST if posted == "criteria" else None,
        prefix="criteria",
        initial={
            "category_minimums": "\n".join(
                f"{k} = {v:g}" for k, v in sorted(criteria.category_minimums.items())
            ),
            "critical_categories": ", ".join(criteria.critical_categories),
            "max_critical_misses": criteria.max_critical_misses,
        },
    )
    status = 200
    if request.method == "POST":
        require_engagement_manager(
            request.user, engagement, message=TRAINING_MANAGERS_ONLY, page=True
        )
        status = 400
        if posted == "criteria" and criteria_form.is_valid():
            with form_errors(criteria_form) as call:
                services.gate_criteria_set(
                    engagement=engagement, by=request.user, **criteria_form.cleaned_data
                )
            if call.ok:
                messages.success(request, _("Saved the gate criteria."))
                return redirect("training:overview", engagement_id=engagement.pk)
        elif posted == "dataset" and form.is_valid():
            process = next(p for p in processes if p.pk == form.cleaned_data["process"])
            with form_errors(form) as call:
                dataset = services.dataset_create(
                    process=process, name=form.cleaned_data["name"], by=request.user
                )
            if call.ok:
                messages.success(request, _("Added “%(name)s”.") % {"name": dataset.name})
                return redirect("training:dataset", dataset_id=dataset.pk)
    datasets = selectors.dataset_list_for_user(user=request.user).filter(
        process__engagement=engagement
    )
    return render(
        request,
        "training/overview.html",
        {
            "engagement": engagement,
            "datasets": datasets,
            "can_manage": can_manage,
            "form": form,
            "criteria": criteria,
            "criteria_form": criteria_form,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def dataset_detail(request, dataset_id: int):
    """Cases, rounds and the accuracy chart; consultants upload cases and start rounds here."""
    dataset = selectors.dataset_get_for_user(user=request.user, pk=dataset_id)
    engagement = dataset.process.engagement
    client_time_zone_activate(engagement.client)
    can_manage = can_manage_engagement(request.user, engagement)
    posted = request.POST.get("form") if request.method == "POST" else None
    upload_form = UploadForm(
        request.POST if posted == "cases" else None, request.FILES if posted == "cases" else None
    )
    round_form = RoundForm(
        request.POST if posted == "round" else None,
        request.FILES if posted == "round" else None,
        prefix="round",
    )
    status = 200
    if request.method == "POST":
        require_engagement_manager(
            request.user, engagement, message=TRAINING_MANAGERS_ONLY, page=True
        )
        status = 400
        bound = round_form if posted == "round" else upload_form
        if refusal := upload_too_large(request):
            form_refuse_upload(bound, "file", refusal)
            status = refusal.status_code
        if bound.is_valid():
            data = bound.cleaned_data
            with form_errors(bound) as call:
                training_round = None
                if bound is round_form:
                    training_round = services.round_create(
                        dataset=dataset,
                        round_date=data["date"],
                        what_changed=data["what_changed"],
                        by=request.user,
                    )
                job = services.import_job_create(
                    dataset=dataset,
                    training_round=training_round,
                    upload=data["file"],
                    fmt=data["format"] or None,
                    by=request.user,
                )
            if call.ok:
                return redirect("training:job", job_id=job.pk)
    rounds = selectors.accuracy_across_rounds(dataset=dataset)
    return render(
        request,
        "training/dataset.html",
        {
            "dataset": dataset,
            "engagement": engagement,
            "rounds": rounds,
            "chart": charts.accuracy_chart_svg(
                rounds=rounds, target=float(engagement.target_accuracy)
            ),
            "jobs": selectors.import_job_list_recent(dataset=dataset),
            "can_manage": can_manage,
            "upload_form": upload_form,
            "round_form": round_form,
        },
        status=status,
    )


@login_required
@require_safe
def import_job_detail(request, job_id: int):
    """Progress of an upload; the page refreshes itself until the job is done."""
    job = selectors.import_job_get_for_user(user=request.user, pk=job_id)
    percent = min(100, round(100 * job.rows_done / job.rows_total)) if job.rows_total else 0
    return render(request, "training/job.html", {"job": job, "percent": percent})


@login_required
@require_http_methods(["GET", "POST"])
def round_detail(request, round_id: int):
    """Metrics, charts, confusion matrix and the failures to review."""
    training_round = selectors.round_get_for_user(user=request.user, pk=round_id)
    engagement = training_round.dataset.process.engagement
    client_time_zone_activate(engagement.client)
    can_manage = can_manage_engagement(request.user, engagement)
    form = FailureReviewForm(request.POST or None)
    status = 200
    if request.method == "POST":
        require_engagement_manager(
            request.user, engagement, message=TRAINING_MANAGERS_ONLY, page=True
        )
        status = 400
        try:
            case_id = int(request.POST.get("case", ""))
        except ValueError:
            raise Http404 from None
        case = selectors.case_get_in_dataset(dataset_id=training_round.dataset_id, pk=case_id)
        if form.is_valid():
            with form_errors(form) as call:
                services.failure_review_set(
                    training_round=training_round, case=case, by=request.user, **form.cleaned_data
                )
            if call.ok:
                messages.success(request, _("Tagged %(ref)s.") % {"ref": case.case_ref})
                # Back to the same filtered page of failures.
                query = request.GET.urlencode()
                return redirect(
                    reverse("training:round", args=[training_round.pk])
                    + (f"?{query}" if query else "")
                    + "#failures-title"
                )
    metrics = selectors.round_metrics(training_round=training_round)
    criteria = selectors.gate_criteria_get(engagement=engagement)
    sweep = selectors.round_threshold_sweep(training_round=training_round)
    threshold = hooks.current_threshold(process=training_round.dataset.process)
    for row in sweep:
        row["current"] = threshold is not None and abs(row["threshold"] - float(threshold)) < 1e-9
    calibration = selectors.round_calibration(training_round=training_round)
    filters = FailureFilterForm(
        request.GET, categories=[row["category"] for row in metrics.categories]
    )
    if filters.is_valid():
        chosen = filters.cleaned_data
    else:
        chosen, status = {}, 400
    failures, query = page_get(
        request,
        selectors.round_failures(
            training_round=training_round,
            category=chosen.get("category", ""),
            cause=chosen.get("cause", ""),
        ),
        per_page=FAILURES_PAGE,
    )
    others = (
        selectors.round_list_for_user(user=request.user)
        .filter(dataset_id=training_round.dataset_id)
        .exclude(pk=training_round.pk)
    )
    return render(
        request,
        "training/round.html",
        {
            "round": training_round,
            "crumb": _("Round %(n)d") % {"n": training_round.number},
            "engagement": engagement,
            "metrics": metrics,
            "category_chart": charts.category_bars_svg(
                categories=metrics.categories, minimums=criteria.category_minimums
            ),
            "confusion": selectors.round_confusion(training_round=training_round),
            "calibration": calibration,
            "calibration_chart": charts.calibration_chart_svg(bands=calibration),
            "sweep": sweep,
            "threshold": threshold,
            "sweep_chart": charts.threshold_sweep_svg(
                sweep=sweep, current=None if threshold is None else float(threshold)
            ),
            "causes": selectors.round_failure_causes(training_round=training_round),
            "failures": failures,
            "query": query,
            "filters": filters,
            "filtered": bool(chosen.get("category") or chosen.get("cause")),
            "cause_choices": FailureReviewForm.base_fields["cause"].choices,
            "others": others,
            "can_manage": can_manage,
            "form": form,
        },
        status=status,
    )


@login_required
@require_safe
def round_compare(request, round_id: int, other_id: int):
    """Cases fixed and regressed between two rounds of one dataset, from the earlier round to
    the later one whatever the URL's order; `?direction=backward` compares the other way."""
    first = selectors.round_get_for_user(user=request.user, pk=round_id)
    second = selectors.round_get_for_user(user=request.user, pk=other_id)
    if first.dataset_id != second.dataset_id:
        raise Http404
    client_time_zone_activate(first.dataset.process.engagement.client)
    direction = request.GET.get("direction") or selectors.FORWARD
    if direction not in selectors.DIRECTIONS:
        return HttpResponseBadRequest(
            _("direction must be “forward” or “backward”."), content_type="text/plain"
        )
    before, after = selectors.round_compare_order(first=first, second=second, direction=direction)
    compared = selectors.round_compare(before=before, after=after)
    return render(
        request,
        "training/compare.html",
        {
            **compared,
            "engagement": after.dataset.process.engagement,
            "direction": direction,
            "reverse": selectors.BACKWARD if direction == selectors.FORWARD else selectors.FORWARD,
            "fixed": Paginator(compared["fixed"], COMPARE_PAGE).get_page(
                request.GET.get("fixed_page")
            ),
            "regressed": Paginator(compared["regressed"], COMPARE_PAGE).get_page(
                request.GET.get("regressed_page")
            ),
        },
    )
