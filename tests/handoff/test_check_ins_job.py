"""The periodic check-in job with the clock travelled: it makes each plan's next check-in once
(14 days ahead), reminds its people once, flags it missed after the grace period (across a
daylight-saving change), skips engagements outside the check-in phases, and moves or cancels
upcoming check-ins when a plan changes (same uid, sequence + 1)."""

from datetime import date

import pytest
import time_machine
from django.core import mail
from django.test import TestCase

from handoff.models import CheckIn
from handoff.services import check_ins as services
from maestro.audit.events import AuditEvent
from maestro.audit.models import AuditEntry
from maestro.engagements.models import Engagement, Phase
from tests.handoff.check_in_setup import check_ins_of, plan_in, utc

pytestmark = pytest.mark.django_db
S, R, M, C = (CheckIn.Status.SCHEDULED, CheckIn.Status.RECORDED, CheckIn.Status.MISSED,
              CheckIn.Status.CANCELLED)  # fmt: skip


def _run_at(*when: int):
    # The reminders leave after commit: run the callbacks the test's transaction holds back.
    with (
        time_machine.travel(utc(*when), tick=False),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        return services.check_ins_run()


def test_job_makes_the_next_check_in_once_within_the_horizon():
    plan = plan_in("Europe/Lisbon", starts_on=date(2026, 3, 2), reminder_minutes=60)
    _run_at(2026, 2, 10)  # the first (Tue 3 March) is 21 days away
    assert check_ins_of(plan) == []

    first = _run_at(2026, 2, 20)
    second = _run_at(2026, 2, 20, 0, 5)

    assert (first.created, second.created) == (1, 0)
    assert check_ins_of(plan) == [(utc(2026, 3, 3, 10), S, 0)]
    assert CheckIn.objects.get().duration_minutes == plan.duration_minutes


def test_job_follows_the_cadence_across_spring_forward_and_reminds_once():
    plan = plan_in("Europe/Lisbon", reminder_minutes=60, grace_minutes=60)
    _run_at(2026, 3, 25)  # after Tue 24 March: the next is Tue 31 March 10:00 WEST
    assert check_ins_of(plan) == [(utc(2026, 3, 31, 9), S, 0)]

    assert _run_at(2026, 3, 31, 7, 59).reminded == 0
    assert mail.outbox == []
    assert _run_at(2026, 3, 31, 8, 0).reminded == 1
    assert _run_at(2026, 3, 31, 8, 5).reminded == 0

    check_in = CheckIn.objects.get()
    assert check_in.reminded_at == utc(2026, 3, 31, 8, 0)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [plan.operator.email, plan.engagement.lead.email]
    )  # the plan's author is the lead: one e-mail each
    message = mail.outbox[0]
    assert "10:00" in message.subject and "Europe/Lisbon" in message.subject
    html = message.alternatives[0][0]
    assert f"/check-ins/{check_in.pk}/" in html and "10:00" in message.body


def test_job_flags_missed_after_end_plus_grace_across_fall_back():
    # New York, Sunday 1 November 2026 02:00 EDT → 01:00 EST; check-in Monday 2 Nov 10:00 EST.
    plan = plan_in("America/New_York", weekday=0, grace_minutes=30, duration_minutes=45)
    _run_at(2026, 10, 31, 12)
    assert check_ins_of(plan) == [(utc(2026, 11, 2, 15), S, 0)]

    assert _run_at(2026, 11, 2, 16, 14).missed == 0  # 11:14 EST: within 45 + 30 minutes
    assert _run_at(2026, 11, 2, 16, 15).missed == 1
    assert _run_at(2026, 11, 2, 16, 20).missed == 0

    check_in = CheckIn.objects.get(scheduled_at=utc(2026, 11, 2, 15))
    assert (check_in.status, check_in.missed_at) == (M, utc(2026, 11, 2, 16, 15))
    entry = AuditEntry.objects.get(event=AuditEvent.CHECK_IN_MISSED)
    assert (entry.actor_label, entry.target_id) == ("check-ins", str(check_in.pk))
    assert entry.engagement_id == plan.engagement_id
    # The run that flagged it also made the next one (a week later, 10:00 EST).
    assert check_ins_of(plan)[-1] == (utc(2026, 11, 9, 15), S, 0)


def test_a_recorded_check_in_is_neither_reminded_nor_missed():
    plan = plan_in("UTC", reminder_minutes=60, grace_minutes=0)
    _run_at(2026, 1, 10)
    CheckIn.objects.update(status=R)
    _run_at(2026, 1, 13, 9, 30)
    _run_at(2026, 1, 14)
    assert mail.outbox == []
    assert check_ins_of(plan)[0] == (utc(2026, 1, 13, 10), R, 0)


def test_plans_outside_handoff_and_advisory_get_no_check_ins():
    plans = {phase: plan_in("UTC", phase=phase) for phase in Phase.values}
    _run_at(2026, 1, 10)
    have = {phase for phase, plan in plans.items() if check_ins_of(plan)}
    assert have == {Phase.HANDOFF, Phase.ADVISORY}


def test_leaving_the_check_in_phases_cancels_upcoming_check_ins():
    plan = plan_in("UTC")
    _run_at(2026, 1, 10)
    Engagement.objects.filter(pk=plan.engagement_id).update(phase=Phase.CLOSED)
    run = _run_at(2026, 1, 11)
    assert run.cancelled == 1
    assert check_ins_of(plan) == [(utc(2026, 1, 13, 10), C, 1)]
    assert AuditEntry.objects.filter(event=AuditEvent.CHECK_IN_CANCELLED).count() == 1


def test_reschedule_moves_the_upcoming_check_in_keeping_its_uid():
    plan = plan_in("Europe/Lisbon", reminder_minutes=7 * 24 * 60)
    _run_at(2026, 1, 10)
    _run_at(2026, 1, 10, 0, 5)  # reminded already
    before = CheckIn.objects.get()
    assert before.reminded_at is not None
    plan.weekday = 3  # Thursdays
    plan.save()

    with time_machine.travel(utc(2026, 1, 11), tick=False):
        moved = services.check_ins_reschedule(plan, by=plan.engagement.lead)

    assert (moved.pk, moved.uid) == (before.pk, before.uid)
    assert check_ins_of(plan) == [(utc(2026, 1, 15, 10), S, 1)]
    assert moved.reminded_at is None  # the new time gets its own reminder
    entry = AuditEntry.objects.get(event=AuditEvent.CHECK_IN_RESCHEDULED)
    assert entry.actor_user == plan.engagement.lead
    assert entry.changes["scheduled_at"][1].startswith("2026-01-15T10:00")
    # The job agrees with the new cadence: nothing new.
    assert _run_at(2026, 1, 11, 0, 5).created == 0


def test_reschedule_cancels_when_the_new_cadence_has_nothing_within_the_horizon():
    plan = plan_in("UTC")
    _run_at(2026, 1, 10)
    uid = CheckIn.objects.get().uid
    plan.starts_on = date(2026, 6, 1)
    plan.save()

    with time_machine.travel(utc(2026, 1, 11), tick=False):
        assert services.check_ins_reschedule(plan) is None

    assert check_ins_of(plan) == [(utc(2026, 1, 13, 10), C, 1)]
    assert CheckIn.objects.get().uid == uid


def test_reschedule_back_to_a_cancelled_time_revives_that_check_in():
    plan = plan_in("UTC")  # Tuesdays
    tuesday = CheckIn.objects.create(
        plan=plan, scheduled_at=utc(2026, 1, 13, 10), duration_minutes=45, status=C, sequence=1
    )
    thursday = CheckIn.objects.create(
        plan=plan, scheduled_at=utc(2026, 1, 15, 10), duration_minutes=45
    )

    with time_machine.travel(utc(2026, 1, 11), tick=False):
        moved = services.check_ins_reschedule(plan)

    assert moved.pk == tuesday.pk
    assert check_ins_of(plan) == [(utc(2026, 1, 13, 10), S, 2), (utc(2026, 1, 15, 10), C, 1)]
    assert CheckIn.objects.get(pk=thursday.pk).uid == thursday.uid


def test_reschedule_without_a_change_changes_nothing():
    plan = plan_in("UTC")
    _run_at(2026, 1, 10)
    with time_machine.travel(utc(2026, 1, 11), tick=False):
        services.check_ins_reschedule(plan)
    assert check_ins_of(plan) == [(utc(2026, 1, 13, 10), S, 0)]
    assert not AuditEntry.objects.filter(event__startswith="check_in.").exists()


def test_cancel_for_plan_cancels_upcoming_check_ins_only():
    plan = plan_in("UTC")
    _run_at(2026, 1, 10)
    CheckIn.objects.create(plan=plan, scheduled_at=utc(2026, 1, 6, 10), duration_minutes=45)
    with time_machine.travel(utc(2026, 1, 11), tick=False):
        assert services.check_ins_cancel_for_plan(plan, by=plan.engagement.lead) == 1
    assert check_ins_of(plan) == [(utc(2026, 1, 6, 10), S, 0), (utc(2026, 1, 13, 10), C, 1)]
