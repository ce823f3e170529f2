import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from maestro.engagements.scoping import can_work_engagement, require_engagement_worker
from maestro.engagements.selectors import engagement_get_for_user
from maestro.exceptions import DomainError, StateConflict
from maestro.lib.forms import form_errors
from maestro.lib.pagination import page_get
from maestro.reviews import hooks, selectors, services
from maestro.reviews.forms import EdgeCaseFlagForm, ReassignForm, ResolveForm, TaskFilterForm
from maestro.reviews.models import ReviewTask


@login_required
@require_safe
def review_queue(request):
    now = timezone.now()
    page, query = page_get(request, selectors.review_queue_for_user(user=request.user))
    _mark(page, request.user)
    return render(
        request,
        "reviews/queue.html",
        {
            "page": page,
            "query": query,
            "counts": selectors.review_queue_counts(user=request.user, now=now),
            "now": now,
        },
    )


def _mark(page, user) -> None:
    # Apps above reviews mark rows (a shadow review's badge, its outcome hidden): one query for
    # the page, kept on the rows the template loops over.
    page.object_list = list(page.object_list)
    marks = hooks.review_task_marks(tasks=page.object_list, user=user)
    for task in page.object_list:
        task.mark = marks.get(task.pk)


def _task_page(request, task, *, resolve_form=None, conflict=None, status=200, **forms):
    can_work = can_work_engagement(request.user, task.engagement)
    # Panels of apps above reviews (a shadow review's); one may hide the outcome from this
    # viewer, who then answers blind elsewhere and is not offered the resolve form here.
    panels = hooks.review_task_panels(task=task, user=request.user)
    hide_outcome = any(panel.get("hide_outcome") for panel in panels)
    outcomes = selectors.decision_outcome_choices(decision=task.decision) if task.decision else []
    if resolve_form is None and task.status == ReviewTask.Status.OPEN:
        proposal = task.decision.proposed_outcome if task.decision else None
        resolve_form = ResolveForm(outcomes=outcomes, initial={"outcome": proposal})
    assignees = selectors.review_task_assignee_choices(engagement=task.engagement)
    return render(
        request,
        "reviews/task.html",
        {
            "task": task,
            "engagement": task.engagement,
            "decision": task.decision,
            "events": selectors.review_task_event_list(task=task),
            "edge_cases": task.decision.edge_cases.select_related("flagged_by")
            if task.decision
            else [],
            "can_work": can_work,
            "resolve_form": resolve_form,
            "reassign_form": forms.get("reassign_form")
            or ReassignForm(assignees=assignees.exclude(pk=task.assignee_id)),
            "flag_form": forms.get("flag_form") or EdgeCaseFlagForm(),
            "conflict": conflict,
            "overdue": task.is_overdue(),
            "payload_json": json.dumps(task.decision.payload, indent=2, sort_keys=True)
            if task.decision
            else "",
            "panels": panels,
            "hide_outcome": hide_outcome,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_task_detail(request, task_id: int):
    """The task page; POST resolves it (and optionally flags the decision as an edge case)."""
    task = selectors.review_task_get_for_user(user=request.user, pk=task_id)
    if request.method != "POST":
        return _task_page(request, task)
    require_engagement_worker(
        request.user,
        task.engagement,
        message=_("Sponsors follow review tasks; they cannot resolve them."),
        page=True,
    )
    outcomes = selectors.decision_outcome_choices(decision=task.decision) if task.decision else []
    form = ResolveForm(request.POST, outcomes=outcomes)
    if not form.is_valid():
        return _task_page(request, task, resolve_form=form, status=400)
    data = form.cleaned_data
    try:
        with form_errors(form, catch=(ValidationError,)) as call:
            _resolve(task, data, by=request.user)
    except StateConflict as exc:
        # Someone else got there first: not a form error but a banner with their outcome, and
        # this person's input kept.
        task = selectors.review_task_get_for_user(user=request.user, pk=task_id)
        return _task_page(request, task, resolve_form=form, conflict=exc, status=409)
    if not call.ok:
        return _task_page(request, task, resolve_form=form, status=400)
    task = selectors.review_task_get_for_user(user=request.user, pk=task_id)
    overridden = task.decision is not None and task.decision.overridden
    messages.success(
        request,
        _("Resolved: %(outcome)s%(override)s.")
        % {
            "outcome": data["final_outcome"],
            "override": _(" (an override of the agent's proposal)") if overridden else "",
        },
    )
    return redirect("reviews:task-detail", task.pk)


def _resolve(task, data: dict, *, by) -> None:
    if data["flag_edge_case"] and task.decision:
        services.review_task_resolve_and_flag(
            task=task,
            final_outcome=data["final_outcome"],
            note=data["note"],
            by=by,
            edge_case_note=data["edge_case_note"],
        )
    else:
        services.review_task_resolve(
            task=task, final_outcome=data["final_outcome"], note=data["note"], by=by
        )


@login_required
@require_POST
def review_task_reassign(request, task_id: int):
    task = selectors.review_task_get_for_user(user=request.user, pk=task_id)
    assignees = selectors.review_task_assignee_choices(engagement=task.engagement)
    form = ReassignForm(request.POST, assignees=assignees)
    if not form.is_valid():
        return _task_page(request, task, reassign_form=form, status=400)
    with form_errors(form) as call:
        services.review_task_reassign(
            task=task,
            to_user=form.cleaned_data["to_user"],
            note=form.cleaned_data["note"],
            by=request.user,
        )
    if isinstance(call.error, StateConflict):  # the task moved on: back to its page
        messages.error(request, call.error.message)
        return redirect("reviews:task-detail", task.pk)
    if not call.ok:
        return _task_page(request, task, reassign_form=form, status=400)
    messages.success(request, _("Reassigned to %(user)s.") % {"user": form.cleaned_data["to_user"]})
    return redirect("reviews:task-detail", task.pk)


@login_required
@require_POST
def review_task_flag(request, task_id: int):
    """Flag the task's decision as an edge case (also after it was resolved)."""
    task = selectors.review_task_get_for_user(user=request.user, pk=task_id)
    form = EdgeCaseFlagForm(request.POST)
    if task.decision is None:
        raise PermissionDenied(_("Only decisions can be flagged as edge cases."))
    if not form.is_valid():
        return _task_page(request, task, flag_form=form, status=400)
    with form_errors(form) as call:
        services.edge_case_flag(
            decision=task.decision, note=form.cleaned_data["note"], by=request.user
        )
    if not call.ok:
        return _task_page(request, task, flag_form=form, status=400)
    messages.success(request, _("Flagged as an edge case."))
    return redirect("reviews:task-detail", task.pk)


@login_required
@require_safe
def engagement_review_tasks(request, engagement_id: int):
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    assignees = selectors.review_task_assignee_choices(engagement=engagement)
    form = TaskFilterForm(
        request.GET or None, statuses=ReviewTask.Status.choices, assignees=assignees
    )
    filters = form.cleaned_data if form.is_valid() else {}
    now = timezone.now()
    overdue = {"yes": True, "no": False}.get(filters.get("overdue") or "")
    tasks = selectors.review_task_list_for_engagement(
        engagement=engagement,
        status=filters.get("status") or None,
        assignee_id=filters.get("assignee") or None,
        overdue=overdue,
        now=now,
    )
    page, query = page_get(request, tasks)
    _mark(page, request.user)
    return render(
        request,
        "reviews/engagement_tasks.html",
        {"engagement": engagement, "page": page, "query": query, "form": form, "now": now},
        status=200 if form.is_bound is False or form.is_valid() else 400,
    )


@login_required
@require_safe
def edge_case_log(request, engagement_id: int):
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    page, query = page_get(request, selectors.edge_case_list(engagement=engagement))
    return render(
        request,
        "reviews/edge_cases.html",
        {
            "engagement": engagement,
            "page": page,
            "query": query,
            "can_work": can_work_engagement(request.user, engagement),
        },
    )


@login_required
@require_POST
def edge_case_review(request, edge_case_id: int):
    edge_case = selectors.edge_case_get_for_user(user=request.user, pk=edge_case_id)
    try:
        services.edge_case_mark_reviewed(edge_case=edge_case, by=request.user)
    except StateConflict as exc:
        messages.info(request, exc.message)
    except DomainError as exc:
        raise PermissionDenied(exc.message) from exc
    else:
        messages.success(request, _("Marked reviewed."))
    return redirect("reviews:edge-cases", edge_case.engagement_id)
