from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.forms.models import model_to_dict
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from maestro.engagements.scoping import can_manage_engagement, require_engagement_manager
from maestro.engagements.selectors import engagement_get_for_user
from maestro.lib.forms import form_errors
from maestro.lib.timezones import client_time_zone_activate
from maestro.mapping import hooks, selectors, services
from maestro.mapping.diagram import process_map_id_prefix, process_map_svg
from maestro.mapping.forms import DecisionTypeForm, ProcessForm
from maestro.mapping.models import Step

# What a write by anyone but the engagement's consultants is refused with.
MAPS_MANAGERS_ONLY = gettext_lazy("Only the engagement's consultants can change the maps.")


@login_required
@require_http_methods(["GET", "POST"])
def process_list(request, engagement_id: int):
    """The engagement's process maps with their summaries, and its decision inventory. Its
    consultants add processes and decision types here (two forms, told apart by `form`)."""
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
    can_manage = can_manage_engagement(request.user, engagement)
    posted = request.POST.get("form", "process") if request.method == "POST" else None
    form = ProcessForm(request.POST if posted == "process" else None)
    type_form = DecisionTypeForm(
        request.POST if posted == "decision_type" else None, prefix="decision_type"
    )
    status = 200
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied(_("Only the engagement's consultants can change the maps."))
        status = 400
        bound = type_form if posted == "decision_type" else form
        create = services.decision_type_create if bound is type_form else services.process_create
        if bound.is_valid():
            with form_errors(bound) as call:
                created = create(engagement=engagement, by=request.user, **bound.cleaned_data)
            if call.ok:
                messages.success(request, _("Added “%(name)s”.") % {"name": created.name})
                if bound is form:
                    return redirect(created)
                return redirect("mapping:process_list", engagement_id=engagement.pk)
            status = call.status
    return render(
        request,
        "mapping/process_list.html",
        {
            "engagement": engagement,
            "processes": selectors.engagement_process_summaries(engagement=engagement),
            "inventory": selectors.decision_inventory(engagement=engagement),
            "can_manage": can_manage,
            "form": form,
            "type_form": type_form,
        },
        status=status,
    )


def _diagram(process) -> str:
    steps = list(selectors.process_steps(process=process))
    return process_map_svg(
        title=process.name,
        documented=[s for s in steps if s.flow == Step.Flow.DOCUMENTED],
        actual=[s for s in steps if s.flow == Step.Flow.ACTUAL],
        id_prefix=process_map_id_prefix(process.pk),
    )


@login_required
@require_safe
def process_detail(request, process_id: int):
    """The map: summary, diagram and (for its consultants) the step editor."""
    process = selectors.process_get_for_user(user=request.user, pk=process_id)
    client_time_zone_activate(process.engagement.client)
    steps = list(selectors.process_steps(process=process))
    documented = [s for s in steps if s.flow == Step.Flow.DOCUMENTED]
    actual = [s for s in steps if s.flow == Step.Flow.ACTUAL]
    return render(
        request,
        "mapping/process_detail.html",
        {
            "process": process,
            "engagement": process.engagement,
            "summary": selectors.process_summary(process=process, steps=steps),
            "diagram": process_map_svg(
                title=process.name,
                documented=documented,
                actual=actual,
                id_prefix=process_map_id_prefix(process.pk),
            ),
            "documented": documented,
            "actual": actual,
            "kinds": Step.Kind.choices,
            "decision_types": selectors.decision_type_list_for_user(user=request.user)
            .filter(engagement=process.engagement)
            .order_by("name"),
            "can_manage": can_manage_engagement(request.user, process.engagement),
            # The economics panel, from the layers above (maestro.mapping.hooks).
            **hooks.process_overview_context(process=process),
        },
    )


@login_required
@require_safe
def process_diagram(request, process_id: int):
    """The diagram alone, as an SVG document (the editor reloads it after each change)."""
    process = selectors.process_get_for_user(user=request.user, pk=process_id)
    client_time_zone_activate(process.engagement.client)
    return HttpResponse(_diagram(process), content_type="image/svg+xml; charset=utf-8")


@login_required
@require_http_methods(["GET", "POST"])
def process_edit(request, process_id: int):
    """The process's own fields: name, description, owner team and the volume and minutes per
    case the economics (hours freed a day) are computed from."""
    process = selectors.process_get_for_user(user=request.user, pk=process_id)
    client_time_zone_activate(process.engagement.client)
    require_engagement_manager(
        request.user, process.engagement, message=MAPS_MANAGERS_ONLY, page=True
    )
    # No `instance`: a ModelForm would write the posted values onto `process` while
    # validating, and a refused edit must still show the saved name in the heading.
    form = ProcessForm(
        request.POST if request.method == "POST" else None,
        initial=model_to_dict(process, fields=services.PROCESS_FIELDS),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with form_errors(form) as call:
                services.process_update(process=process, by=request.user, **form.cleaned_data)
            if call.ok:
                messages.success(request, _("Saved “%(name)s”.") % {"name": process.name})
                return redirect(process)
            process.refresh_from_db()
            status = call.status
    return render(
        request,
        "mapping/process_edit.html",
        {"process": process, "engagement": process.engagement, "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def process_delete(request, process_id: int):
    """Confirmation (what goes with the process, or why it cannot go), then the delete."""
    process = selectors.process_get_for_user(user=request.user, pk=process_id)
    client_time_zone_activate(process.engagement.client)
    engagement = process.engagement
    require_engagement_manager(request.user, engagement, message=MAPS_MANAGERS_ONLY, page=True)
    form, status = Form(request.POST), 200  # the confirmation has no fields; it shows a refusal
    if request.method == "POST":
        with form_errors(form) as call:
            services.process_delete(process=process, by=request.user)
        if call.ok:
            messages.success(request, _("Deleted “%(name)s”.") % {"name": process.name})
            return redirect("mapping:process_list", engagement_id=engagement.pk)
        status = call.status
    impact = selectors.process_delete_impact(process=process)
    return render(
        request,
        "mapping/process_delete.html",
        {
            "process": process,
            "engagement": engagement,
            "impact": impact,
            "blocked": bool(impact["decisions"] or impact["has_playbook"]),
            "error": " ".join(form.non_field_errors()),
        },
        status=status,
    )


@login_required
@require_safe
def decision_type_list(request, engagement_id: int):
    """The engagement's decision types with their risk calibration (what the escalation
    playbooks route by). Everyone on the engagement reads it; its consultants edit."""
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
    return render(
        request,
        "mapping/decision_type_list.html",
        {
            "engagement": engagement,
            "decision_types": selectors.decision_type_list_for_user(user=request.user)
            .filter(engagement=engagement)
            .order_by("name"),
            "can_manage": can_manage_engagement(request.user, engagement),
        },
    )


def _decision_type_form_page(request, *, engagement, decision_type, form, status):
    return render(
        request,
        "mapping/decision_type_form.html",
        {"engagement": engagement, "decision_type": decision_type, "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def decision_type_create(request, engagement_id: int):
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
    require_engagement_manager(request.user, engagement, message=MAPS_MANAGERS_ONLY, page=True)
    form = DecisionTypeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with form_errors(form) as call:
                created = services.decision_type_create(
                    engagement=engagement, by=request.user, **form.cleaned_data
                )
            if call.ok:
                messages.success(request, _("Added “%(name)s”.") % {"name": created.name})
                return redirect("mapping:decision_type_list", engagement_id=engagement.pk)
            status = call.status
    return _decision_type_form_page(
        request, engagement=engagement, decision_type=None, form=form, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def decision_type_edit(request, decision_type_id: int):
    decision_type = selectors.decision_type_get_for_user(user=request.user, pk=decision_type_id)
    engagement = decision_type.engagement
    client_time_zone_activate(engagement.client)
    require_engagement_manager(request.user, engagement, message=MAPS_MANAGERS_ONLY, page=True)
    form = DecisionTypeForm(
        request.POST if request.method == "POST" else None,
        initial=model_to_dict(decision_type, fields=services.DECISION_TYPE_FIELDS),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with form_errors(form) as call:
                services.decision_type_update(
                    decision_type=decision_type, by=request.user, **form.cleaned_data
                )
            if call.ok:
                messages.success(request, _("Saved “%(name)s”.") % {"name": decision_type.name})
                return redirect("mapping:decision_type_list", engagement_id=engagement.pk)
            decision_type.refresh_from_db()
            status = call.status
    return _decision_type_form_page(
        request, engagement=engagement, decision_type=decision_type, form=form, status=status
    )
