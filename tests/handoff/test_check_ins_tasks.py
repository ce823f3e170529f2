"""The check-in job on Celery: the thin tasks and their schedule, queries that grow with
batches and not with plans (1 plan against 10,000), rescheduling enqueued after commit, and a
real worker running the job twice at once: one check-in, one reminder."""

import time
from datetime import date, timedelta
from unittest import mock

import pytest
from celery.contrib.testing.worker import start_worker
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from handoff import tasks
from handoff.models import CheckIn, SkillTransferPlan
from handoff.services import check_ins as services
from maestro.schedules import BEAT_SCHEDULE
from maestro.tenancy.models import User
from tests.handoff.check_in_setup import plan_in, utc
from tests.harness.races import barrier

WAIT_SECONDS = 30


def test_check_in_job_runs_every_five_minutes_and_is_acknowledged_late():
    entry = BEAT_SCHEDULE["handoff-check-ins"]
    assert entry["task"] == tasks.check_ins_run_task.name
    assert entry["schedule"].minute == set(range(0, 60, 5))
    for task in (tasks.check_ins_run_task, tasks.check_ins_reschedule_task):
        assert task.acks_late is True
        assert task.reject_on_worker_lost is True


@pytest.mark.django_db
def test_reschedule_is_enqueued_after_commit_and_the_task_tolerates_a_deleted_plan(
    django_capture_on_commit_callbacks,
):
    plan = plan_in("UTC")
    with mock.patch.object(tasks.check_ins_reschedule_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.check_ins_reschedule_on_commit(plan)
        delay.assert_not_called()
        for callback in callbacks:
            callback()
    delay.assert_called_once_with(plan.pk)
    tasks.check_ins_reschedule_task(10**9)  # no such plan: nothing to do


def _plans(count: int) -> None:
    """`count` plans of one handoff engagement, each with its own operator (no e-mail),
    Tuesdays 10:00 UTC, reminded a week ahead: every one is due to be made and reminded."""
    first = plan_in("UTC", reminder_minutes=7 * 24 * 60)
    password = make_password(None)
    users = User.objects.bulk_create(
        User(username=f"op{n}", password=password) for n in range(count - 1)
    )
    SkillTransferPlan.objects.bulk_create(
        SkillTransferPlan(
            engagement=first.engagement,
            operator=user,
            created_by=first.created_by,
            starts_on=date(2026, 1, 5),
            reminder_minutes=7 * 24 * 60,
        )
        for user in users
    )


def _queries_of_runs() -> tuple[int, int]:
    """Queries of a run that makes and reminds every check-in, then of one that flags them."""
    with CaptureQueriesContext(connection) as making:
        run = services.check_ins_run(now=utc(2026, 1, 10))
    assert run.created == run.reminded == SkillTransferPlan.objects.count()
    with CaptureQueriesContext(connection) as flagging:
        run = services.check_ins_run(now=utc(2026, 1, 15))
    assert run.missed == SkillTransferPlan.objects.count()
    return len(making), len(flagging)


@pytest.mark.django_db
def test_job_queries_grow_with_batches_not_plans():
    _plans(1)
    one = _queries_of_runs()
    CheckIn.objects.all().delete()
    SkillTransferPlan.objects.all().delete()

    _plans(10_000)
    many = _queries_of_runs()

    batches = -(-10_000 // services.BATCH)  # 20
    # Each step costs a few queries per batch (read, write, and a savepoint pair per
    # transaction), whatever the number of plans in the batch.
    for single, lots in zip(one, many, strict=True):
        assert lots <= single * batches, (one, many)
        assert lots < 10_000 // 20, (one, many)  # far from one query per plan
    assert CheckIn.objects.filter(status=CheckIn.Status.MISSED).count() == 10_000


def _plan_due_for_a_reminder_now():
    """A plan (UTC) whose next check-in is in about three hours, reminded a day ahead: a run
    on the real clock makes it and reminds it."""
    at = (timezone.now() + timedelta(hours=3)).replace(second=0, microsecond=0)
    return plan_in(
        "UTC",
        starts_on=at.date(),
        weekday=at.weekday(),
        local_time=at.time(),
        reminder_minutes=24 * 60,
    )


@pytest.mark.celery_worker
def test_real_worker_running_the_job_twice_at_once_makes_one_check_in_and_one_reminder(
    transactional_db, celery_test_app, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    plan = _plan_due_for_a_reminder_now()
    finished: list[object] = []
    original = services.check_ins_create_next
    both = barrier(2)

    def held(**kwargs):
        both.wait()  # both runs have started before either makes anything
        return original(**kwargs)

    def recorded(**kwargs):
        try:
            result = original_run(**kwargs)
        except Exception as exc:
            finished.append(exc)
            raise
        finished.append(result)
        return result

    original_run = services.check_ins_run
    with (
        mock.patch.object(services, "check_ins_create_next", held),
        mock.patch.object(services, "check_ins_run", recorded),
        start_worker(
            celery_test_app,
            pool="threads",
            concurrency=2,
            perform_ping_check=False,
            shutdown_timeout=15,
        ),
    ):
        tasks.check_ins_run_task.delay()
        tasks.check_ins_run_task.delay()
        deadline = time.monotonic() + WAIT_SECONDS
        while len(finished) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)

    assert len(finished) == 2, f"{finished} within {WAIT_SECONDS} s via the worker"
    assert not [r for r in finished if isinstance(r, Exception)], finished
    check_in = CheckIn.objects.get(plan=plan)
    assert check_in.reminded_at is not None
    assert sorted(r.created for r in finished) == [0, 1]
    assert sorted(r.reminded for r in finished) == [0, 1]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        {plan.operator.email, plan.engagement.lead.email}
    )
