"""The edge-case log."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maestro.decisions.models import Decision
from maestro.engagements.scoping import require_engagement_worker
from maestro.exceptions import StateConflict
from maestro.reviews.models import EdgeCase
from maestro.tenancy.models import User

# --- Edge-case log --------------------------------------------------------------------------


@transaction.atomic
def edge_case_flag(*, decision: Decision, note: str, by: User) -> EdgeCase:
    """An operator or consultant flags a decision for the weekly edge-case review."""
    engagement = decision.engagement
    require_engagement_worker(
        by, engagement, message=_("Only operators and consultants flag edge cases.")
    )
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Say what makes this decision an edge case.")})
    edge_case = EdgeCase(engagement=engagement, decision=decision, note=note, flagged_by=by)
    edge_case.full_clean()
    edge_case.save()
    return edge_case


@transaction.atomic
def edge_case_mark_reviewed(*, edge_case: EdgeCase, by: User) -> EdgeCase:
    engagement = edge_case.engagement
    require_engagement_worker(
        by, engagement, message=_("Only operators and consultants review edge cases.")
    )
    now = timezone.now()
    won = EdgeCase.objects.filter(pk=edge_case.pk, reviewed_at__isnull=True).update(reviewed_at=now)
    if not won:
        raise StateConflict(
            _("This edge case was already marked reviewed."), code="edge_case_already_reviewed"
        )
    edge_case.reviewed_at = now
    return edge_case
