"""The weekly reviews: each client's local Monday morning (across DST changes), one edge-case
review task per live process with new edge cases and one summary e-mail per live engagement,
once per week however often or concurrently the job runs; tenant-scoped."""

from datetime import UTC, date, datetime
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.db import connection

from maestro.audit.models import AuditEntry
from maestro.engagements.models import Engagement, Phase
from maestro.monitoring import tasks_weekly
from maestro.monitoring.models import AlertEpisode, WeeklyReview
from maestro.monitoring.services import weekly
from maestro.reviews.models import EdgeCase, ReviewTask, ReviewTaskEvent
from maestro.tenancy.models import Membership
from tests.decisions.factories import DecisionFactory
from tests.harness.races import barrier, run_at_once
from tests.mapping.factories import ProcessFactory
from tests.monitoring.factories import AlertRuleFactory, DailyScoreFactory
from tests.tenancy.factories import MembershipFactory

# The week of Monday 23 March 2026 is reviewed on Monday 30 March, the day after Europe's clocks
# went forward (Sunday 29 March): Lisbon is UTC+0 before, UTC+1 after.
WEEK = date(2026, 3, 23)
REVIEW_MONDAY = date(2026, 3, 30)


def _live(engagement: Engagement, time_zone: str = "Europe/Lisbon") -> Engagement:
    Engagement.objects.filter(pk=engagement.pk).update(phase=Phase.DEPLOYMENT)
    engagement.phase = Phase.DEPLOYMENT
    engagement.client.time_zone = time_zone
    engagement.client.save()
    return engagement


def _edge_case(process, at: datetime, note="Split PO under the limit") -> EdgeCase:
    decision = DecisionFactory(process=process)
    case = EdgeCase.objects.create(engagement=process.engagement, decision=decision, note=note)
    EdgeCase.objects.filter(pk=case.pk).update(flagged_at=at)
    return case


# --- when: each client's own Monday morning ---------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("utc", "due"),
    [
        # Monday 30 March, after the change: 07:00 in Lisbon is 06:00 UTC.
        (datetime(2026, 3, 30, 5, 59, tzinfo=UTC), False),
        (datetime(2026, 3, 30, 6, 0, tzinfo=UTC), True),
        (datetime(2026, 3, 30, 22, 59, tzinfo=UTC), True),  # 23:59 local: still that Monday
        (datetime(2026, 3, 30, 23, 0, tzinfo=UTC), False),  # Tuesday 00:00 local
        # Sunday night UTC is not Monday in Lisbon yet.
        (datetime(2026, 3, 29, 23, 30, tzinfo=UTC), False),
    ],
)
def test_monday_morning_is_the_clients_across_the_dst_change(world, utc, due):
    _live(world.engagement_a)
    with time_machine.travel(utc, tick=False):
        answer = weekly.weekly_reviews_due()
    assert answer == ([(world.engagement_a.pk, WEEK)] if due else [])


@pytest.mark.django_db
def test_before_the_change_monday_morning_is_an_hour_later_in_utc(world):
    _live(world.engagement_a)
    with time_machine.travel(datetime(2026, 3, 23, 6, 30, tzinfo=UTC), tick=False):
        assert weekly.weekly_reviews_due() == []  # 06:30 local (UTC+0)
    with time_machine.travel(datetime(2026, 3, 23, 7, 0, tzinfo=UTC), tick=False):
        assert weekly.weekly_reviews_due() == [(world.engagement_a.pk, date(2026, 3, 16))]


@pytest.mark.django_db
def test_each_client_gets_its_own_monday(world):
    """11:00 UTC on Monday 9 March (New York changed clocks on the 8th): 07:00 in New York,
    20:00 in Tokyo, 11:00 in Lisbon; Tokyo's Monday morning came first."""
    _live(world.engagement_a, "America/New_York")
    _live(world.engagement_b, "Asia/Tokyo")
    with time_machine.travel(datetime(2026, 3, 9, 10, 59, tzinfo=UTC), tick=False):
        assert weekly.weekly_reviews_due() == [(world.engagement_b.pk, date(2026, 3, 2))]
    with time_machine.travel(datetime(2026, 3, 9, 11, 0, tzinfo=UTC), tick=False):
        assert sorted(weekly.weekly_reviews_due()) == sorted(
            [(world.engagement_a.pk, date(2026, 3, 2)), (world.engagement_b.pk, date(2026, 3, 2))]
        )


@pytest.mark.django_db
def test_engagements_not_live_and_weeks_already_summarised_are_not_due(world):
    _live(world.engagement_a)
    WeeklyReview.objects.create(
        engagement=world.engagement_b, kind=WeeklyReview.Kind.SUMMARY, week=WEEK
    )  # engagement_b is still mapping anyway
    with time_machine.travel(datetime(2026, 3, 30, 9, 0, tzinfo=UTC), tick=False):
        assert weekly.weekly_reviews_due() == [(world.engagement_a.pk, WEEK)]
        WeeklyReview.objects.create(
            engagement=world.engagement_a, kind=WeeklyReview.Kind.SUMMARY, week=WEEK
        )
        assert weekly.weekly_reviews_due() == []


@pytest.mark.django_db
def test_fan_out_enqueues_one_run_per_due_engagement_after_commit(
    world, django_capture_on_commit_callbacks
):
    _live(world.engagement_a)
    _live(world.engagement_b)
    with (
        mock.patch.object(tasks_weekly.weekly_reviews_run_task, "delay") as delay,
        time_machine.travel(datetime(2026, 3, 30, 8, 0, tzinfo=UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        assert tasks_weekly.weekly_reviews_fan_out_task() == 2
    assert len(callbacks) == 2
    assert sorted(delay.call_args_list) == sorted(
        [
            mock.call(world.engagement_a.pk, "2026-03-23"),
            mock.call(world.engagement_b.pk, "2026-03-23"),
        ]
    )


def test_tasks_are_idempotent_late_acking_and_registered_for_the_worker():
    from django.conf import settings

    from maestro.schedules import BEAT_SCHEDULE

    for task in (tasks_weekly.weekly_reviews_fan_out_task, tasks_weekly.weekly_reviews_run_task):
        assert task.acks_late and task.reject_on_worker_lost
    assert "maestro.monitoring.tasks_weekly" in settings.CELERY_IMPORTS
    entry = BEAT_SCHEDULE["monitoring-weekly-reviews"]
    assert entry["task"] == tasks_weekly.weekly_reviews_fan_out_task.name


# --- the edge-case review ---------------------------------------------------------------------


@pytest.fixture
def logged(world):
    """Client A's live engagement: two processes, edge cases in the reviewed week (and one on
    each side of it), two operators, one of them busier."""
    engagement = _live(world.engagement_a)
    procurement = ProcessFactory(engagement=engagement, name="Procurement approval")
    tickets = ProcessFactory(engagement=engagement, name="Ticket routing")
    ProcessFactory(engagement=engagement, name="Quiet process")
    # Monday 23 March 00:00 Lisbon is 00:00 UTC; Sunday 29 March 23:30 Lisbon is 22:30 UTC.
    first = _edge_case(procurement, datetime(2026, 3, 23, 0, 0, tzinfo=UTC))
    _edge_case(procurement, datetime(2026, 3, 29, 22, 30, tzinfo=UTC), note="Late Sunday one")
    _edge_case(tickets, datetime(2026, 3, 25, 12, 0, tzinfo=UTC))
    _edge_case(tickets, datetime(2026, 3, 22, 23, 59, tzinfo=UTC))  # the week before
    _edge_case(tickets, datetime(2026, 3, 29, 23, 0, tzinfo=UTC))  # Monday 00:00 local: next
    busy = world.operator_a
    idle = MembershipFactory(client=world.client_a, role=Membership.Role.OPERATOR).user
    for user in (world.consultant, busy, idle, world.sponsor_a, world.operator_b,
                 world.consultant_b):  # fmt: skip
        user.email = f"{user.username}@example.com"
        user.save(update_fields=["email"])
    ReviewTask.objects.create(
        engagement=engagement, kind=ReviewTask.Kind.RUNBOOK_REVIEW, title="Busy",
        assignee=busy, due_at=datetime(2026, 4, 1, tzinfo=UTC),
    )  # fmt: skip
    return {"procurement": procurement, "tickets": tickets, "idle": idle, "first": first}


@pytest.mark.django_db
def test_one_edge_case_review_per_process_with_new_edge_cases_linking_them(world, logged):
    with time_machine.travel(datetime(2026, 3, 30, 7, 0, tzinfo=UTC), tick=False):
        weekly.weekly_reviews_run(engagement_id=world.engagement_a.pk, week=WEEK)

    tasks = ReviewTask.objects.filter(kind=ReviewTask.Kind.EDGE_CASE_REVIEW).order_by("title")
    assert [t.title for t in tasks] == [
        "Weekly edge-case review: Procurement approval, 2 new in the week of 23 Mar",
        "Weekly edge-case review: Ticket routing, 1 new in the week of 23 Mar",
    ]
    # Least loaded: the idle operator gets the first; then both hold one, and the tie goes by id.
    assert {t.assignee for t in tasks} == {logged["idle"], world.operator_a}
    # Due at the end of the local Wednesday (Thursday 00:00 Lisbon = 23:00 UTC on Wednesday).
    assert all(t.due_at == datetime(2026, 4, 1, 23, 0, tzinfo=UTC) for t in tasks)
    note = ReviewTaskEvent.objects.get(task=tasks[0], kind="assigned").note
    assert f"case {logged['first'].decision.case_ref}" in note and "Late Sunday one" in note
    assert f"/engagements/{world.engagement_a.pk}/edge-cases/" in note
    assert f"/decisions/{logged['first'].decision_id}/" in note
    reviews = WeeklyReview.objects.filter(kind=WeeklyReview.Kind.EDGE_CASES, week=WEEK)
    assert {(r.process_id, r.task_id) for r in reviews} == {
        (logged["procurement"].pk, tasks[0].pk),
        (logged["tickets"].pk, tasks[1].pk),
    }
    # Audited as the weekly job.
    entries = AuditEntry.objects.filter(event="task.assigned", target_id__in=[t.pk for t in tasks])
    assert entries.count() == 2
    assert {(e.actor_kind, e.actor_label) for e in entries} == {("system", "weekly reviews")}


@pytest.mark.django_db
def test_running_again_makes_no_second_task_or_email(
    world, logged, django_capture_on_commit_callbacks
):
    for _ in range(3):
        with (
            time_machine.travel(datetime(2026, 3, 30, 9, 0, tzinfo=UTC), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            tasks_weekly.weekly_reviews_run_task(world.engagement_a.pk, WEEK.isoformat())
    assert ReviewTask.objects.filter(kind=ReviewTask.Kind.EDGE_CASE_REVIEW).count() == 2
    assert WeeklyReview.objects.filter(week=WEEK).count() == 3  # 2 edge-case reviews, 1 summary
    # One each: the lead consultant and the client's two operators.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.consultant.email, world.operator_a.email, logged["idle"].email]
    )


@pytest.mark.django_db
def test_an_engagement_no_longer_live_gets_nothing(world, logged):
    Engagement.objects.filter(pk=world.engagement_a.pk).update(phase=Phase.CLOSED)
    weekly.weekly_reviews_run(engagement_id=world.engagement_a.pk, week=WEEK)
    assert not WeeklyReview.objects.exists() and not mail.outbox


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_make_one_task_and_one_email_per_week(world, logged, monkeypatch):
    """Both runs have read the week's edge cases before either claims its review: the unique
    constraint lets one in, the other does nothing (PostgreSQL: the second insert waits for the
    first commit, then fails; SQLite: one writer at a time)."""
    both_read = barrier(2)
    read = weekly._edge_cases_of_week

    def read_then_wait(engagement, week):
        cases = read(engagement, week)
        both_read.wait()
        return cases

    monkeypatch.setattr(weekly, "_edge_cases_of_week", read_then_wait)
    monkeypatch.setattr(weekly, "weekly_summary_send", lambda **kwargs: None)

    def run():
        weekly.weekly_reviews_run(engagement_id=world.engagement_a.pk, week=WEEK)

    results = run_at_once(run, run)

    assert results == [None, None]
    assert ReviewTask.objects.filter(kind=ReviewTask.Kind.EDGE_CASE_REVIEW).count() == 2
    assert WeeklyReview.objects.filter(kind=WeeklyReview.Kind.EDGE_CASES).count() == 2
    assert AuditEntry.objects.filter(actor_label="weekly reviews").count() == 2
    monkeypatch.undo()

    results = run_at_once(
        lambda: weekly.weekly_summary_send(engagement=world.engagement_a, week=WEEK),
        lambda: weekly.weekly_summary_send(engagement=world.engagement_a, week=WEEK),
    )
    assert sorted(r is None for r in results) == [False, True], results
    assert WeeklyReview.objects.filter(kind=WeeklyReview.Kind.SUMMARY).count() == 1
    assert len(mail.outbox) == 3  # the lead and two operators, once
    connection.close()


# --- the summary e-mail -----------------------------------------------------------------------


@pytest.mark.django_db
def test_summary_email_has_the_weeks_figures_in_html_and_text(
    world, logged, django_capture_on_commit_callbacks
):
    process = logged["procurement"]
    DailyScoreFactory(process=process, day=date(2026, 3, 17), volume=1000, with_outcome=1000,
                      correct=941, auto_routed=850, escalated=150, human_resolved=150,
                      overridden=15)  # fmt: skip
    DailyScoreFactory(process=process, day=date(2026, 3, 24), volume=1000, with_outcome=1000,
                      correct=923, auto_routed=800, escalated=200, human_resolved=200,
                      overridden=30)  # fmt: skip
    rule = AlertRuleFactory(process=process, threshold=Decimal("0.9300"))
    AlertEpisode.objects.create(
        engagement=world.engagement_a, rule=rule, state=AlertEpisode.State.FIRING,
        started_on=date(2026, 3, 24), last_evaluated_on=date(2026, 3, 24),
        value=Decimal("0.9230"), fired_at=datetime(2026, 3, 25, 6, tzinfo=UTC),
    )  # fmt: skip
    ReviewTask.objects.create(
        engagement=world.engagement_a, kind=ReviewTask.Kind.RUNBOOK_REVIEW, title="Overdue one",
        assignee=world.operator_a, due_at=datetime(2026, 3, 27, tzinfo=UTC),
    )  # fmt: skip

    with (
        time_machine.travel(datetime(2026, 3, 30, 7, 0, tzinfo=UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        review = weekly.weekly_summary_send(engagement=world.engagement_a, week=WEEK)

    assert review.recipients == 3
    assert len(mail.outbox) == 3
    message = mail.outbox[0]
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    sentence = "92.3% correct decisions in the week of 23 Mar, down from 94.1%"
    assert sentence in message.subject
    for part in (message.body, html):
        assert sentence in part
        assert "80.0%" in part and "down 5.0 points" in part  # automation 85.0 → 80.0
        assert "1 fired in the week, 1 open now" in part
        assert "Overdue" in part and "Overdue one" in part
        assert "Split PO under the limit" in part
        assert f"/engagements/{world.engagement_a.pk}/monitoring/" in part


@pytest.mark.django_db
def test_summary_names_no_other_clients_data_and_goes_to_no_other_clients_people(
    world, logged, django_capture_on_commit_callbacks
):
    """Client B is live too, with a process, an edge case and an alert of its own."""
    _live(world.engagement_b)
    secret = ProcessFactory(engagement=world.engagement_b, name="Beta secret process")
    _edge_case(secret, datetime(2026, 3, 24, 9, tzinfo=UTC), note="Beta confidential note")
    DailyScoreFactory(process=secret, day=date(2026, 3, 24), volume=7, with_outcome=7, correct=1)
    rule = AlertRuleFactory(process=secret)
    AlertEpisode.objects.create(
        engagement=world.engagement_b, rule=rule, state=AlertEpisode.State.FIRING,
        started_on=date(2026, 3, 24), last_evaluated_on=date(2026, 3, 24), value=Decimal("0.14"),
        fired_at=datetime(2026, 3, 24, 9, tzinfo=UTC),
    )  # fmt: skip

    with (
        time_machine.travel(datetime(2026, 3, 30, 7, 0, tzinfo=UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        weekly.weekly_reviews_run(engagement_id=world.engagement_a.pk, week=WEEK)

    a_mail = list(mail.outbox)
    assert a_mail
    b_people = {world.operator_b.email, world.consultant_b.email}
    for message in a_mail:
        assert not set(message.to) & b_people
        for part in (message.subject, message.body, message.alternatives[0][0]):
            for text in ("Beta", "secret", "confidential", "14.3%", "B agents"):
                assert text not in part
        assert "0 open now" in message.body
    # And B's own summary names B's figures only.
    mail.outbox.clear()
    with (
        time_machine.travel(datetime(2026, 3, 30, 7, 0, tzinfo=UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        weekly.weekly_reviews_run(engagement_id=world.engagement_b.pk, week=WEEK)
    assert {m.to[0] for m in mail.outbox} == b_people
    assert all("Procurement approval" not in m.body for m in mail.outbox)
    assert all("Beta confidential note" in m.body for m in mail.outbox)
