from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from maestro.engagements import selectors, services
from maestro.engagements.forms import TransitionForm
from maestro.engagements.models import PHASE_ORDER, Phase
from maestro.exceptions import DomainError
from maestro.tenancy.scoping import can_manage_engagement


def _timeline(engagement) -> list[dict]:
    current = PHASE_ORDER.index(engagement.phase)
    return [
        {"value": value, "label": label, "state": "done" if i < current else "current" if i == current else "todo"}
        for i, (value, label) in enumerate(Phase.choices)
    ]


@login_required
def engagement_list(request):
    engagements = selectors.engagement_list_for_user(user=request.user)
    return render(request, "engagements/list.html", {"engagements": engagements})


@login_required
def engagement_detail(request, engagement_id: int):
    engagement = selectors.engagement_get_for_user(user=request.user, pk=engagement_id)
    return render(request, "engagements/detail.html", {
        "engagement": engagement,
        "timeline": _timeline(engagement),
        "transitions": selectors.transition_list(engagement=engagement),
        "can_manage": can_manage_engagement(request.user, engagement),
    })


@login_required
def engagement_transition(request, engagement_id: int):
    engagement = selectors.engagement_get_for_user(user=request.user, pk=engagement_id)
    if not can_manage_engagement(request.user, engagement):
        raise PermissionDenied(_("Only the engagement's consultants can move its phase."))
    moves = selectors.engagement_moves(engagement=engagement)
    form = TransitionForm(request.POST or None, moves=moves)
    if request.method == "POST" and form.is_valid():
        try:
            services.engagement_transition(engagement=engagement, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Moved to %(phase)s.") % {"phase": engagement.get_phase_display()})
            return redirect(engagement)
    return render(request, "engagements/transition.html", {
        "engagement": engagement, "moves": moves, "form": form, "timeline": _timeline(engagement),
    }, status=400 if form.errors else 200)
