import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from maestro.engagements.scoping import (
    can_work_engagement,
    is_operator,
    require_engagement_worker,
)
from maestro.engagements.selectors import engagement_get_for_user, sponsor_home_engagement_id
from maestro.exceptions import DomainError, StateConflict
from maestro.lib.forms import form_errors
from maestro.lib.pagination import page_get
from maestro.lib.timezones import client_time_zone_activate
from maestro.reviews import hooks, selectors, services
from maestro.reviews.forms import (
    QUEUE_SORT_CHOICES,
    BulkReassignForm,
    EdgeCaseFlagForm,
    QueueFilterForm,
    ReassignForm,
    ResolveForm,
    TaskFilterForm,
)
from maestro.reviews.models import ReviewTask

# The task page shows at most this much of a decision's payload (as indented JSON).
PAYLOAD_DISPLAY_LIMIT = 20_000


@login_required
@require_safe
def landing(request):
    """Where log-in leads (LOGIN_REDIRECT_URL) when no `?next=` says otherwise, in one redirect:
    operators to their queue, a sponsor to their engagement's summary, everyone else (and a
    sponsor of several engagements) to the engagement list."""
    if is_operator(request.user):
        return redirect("reviews:queue")
    engagement_id = sponsor_home_engagement_id(user=request.user)
    if engagement_id is not None:
        return redirect("engagements:summary", engagement_id=engagement_id)
    return redirect("engagements:list")


def _queue_form(request, data) -> QueueFilterForm:
    choices = selectors.review_queue_filter_choices(user=request.user)
    return QueueFilterForm(data, engagements=choices["engagements"], processes=choices["processes"])


def _queue_from(request, raw: str | None) -> tuple[selectors.QueueFilters, str] | None:
    """The queue a task page was reached from (its `queue` parameter: the queue page's query
    string), as filters and a clean query string; None when not reached from the queue.
    Filters that no longer make sense fall back to the whole queue."""
    if raw is None:
        return None
    form = _queue_form(request, QueryDict(raw[:2000]))
    return form.filters(), form.query()


@login_required
@require_safe
def review_queue(request):
    now = timezone.now()
    form = _queue_form(request, request.GET or None)
    valid = not form.is_bound or form.is_valid()
    filters = form.filters()
    page, query = page_get(
        request, selectors.review_queue_filtered(user=request.user, filters=filters, now=now)
    )
    _mark(page, request.user)
    filter_query = form.query()
    return render(
        request,
        "reviews/queue.html",
        {
            "page": page,
            "query": query,
            "form": form,
            "filtered": bool(filter_query and filter_query != "sort=" + filters.sort),
            # Each row's link carries the queue, so resolving there leads to the next task.
            "queue_param": urlencode({"queue": filter_query}),
            "sort_label": dict(QUEUE_SORT_CHOICES)[filters.sort],
            "counts": selectors.review_queue_counts(user=request.user, now=now),
            "now": now,
        },
        status=200 if valid else 400,
    )


def _mark(page, user) -> None:
    # Apps above reviews mark rows (a shadow review's badge, its outcome hidden): one query for
    # the page, kept on the rows the template loops over.
    page.object_list = list(page.object_list)
    marks = hooks.review_task_marks(tasks=page.object_list, user=user)
    for task in page.object_list:
        task.mark = marks.get(task.pk)


def _payload_text(payload) -> tuple[str, bool]:
    text = json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    if len(text) <= PAYLOAD_DISPLAY_LIMIT:
        return text, False
    return text[:PAYLOAD_DISPLAY_LIMIT], True


def _task_page(request, task, *, resolve_form=None, conflict=None, status=200, queue=None, **forms):
    can_work = can_work_engagement(request.user, task.engagement)
    # Panels of apps above reviews (a shadow review's); one may hide the outcome from this
    # viewer, who then answers blind elsewhere and is not offered the resolve form here.
    panels = hooks.review_task_panels(task=task, user=request.user)
    hide_outcome = any(panel.get("hide_outcome") for panel in panels)
    outcomes = selectors.decision_outcome_choices(decision=task.decision) if task.decision else []
    if resolve_form is None and task.status == ReviewTask.Status.OPEN:
        proposal = task.decision.proposed_outcome if task.decision else None
        resolve_form = ResolveForm(
            outcomes=outcomes, flaggable=task.decision is not None, initial={"outcome": proposal}
        )
    assignees = selectors.review_task_assignee_choices(engagement=task.engagement)
    if queue is None:
        queue = _queue_from(request, request.GET.get("queue"))
    position = None
    if queue is not None:
        ids = selectors.review_queue_ids(user=request.user, filters=queue[0])
        position = selectors.queue_position(ids, task.pk)
    payload_text, payload_truncated = (
        _payload_text(task.decision.payload) if task.decision else ("", False)
    )
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
            "recent": selectors.counterparty_recent_decisions(decision=task.decision)
            if task.decision
            else [],
            "can_work": can_work,
            "resolve_form": resolve_form,
            "reassign_form": forms.get("reassign_form")
            or ReassignForm(assignees=assignees.exclude(pk=task.assignee_id)),
            "flag_form": forms.get("flag_form") or EdgeCaseFlagForm(),
            "conflict": conflict,
            # The one edge-case control: in the resolve form while the task is open, on its
            # own (flagging a decision already resolved) afterwards.
            "edge_in_resolve": bool(
                can_work
                and resolve_form is not None
                and task.decision
                and task.status == ReviewTask.Status.OPEN
            ),
            "overdue": task.is_overdue(),
            "payload_json": payload_text,
            "payload_truncated": payload_truncated,
            "payload_limit": PAYLOAD_DISPLAY_LIMIT,
            "from_queue": queue is not None,
            "queue": queue[1] if queue is not None else "",
            "queue_param": urlencode({"queue": queue[1]}) if queue is not None else "",
            "position": position,
            "panels": panels,
            "hide_outcome": hide_outcome,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_task_detail(request, task_id: int):
    """The task page; POST resolves it (and optionally flags the decision as an edge case).
    Reached from the queue (a `queue` parameter), a resolution leads on to the next open task
    of the same filtered queue, or back to the queue when none is left."""
    task = selectors.review_task_get_for_user(user=request.user, pk=task_id)
    client_time_zone_activate(task.engagement.client)
    if request.method != "POST":
        return _task_page(request, task)
    require_engagement_worker(
        request.user,
        task.engagement,
        message=_("Sponsors follow review tasks; they cannot resolve them."),
        page=True,
    )
    queue = _queue_from(request, request.POST.get("queue"))
    outcomes = selectors.decision_outcome_choices(decision=task.decision) if task.decision else []
    form = ResolveForm(request.POST, outcomes=outcomes, flaggable=task.decision is not None)
    if not form.is_valid():
        return _task_page(request, task, resolve_form=form, status=400, queue=queue)
    data = form.cleaned_data
    # The queue's order as it was, so "next" is the task that followed this one.
    order = selectors.review_queue_ids(user=request.user, filters=queue[0]) if queue else []
    try:
        with form_errors(form, catch=(ValidationError,)) as call:
            _resolve(task, data, by=request.user)
    except StateConflict as exc:
        # Someone else got there first: not a form error but a banner with their outcome, and
        # this person's input kept.
        task = selectors.review_task_get_for_user(user=request.user, pk=task_id)
        return _task_page(request, task, resolve_form=form, conflict=exc, status=409, queue=queue)
    if not call.ok:
        return _task_page(request, task, resolve_form=form, status=400, queue=queue)
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
    if queue is None:
        return redirect("reviews:task-detail", task.pk)
    next_id = selectors.review_queue_next_after(
        user=request.user, filters=queue[0], order=order, task_id=task.pk
    )
    if next_id is None:
        messages.info(request, _("No open task left in this queue."))
        return redirect(reverse("reviews:queue") + (f"?{queue[1]}" if queue[1] else ""))
    url = reverse("reviews:task-detail", args=[next_id])
    return redirect(f"{url}?{urlencode({'queue': queue[1]})}")


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
    client_time_zone_activate(task.engagement.client)
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
    client_time_zone_activate(task.engagement.client)
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


def _engagement_tasks_page(request, engagement, *, bulk_form=None, status=200):
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
    can_work = can_work_engagement(request.user, engagement)
    if status == 200 and form.is_bound and not form.is_valid():
        status = 400
    return render(
        request,
        "reviews/engagement_tasks.html",
        {
            "engagement": engagement,
            "page": page,
            "query": query,
            "form": form,
            "now": now,
            "can_work": can_work,
            "bulk_form": bulk_form or (BulkReassignForm(assignees=assignees) if can_work else None),
            "selected": set(bulk_form.data.getlist("tasks")) if bulk_form is not None else set(),
        },
        status=status,
    )


@login_required
@require_safe
def engagement_review_tasks(request, engagement_id: int):
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
    return _engagement_tasks_page(request, engagement)


@login_required
@require_POST
def engagement_review_tasks_reassign(request, engagement_id: int):
    """ "Reassign selected": several open tasks of the engagement to one person, in one go
    (services.review_tasks_reassign). Ids that are not tasks of this engagement are a form
    error naming them; nothing moves unless all of them can."""
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
    require_engagement_worker(
        request.user,
        engagement,
        message=_("Only operators and consultants reassign tasks."),
        page=True,
    )
    assignees = selectors.review_task_assignee_choices(engagement=engagement)
    form = BulkReassignForm(request.POST, assignees=assignees)
    if not form.is_valid():
        return _engagement_tasks_page(request, engagement, bulk_form=form, status=400)
    ids = form.cleaned_data["tasks"]
    tasks = list(ReviewTask.objects.filter(engagement=engagement, pk__in=ids))
    missing = sorted(set(ids) - {task.pk for task in tasks})
    if missing:
        form.add_error(
            "tasks",
            _("Not review tasks of this engagement: %(ids)s.")
            % {"ids": ", ".join(map(str, missing))},
        )
        return _engagement_tasks_page(request, engagement, bulk_form=form, status=400)
    with form_errors(form) as call:
        moved = services.review_tasks_reassign(
            tasks=tasks,
            to_user=form.cleaned_data["to_user"],
            note=form.cleaned_data["note"],
            by=request.user,
        )
    if not call.ok:
        return _engagement_tasks_page(request, engagement, bulk_form=form, status=call.status)
    messages.success(
        request,
        _("Reassigned %(n)d task(s) to %(user)s.")
        % {"n": len(moved), "user": form.cleaned_data["to_user"]},
    )
    return redirect("reviews:engagement-tasks", engagement.pk)


@login_required
@require_safe
def edge_case_log(request, engagement_id: int):
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
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
    client_time_zone_activate(edge_case.engagement.client)
    try:
        services.edge_case_mark_reviewed(edge_case=edge_case, by=request.user)
    except StateConflict as exc:
        messages.info(request, exc.message)
    except DomainError as exc:
        raise PermissionDenied(exc.message) from exc
    else:
        messages.success(request, _("Marked reviewed."))
    return redirect("reviews:edge-cases", edge_case.engagement_id)
