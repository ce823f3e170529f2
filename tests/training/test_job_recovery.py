"""Import jobs a worker lost: failed with a reason once past the task's hard time limit, sent
again when their message was lost — on a real worker for the latter."""

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from maestro.training.models import EvaluationCase, ImportJob
from maestro.training.services import import_jobs_recover
from tests.mapping.factories import ProcessFactory
from tests.training.factories import DatasetFactory

NOW = timezone.now()
LIMIT = timedelta(seconds=ImportJob.TIME_LIMIT + 60)


def _upload(text: str) -> str:
    """An upload as import_job_create keeps it: a name in STORAGES["default"]."""
    return default_storage.save("training-imports/upload.csv", ContentFile(text.encode()))


def _job(dataset, name, status, **dates):
    job = ImportJob.objects.create(
        dataset=dataset, kind="cases", file=name, status=status, rows_total=3
    )
    ImportJob.objects.filter(pk=job.pk).update(**dates)  # created_at is auto_now_add
    return job


@pytest.fixture
def dataset(world):
    return DatasetFactory(process=ProcessFactory(engagement=world.engagement_a))


def test_a_job_running_past_the_hard_limit_is_failed_and_its_upload_removed(dataset, monkeypatch):
    monkeypatch.setattr("maestro.training.tasks.import_job_run_task.delay", lambda pk: None)
    upload = _upload("case_ref,correct_outcome,category\n")
    kept = _upload("case_ref,correct_outcome,category\n")
    lost = _job(dataset, upload, "running", started_at=NOW - LIMIT - timedelta(seconds=1))
    legacy = _job(dataset, "", "running", created_at=NOW - LIMIT - timedelta(seconds=1))
    busy = _job(dataset, kept, "running", started_at=NOW - LIMIT / 2)
    done = _job(dataset, "", "succeeded", started_at=NOW - LIMIT * 2)

    assert import_jobs_recover(now=NOW) == (2, 0)

    for job in (lost, legacy, busy, done):
        job.refresh_from_db()
    assert (lost.status, lost.phase, lost.finished_at) == ("failed", "done", NOW)
    assert "stopped before it finished" in lost.errors[0]
    assert "nothing was written" in lost.errors[0]
    assert not default_storage.exists(upload)
    assert default_storage.exists(kept)  # the job still running keeps its upload
    assert legacy.status == "failed"  # a job from before started_at existed
    assert (busy.status, done.status) == ("running", "succeeded")
    assert import_jobs_recover(now=NOW) == (0, 0)  # twice changes nothing


def test_only_queued_jobs_older_than_ten_minutes_are_sent_again(dataset, monkeypatch):
    sent: list[int] = []
    monkeypatch.setattr("maestro.training.tasks.import_job_run_task.delay", sent.append)
    stale = _job(dataset, "", "queued", created_at=NOW - timedelta(minutes=11))
    _job(dataset, "", "queued", created_at=NOW - timedelta(minutes=9))
    _job(dataset, "", "failed", created_at=NOW - timedelta(hours=1))
    assert import_jobs_recover(now=NOW) == (0, 1)
    assert sent == [stale.pk]


@pytest.mark.celery_worker
def test_a_queued_job_whose_message_was_lost_runs_once_sent_again(
    transactional_db, world, celery_test_app
):
    dataset = DatasetFactory(process=ProcessFactory(engagement=world.engagement_a))
    upload = _upload("case_ref,correct_outcome,category\nA,ok,c\nB,ok,c\nC,ok,c\n")
    job = _job(dataset, upload, "queued", created_at=timezone.now() - timedelta(minutes=11))
    with start_worker(celery_test_app, pool="solo", perform_ping_check=False, shutdown_timeout=15):
        assert import_jobs_recover() == (0, 1)
        deadline = time.monotonic() + 30
        while ImportJob.objects.get(pk=job.pk).status == "queued":
            assert time.monotonic() < deadline, "the worker did not run the job sent again"
            time.sleep(0.1)
        while ImportJob.objects.get(pk=job.pk).status == "running":
            assert time.monotonic() < deadline, "the job did not finish"
            time.sleep(0.1)
    job.refresh_from_db()
    assert (job.status, job.rows_written) == ("succeeded", 3)
    assert EvaluationCase.objects.filter(dataset=dataset).count() == 3
    assert not default_storage.exists(upload)
