"""A plan's cadence change moves its upcoming check-in in the same transaction; a change of the
evidence bars leaves the check-ins alone."""

from datetime import time

import pytest
import time_machine

from handoff.models import CheckIn
from handoff.services import plans as services
from maestro.audit.events import AuditEvent
from maestro.audit.models import AuditEntry
from tests.handoff.check_in_setup import check_ins_of, plan_in, utc

pytestmark = pytest.mark.django_db
S = CheckIn.Status.SCHEDULED


def test_changing_the_cadence_moves_the_upcoming_check_in():
    plan = plan_in("UTC")  # Tuesdays 10:00
    upcoming = CheckIn.objects.create(
        plan=plan, scheduled_at=utc(2026, 1, 13, 10), duration_minutes=45
    )

    with time_machine.travel(utc(2026, 1, 11), tick=False):
        services.plan_update(plan=plan, by=plan.engagement.lead, weekday=3, local_time=time(14, 0))

    assert check_ins_of(plan) == [(utc(2026, 1, 15, 14), S, 1)]
    assert CheckIn.objects.get().uid == upcoming.uid
    entry = AuditEntry.objects.get(event=AuditEvent.CHECK_IN_RESCHEDULED)
    assert entry.actor_user == plan.engagement.lead


def test_changing_only_the_bars_leaves_the_check_ins_alone():
    plan = plan_in("UTC")
    CheckIn.objects.create(plan=plan, scheduled_at=utc(2026, 1, 13, 10), duration_minutes=45)

    with time_machine.travel(utc(2026, 1, 11), tick=False):
        services.plan_update(plan=plan, by=plan.engagement.lead, shadow_cases_min=40)

    assert check_ins_of(plan) == [(utc(2026, 1, 13, 10), S, 0)]
    assert not AuditEntry.objects.filter(event=AuditEvent.CHECK_IN_RESCHEDULED).exists()
