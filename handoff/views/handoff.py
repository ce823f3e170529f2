"""The engagement's Handoff page: the checklist of what must be true for the consultant to step
out (each unmet item says why and links to the fix), the latest handoff PDF with its sign-offs
and a Sign off button for the client's sponsors and operators who have not signed it, the
consultant's stance with its steps, each operator's readiness, open review tasks, firing drift
alerts and the runbooks' status. Everyone on the engagement reads it; times show in the client's
time zone."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from handoff.readiness_chart import readiness_trend_svg
from handoff.selectors import sign_offs
from handoff.selectors.handoff import handoff_overview
from handoff.selectors.readiness import PlanReadiness
from handoff.services import sign_off as services
from handoff.services.plans import STANCE_ORDER, stance_next, stance_step_refusal
from maestro.engagements.models import Engagement
from maestro.engagements.scoping import can_manage_engagement, is_operator_at
from maestro.engagements.selectors import engagement_get_for_user
from maestro.lib.forms import flash_errors
from maestro.lib.timezones import client_time_zone_activate

# The download of one generation; its view lives with the generation job.
DOWNLOAD_URL_NAME = "handoff:document-download"


class _DayPoint:
    def __init__(self, day, share) -> None:
        self.day, self.share = day, share


def _chart(readiness: PlanReadiness, tz) -> str:
    points = [_DayPoint(timezone.localtime(p.at, tz).date(), p.share) for p in readiness.trend]
    return mark_safe(  # noqa: S308 - ElementTree output, every text escaped
        readiness_trend_svg(
            points=points,
            title=_("Readiness of %(operator)s") % {"operator": readiness.plan.operator},
            id_prefix=f"handoff-readiness-{readiness.plan.pk}",
        )
    )


def _download_url(document) -> str:
    try:
        return reverse(DOWNLOAD_URL_NAME, args=[document.pk])
    except NoReverseMatch:
        return ""


def _stance_ladder(engagement: Engagement, steps) -> list[dict]:
    """Lead → advisory → out, each with when it was last reached (from the stance steps)."""
    reached = {}
    for step in steps:  # oldest first: the latest arrival at each stance wins
        reached[step.to_stance] = step.at
    current = STANCE_ORDER.index(engagement.stance)
    return [
        {
            "label": label,
            "current": i == current,
            "done": i < current,
            "at": reached.get(value) if i <= current else None,
        }
        for i, (value, label) in enumerate(Engagement.Stance.choices)
    ]


@login_required
@require_safe
def handoff_page(request, engagement_id: int):
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
    overview = handoff_overview(engagement=engagement)
    can_manage = can_manage_engagement(request.user, engagement)
    # An operator opens their own plan only; the others' readiness shows without a link.
    own_plans_only = not request.user.is_staff and is_operator_at(
        request.user, engagement.client_id
    )
    signing = overview.signing
    role = sign_offs.signing_role(request.user, engagement)
    following = stance_next(engagement) if can_manage else None
    refusal = stance_step_refusal(engagement, following) if following else None
    document, newest = signing.document, overview.newest
    tz = engagement.client.tzinfo
    return render(
        request,
        "handoff/handoff.html",
        {
            "engagement": engagement,
            "overview": overview,
            "plans": [
                {
                    "readiness": r,
                    "chart": _chart(r, tz),
                    "linked": not own_plans_only or r.plan.operator_id == request.user.pk,
                }
                for r in overview.readiness
            ],
            "stance_ladder": _stance_ladder(engagement, overview.stance_steps),
            "next_stance": Engagement.Stance(following).label if following else None,
            "stance_refusal": refusal.message if refusal else "",
            "signing": signing,
            "document": document,
            "may_sign": bool(document and role and request.user.pk not in signing.signed_ids),
            "signing_role": role,
            "documents_url": sign_offs.documents_url(engagement),
            "download_url": _download_url(document) if document else "",
            "verify_url": (
                reverse("handoff:verify") + "?" + urlencode({"sha256": document.sha256})
                if document
                else ""
            ),
            "newer": newest
            if newest and (not document or newest.version > document.version)
            else None,
            "can_manage": can_manage,
            "can_work": can_manage or own_plans_only,
        },
    )


@login_required
@require_POST
def handoff_document_sign_off(request, document_id: int):
    """The Sign off button: the signer acknowledges this generation; back to the Handoff page."""
    document = sign_offs.handoff_document_get_for_user(user=request.user, pk=document_id)
    with flash_errors(request) as call:
        services.handoff_document_sign(document=document, user=request.user)
    if call.ok:
        messages.success(
            request,
            _("You signed off version %(version)d of the handoff document.")
            % {"version": document.version},
        )
    return redirect(reverse("handoff:handoff", args=[document.engagement_id]) + "#handoff-document")
