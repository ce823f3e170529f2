"""The demo's clock: when the demo engagement went live, and phase moves backdated onto that
timeline so it reads like a real engagement, not one second."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from maestro.engagements import services as engagement_services
from maestro.engagements.models import Engagement, PhaseTransition
from maestro.tenancy.models import User


def demo_go_live(now: datetime) -> datetime:
    """When the demo engagement went live: 16:00 local, the day before the first of the 14 days
    the deployment charts show, so those days are all live days."""
    day = timezone.localdate(now) - timedelta(days=14)
    return timezone.make_aware(datetime.combine(day, time(16)))


def phase_move_backdated(
    *, engagement: Engagement, to_phase: str, note: str, by: User, at: datetime
) -> None:
    transition = engagement_services.engagement_transition(
        engagement=engagement, to_phase=to_phase, by=by, note=note
    )
    # Backdated so the demo timeline reads like a real engagement, not one second.
    PhaseTransition.objects.filter(pk=transition.pk).update(at=at)
    Engagement.objects.filter(pk=engagement.pk).update(phase_changed_at=at)
