"""The scoring job on Celery: the hourly fan-out, the thin task, the schedule, two runs at
once (threads, and a real worker taking the same job twice), and the late-outcome query's
index on PostgreSQL."""

import time
from datetime import timedelta
from unittest import mock

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django.db.models import F
from django.utils import timezone

from maestro.decisions.models import Decision
from maestro.engagements.models import Phase
from maestro.lib.timezones import local_today
from maestro.monitoring import tasks
from maestro.monitoring.models import AlertEpisode, DailyScore
from maestro.monitoring.services import scoring
from maestro.reviews.models import ReviewTask
from maestro.schedules import BEAT_SCHEDULE
from tests.engagements.factories import EngagementFactory
from tests.harness.races import barrier, run_at_once
from tests.mapping.factories import ProcessFactory
from tests.monitoring.factories import AlertRuleFactory
from tests.monitoring.scoring_data import day_of_decisions, local
from tests.tenancy.factories import ClientFactory

WAIT_SECONDS = 30
EXPECTED = {"": 8, "invoice": 5, "refund": 2}  # volumes of day_of_decisions


def _engagement_scored_yesterday(processes: int = 2):
    """An engagement (New York) whose processes each hold day_of_decisions on the client's
    real yesterday: runs without `now` score it."""
    client = ClientFactory(time_zone="America/New_York")
    engagement = EngagementFactory(client=client, phase=Phase.DEPLOYMENT)
    day = local_today(client.tzinfo) - timedelta(days=1)
    for _n in range(processes):
        process = ProcessFactory(engagement=engagement)
        day_of_decisions(process, client.tzinfo, day.year, day.month, day.day)
    return engagement, day


def _scored_once(engagement) -> None:
    # The cursors and rows exist, so two runs meet on the same rows, not on new cursors.
    scoring.engagement_scoring_run(engagement=engagement, now=timezone.now() - timedelta(hours=1))


def _one_row_each(engagement, day) -> None:
    rows = list(DailyScore.objects.filter(engagement=engagement).values_list(
        "process_id", "day", "category", "volume"))  # fmt: skip
    assert len(rows) == len({r[:3] for r in rows}) == 3 * engagement.processes.count()
    assert {(r[1], r[2], r[3]) for r in rows} == {(day, c, v) for c, v in EXPECTED.items()}


@pytest.mark.django_db
def test_fan_out_enqueues_one_task_per_live_engagement_after_commit(
    django_capture_on_commit_callbacks,
):
    live = [EngagementFactory(phase=phase) for phase in scoring.LIVE_PHASES]
    for phase in (Phase.MAPPING, Phase.TRAINING, Phase.CLOSED):
        EngagementFactory(phase=phase)

    with mock.patch.object(tasks.engagement_scoring_run_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            assert scoring.scoring_runs_enqueue() == 3
        delay.assert_not_called()  # nothing is sent before the commit
        for callback in callbacks:
            callback()

    assert sorted(c.args[0] for c in delay.call_args_list) == sorted(e.pk for e in live)


@pytest.mark.django_db
def test_task_scores_the_engagement_and_skips_a_deleted_one():
    engagement, day = _engagement_scored_yesterday(processes=1)

    tasks.engagement_scoring_run_task(engagement.pk)
    tasks.engagement_scoring_run_task(engagement.pk)  # a second delivery changes nothing
    tasks.engagement_scoring_run_task(10**9)

    _one_row_each(engagement, day)


def test_scoring_tasks_are_hourly_and_acknowledged_late():
    entry = BEAT_SCHEDULE["monitoring-scoring"]
    assert entry["task"] == tasks.scoring_runs_enqueue_task.name
    assert entry["schedule"].minute == {7}
    for task in (tasks.scoring_runs_enqueue_task, tasks.engagement_scoring_run_task):
        assert task.acks_late is True
        assert task.reject_on_worker_lost is True


def _held_at_start(parties: int):
    """Patch the batch step so that `parties` runs reach it together before either locks."""
    both = barrier(parties)
    original = scoring._scoring_batch

    def held(**kwargs):
        both.wait()
        return original(**kwargs)

    return mock.patch.object(scoring, "_scoring_batch", held)


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_leave_one_row_per_process_day_and_category():
    engagement, day = _engagement_scored_yesterday()
    _scored_once(engagement)

    with _held_at_start(2):
        results = run_at_once(
            lambda: scoring.engagement_scoring_run_by_id(engagement_id=engagement.pk),
            lambda: scoring.engagement_scoring_run_by_id(engagement_id=engagement.pk),
        )

    assert not [r for r in results if isinstance(r, Exception)], results
    _one_row_each(engagement, day)


@pytest.mark.celery_worker
def test_real_worker_running_the_job_twice_at_once_leaves_one_row_each_and_one_alert(
    transactional_db, celery_test_app
):
    # transactional_db: the worker's threads have their own connections and see committed
    # rows only. Two threads take the two messages; both reach the batch before either locks,
    # then both evaluate the new floor rule the scored day breaches (66.7% < 90%).
    engagement, day = _engagement_scored_yesterday()
    _scored_once(engagement)
    rule = AlertRuleFactory(process=engagement.processes.order_by("pk").first())
    finished: list[object] = []
    evaluated: list[object] = []
    original, original_evaluate = scoring._scoring_batch, scoring.alerts_evaluate
    both = barrier(2)

    def held(**kwargs):
        both.wait()
        try:
            result = original(**kwargs)
        except Exception as exc:
            finished.append(exc)
            raise
        finished.append(result)
        return result

    def evaluate(**kwargs):
        try:
            result = original_evaluate(**kwargs)
        except Exception as exc:
            evaluated.append(exc)
            raise
        evaluated.append(result)
        return result

    with (
        mock.patch.object(scoring, "_scoring_batch", held),
        mock.patch.object(scoring, "alerts_evaluate", evaluate),
    ):
        with start_worker(
            celery_test_app,
            pool="threads",
            concurrency=2,
            perform_ping_check=False,
            shutdown_timeout=15,
        ):
            tasks.engagement_scoring_run_task.delay(engagement.pk)
            tasks.engagement_scoring_run_task.delay(engagement.pk)
            deadline = time.monotonic() + WAIT_SECONDS
            while len(evaluated) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)

    assert len(finished) == 2, f"{finished} within {WAIT_SECONDS} s via the worker"
    assert len(evaluated) == 2, f"{evaluated} within {WAIT_SECONDS} s via the worker"
    assert not [r for r in finished + evaluated if isinstance(r, Exception)], finished + evaluated
    _one_row_each(engagement, day)
    episode = AlertEpisode.objects.get(rule=rule)
    assert (episode.state, episode.started_on) == (AlertEpisode.State.FIRING, day)
    assert ReviewTask.objects.filter(kind=ReviewTask.Kind.DRIFT_INVESTIGATION).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN of PostgreSQL's plan")
@pytest.mark.django_db
def test_late_outcome_days_are_found_on_the_outcome_index():
    client = ClientFactory(time_zone="America/New_York")
    engagement = EngagementFactory(client=client)
    processes = [ProcessFactory(engagement=engagement) for _n in range(3)]
    start = local(client.tzinfo, 2026, 1, 1)
    Decision.objects.bulk_create(
        Decision(
            engagement=engagement,
            process=processes[n % 3],
            case_ref=f"C-{n}",
            proposed_outcome="approve",
            confidence="0.9",
            route="auto",
            final_outcome="approve",
            outcome_source="feedback",
            outcome_at=start + timedelta(minutes=n),
        )
        for n in range(6000)
    )
    Decision.objects.update(received_at=F("outcome_at") - timedelta(minutes=1))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Decision._meta.db_table}")
    until = start + timedelta(minutes=5990)
    query = scoring.late_outcomes_query(cursors={p.pk: until for p in processes}, tz=client.tzinfo)

    plan = query.explain()

    index = next(i.name for i in Decision._meta.indexes if i.fields == ["process", "outcome_at"])
    assert index in plan, plan
    assert "Seq Scan" not in plan, plan
    assert {day.isoformat() for _pid, day in query} == {"2026-01-05"}
