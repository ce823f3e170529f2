from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from maestro.engagements.selectors import engagement_get_for_user
from maestro.lib.forms import form_add_service_errors
from maestro.mapping import selectors, services
from maestro.mapping.diagram import process_map_svg
from maestro.mapping.forms import DecisionTypeForm, ProcessForm
from maestro.mapping.models import Step
from maestro.tenancy.scoping import can_manage_engagement


@login_required
def process_list(request, engagement_id: int):
    """The engagement's process maps with their summaries, and its decision inventory. Its
    consultants add processes and decision types here (two forms, told apart by `form`)."""
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
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
            try:
                created = create(engagement=engagement, by=request.user, **bound.cleaned_data)
            except ValidationError as exc:
                form_add_service_errors(bound, exc)
            else:
                messages.success(request, _("Added “%(name)s”.") % {"name": created.name})
                if bound is form:
                    return redirect(created)
                return redirect("mapping:process_list", engagement_id=engagement.pk)
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
    )


@login_required
def process_detail(request, process_id: int):
    """The map: summary, diagram and (for its consultants) the step editor."""
    process = selectors.process_get_for_user(user=request.user, pk=process_id)
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
            "diagram": process_map_svg(title=process.name, documented=documented, actual=actual),
            "documented": documented,
            "actual": actual,
            "kinds": Step.Kind.choices,
            "decision_types": selectors.decision_type_list_for_user(user=request.user)
            .filter(engagement=process.engagement)
            .order_by("name"),
            "can_manage": can_manage_engagement(request.user, process.engagement),
        },
    )


@login_required
def process_diagram(request, process_id: int):
    """The diagram alone, as an SVG document (the editor reloads it after each change)."""
    process = selectors.process_get_for_user(user=request.user, pk=process_id)
    return HttpResponse(_diagram(process), content_type="image/svg+xml; charset=utf-8")
