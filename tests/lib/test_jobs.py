"""The background-job engine (maestro.lib.jobs) that import jobs and dry runs share: one status
vocabulary, a claim that runs a job once, and the recovery of the jobs a worker lost."""

from datetime import timedelta

import pytest
from django.utils import timezone

from maestro.lib.jobs import (
    BackgroundJob,
    JobStatus,
    job_claim,
    job_finish,
    job_progress,
    jobs_recover,
)
from maestro.lib.serializers import JobStatusDisplayField, JobStatusField
from maestro.playbooks.models import DryRunJob
from maestro.playbooks.services import dry_run_job_run
from maestro.training.models import ImportJob
from maestro.training.services import import_job_run
from tests.mapping.factories import ProcessFactory
from tests.playbooks.factories import PlaybookVersionFactory
from tests.training.factories import DatasetFactory, RoundFactory

NOW = timezone.now()


@pytest.fixture(params=[ImportJob, DryRunJob], ids=["import", "dry-run"])
def make_job(request, world):
    """A factory of jobs of one model (each test runs once per model), dated as asked."""
    model = request.param
    process = ProcessFactory(engagement=world.engagement_a)
    dataset = DatasetFactory(process=process)
    training_round = RoundFactory(dataset=dataset)
    version = PlaybookVersionFactory(playbook__process=process)

    def make(status=JobStatus.QUEUED, **dates):
        if model is ImportJob:
            job = ImportJob.objects.create(dataset=dataset, kind="cases", status=status)
        else:
            job = DryRunJob.objects.create(
                version=version, training_round=training_round, status=status
            )
        model.objects.filter(pk=job.pk).update(**dates)  # created_at is auto_now_add
        job.refresh_from_db()
        return job

    make.model = model
    return make


def test_both_job_models_share_the_vocabulary_and_start_queued(make_job):
    assert issubclass(make_job.model, BackgroundJob)
    assert make_job.model.Status is JobStatus
    assert JobStatus.values == ["queued", "running", "succeeded", "failed"]
    job = make_job.model.objects.get(pk=make_job().pk)
    assert (job.status, job.started_at, job.finished_at, job.is_finished) == (
        "queued",
        None,
        None,
        False,
    )


def test_a_job_is_claimed_once_so_a_duplicate_message_runs_nothing(make_job):
    job = make_job()
    assert job_claim(make_job.model, job_id=job.pk) is True
    job.refresh_from_db()
    started = job.started_at
    assert (job.status, started is not None) == ("running", True)

    assert job_claim(make_job.model, job_id=job.pk) is False
    job.refresh_from_db()
    assert (job.status, job.started_at) == ("running", started)


@pytest.mark.parametrize("status", ["running", "succeeded", "failed"])
def test_a_job_that_is_not_queued_cannot_be_claimed(make_job, status):
    job = make_job(status)
    assert job_claim(make_job.model, job_id=job.pk) is False
    job.refresh_from_db()
    assert (job.status, job.started_at) == (status, None)


def test_the_apps_run_a_job_only_through_the_claim(make_job):
    """Each app's run service claims first: a job claimed already (by another delivery) is
    left to whoever claimed it."""
    job = make_job()
    assert job_claim(make_job.model, job_id=job.pk)
    run = import_job_run if make_job.model is ImportJob else dry_run_job_run
    assert run(job_id=job.pk) is None
    job.refresh_from_db()
    assert (job.status, job.finished_at) == ("running", None)


def test_finish_records_the_outcome_and_progress_only_touches_running_jobs(make_job):
    model = make_job.model
    field = "rows_done" if model is ImportJob else "cases_done"
    running, queued, failed = make_job("running"), make_job(), make_job()

    job_progress(model, job_id=running.pk, **{field: 4})
    job_progress(model, job_id=queued.pk, **{field: 4})
    job_finish(model, job_id=running.pk, succeeded=True, **{field: 7})
    job_finish(model, job_id=failed.pk, succeeded=False)

    for job in (running, queued, failed):
        job.refresh_from_db()
    assert (running.status, getattr(running, field), running.is_finished) == ("succeeded", 7, True)
    assert running.finished_at is not None
    assert (queued.status, getattr(queued, field)) == ("queued", 0)
    assert (failed.status, failed.is_finished) == ("failed", True)


def test_recover_fails_stale_running_jobs_and_sends_stale_queued_ones_again(make_job):
    model = make_job.model
    limit = timedelta(seconds=model.TIME_LIMIT + 60)
    field = "phase" if model is ImportJob else "error"
    lost = make_job("running", started_at=NOW - limit - timedelta(seconds=1))
    legacy = make_job("running", started_at=None, created_at=NOW - limit - timedelta(seconds=1))
    busy = make_job("running", started_at=NOW - limit + timedelta(seconds=1))
    old_done = make_job("succeeded", started_at=NOW - limit * 2)
    stale = make_job(created_at=NOW - timedelta(minutes=10, seconds=1))
    fresh = make_job(created_at=NOW - timedelta(minutes=9, seconds=59))
    sent: list[int] = []
    cleaned: list[int] = []

    def recover():
        return jobs_recover(
            model, send=sent.append, failed_fields={field: "lost"}, on_lost=cleaned.extend, now=NOW
        )

    assert recover() == (2, 1)
    assert sent == [stale.pk]
    assert sorted(cleaned) == sorted([lost.pk, legacy.pk])
    for job in (lost, legacy, busy, old_done, stale, fresh):
        job.refresh_from_db()
    assert (lost.status, lost.finished_at, getattr(lost, field)) == ("failed", NOW, "lost")
    assert legacy.status == "failed"
    assert [busy.status, old_done.status, stale.status, fresh.status] == [
        "running",
        "succeeded",
        "queued",
        "queued",
    ]

    # Again: nothing more to fail; the stale job, still queued, is sent again (its claim makes
    # the duplicate harmless).
    assert recover() == (0, 1)
    assert sent == [stale.pk, stale.pk]


def test_an_api_keeps_the_status_words_it_published():
    published = {JobStatus.QUEUED: ("pending", "Pending")}
    field = JobStatusField(published=published)
    label = JobStatusDisplayField(published=published)
    assert [field.to_representation(s) for s in JobStatus.values] == [
        "pending",
        "running",
        "succeeded",
        "failed",
    ]
    assert list(field.choices) == ["pending", "running", "succeeded", "failed"]
    assert [label.to_representation(s) for s in JobStatus.values] == [
        "Pending",
        "Running",
        "Succeeded",
        "Failed",
    ]
