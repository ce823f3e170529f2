import time

import pytest
from celery.contrib.testing.worker import start_worker

from maestro.celery import app as celery_app
from maestro.system.models import WorkerHeartbeat
from maestro.system.services import system_heartbeat_record
from maestro.system.tasks import system_heartbeat_record_task

WAIT_SECONDS = 30


def _wait_for(predicate, *, timeout: float = WAIT_SECONDS) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db
def test_heartbeat_twice_keeps_one_row_and_counts_both_beats():
    system_heartbeat_record(worker="w1@host")
    first_seen = WorkerHeartbeat.objects.get().last_seen_at

    heartbeat = system_heartbeat_record(worker="w1@host")

    assert WorkerHeartbeat.objects.count() == 1
    assert heartbeat.beats == 2
    assert heartbeat.last_seen_at >= first_seen


def test_tasks_are_not_run_eagerly_in_tests():
    # Eager mode would hide serialization and broker wiring from every task test.
    assert celery_app.conf.task_always_eager is False


@pytest.mark.celery_worker
def test_real_worker_records_a_heartbeat_sent_through_the_broker(transactional_db, celery_test_app):
    # transactional_db: the worker runs in its own thread with its own connection, so it only
    # sees committed rows (SQLite's in-memory test database is shared across threads).
    with start_worker(celery_test_app, pool="solo", perform_ping_check=False, shutdown_timeout=15):
        system_heartbeat_record_task.delay()

        assert _wait_for(WorkerHeartbeat.objects.exists), (
            f"no heartbeat within {WAIT_SECONDS} s via {celery_test_app.conf.broker_url}"
        )

    heartbeat = WorkerHeartbeat.objects.get()
    assert heartbeat.beats == 1
    assert heartbeat.worker not in ("", "unknown")
