"""Dry runs as background jobs: the job's life, its progress, the idempotent task, failures and
a real Celery worker running one."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from maestro.exceptions import DomainError
from maestro.playbooks.models import DryRunJob
from maestro.playbooks.services import (
    PROGRESS_EVERY,
    dry_runs,
    playbook_dry_run,
    playbook_version_create,
)
from maestro.playbooks.tasks import dry_run_job_run_task
from maestro.training.models import AgentOutput
from tests.mapping.factories import ProcessFactory
from tests.training.factories import CaseFactory, DatasetFactory, RoundFactory

RULES = [{"kind": "amount_above", "amount": "50000", "currency": "USD"}]


def save(process, by, rules=RULES):
    return playbook_version_create(
        process=process,
        by=by,
        default_threshold="0.80",
        rules=rules,
        sla_minutes=240,
        escalation_chain=[],
    )


def seven_cases(process):
    """Seven cases: five auto (four right), one above the limit, one without an output."""
    dataset = DatasetFactory(process=process)
    rnd = RoundFactory(dataset=dataset)
    for n in range(7):
        case = CaseFactory(
            dataset=dataset, amount=90000 if n == 5 else 10, currency="USD", correct_outcome="ok"
        )
        if n != 6:
            predicted = "ok" if n else "no"
            AgentOutput.objects.create(
                round=rnd, case=case, predicted_outcome=predicted, confidence=1
            )
    return rnd


@pytest.fixture
def setup(world):
    process = ProcessFactory(engagement=world.engagement_a)
    return process, seven_cases(process), save(process, world.consultant)


@pytest.fixture
def sent(monkeypatch):
    ids: list[int] = []
    monkeypatch.setattr("maestro.playbooks.tasks.dry_run_job_run_task.delay", ids.append)
    return ids


def test_job_is_queued_on_commit_then_runs_to_done_with_its_result(
    world, setup, sent, django_capture_on_commit_callbacks
):
    process, rnd, version = setup
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = dry_runs.dry_run_job_create(
            process=process, training_round=rnd, version=None, by=world.operator_a
        )
        assert sent == []  # nothing is sent before the job row commits
    for callback in callbacks:
        callback()
    assert sent == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.version, job.cases_done, job.cases_total) == ("queued", version, 0, 7)
    assert job.requested_by == world.operator_a and job.started_at is None
    assert dry_runs.dry_run_job_result(job=job) is None

    done = dry_runs.dry_run_job_run(job_id=job.pk)
    assert (done.status, done.cases_done, done.cases_total, done.error) == ("succeeded", 7, 7, "")
    assert done.started_at <= done.finished_at
    result = dry_runs.dry_run_job_result(job=done)
    assert (result.cases, result.human, result.auto, result.auto_correct) == (7, 2, 5, 4)
    assert result.reason_counts == {"amount_above": 1, "no_output": 1}
    assert result.auto_accuracy == 80.0  # properties work on the result read back from JSON


def test_progress_is_reported_every_n_cases_with_growing_counts(world, setup):
    _process, rnd, version = setup
    seen: list[int] = []
    playbook_dry_run(training_round=rnd, version=version, progress=seen.append, progress_every=2)
    assert seen == [2, 4, 6]
    assert PROGRESS_EVERY == 5000


def test_running_job_shows_its_progress_on_the_row_mid_run(
    transactional_db, world, setup, sent, monkeypatch
):
    """Outside a test transaction, as on a worker: on PostgreSQL the rows then stream through a
    server-side cursor that stays open while the progress updates commit."""
    process, rnd, version = setup
    job = dry_runs.dry_run_job_create(
        process=process, training_round=rnd, version=version, by=world.operator_a
    )
    real = dry_runs.playbook_dry_run
    seen: list[tuple[str, int, int]] = []

    def spy(**kwargs):
        inner = kwargs["progress"]

        def progress(cases: int) -> None:
            inner(cases)
            row = DryRunJob.objects.get(pk=job.pk)
            seen.append((row.status, row.cases_done, row.percent))

        return real(**{**kwargs, "progress": progress})

    monkeypatch.setattr(dry_runs, "playbook_dry_run", spy)
    dry_runs.dry_run_job_run(job_id=job.pk, progress_every=3)
    assert seen == [("running", 3, 42), ("running", 6, 85)]


def test_a_redelivered_task_does_not_redo_a_finished_job(world, setup, sent, monkeypatch):
    process, rnd, version = setup
    job = dry_runs.dry_run_job_create(
        process=process, training_round=rnd, version=version, by=world.operator_a
    )
    calls: list[int] = []
    real = dry_runs.playbook_dry_run
    monkeypatch.setattr(dry_runs, "playbook_dry_run", lambda **kw: calls.append(1) or real(**kw))
    dry_run_job_run_task(job.pk)
    first = DryRunJob.objects.get(pk=job.pk)
    dry_run_job_run_task(job.pk)
    assert dry_runs.dry_run_job_run(job_id=job.pk) is None
    again = DryRunJob.objects.get(pk=job.pk)
    assert calls == [1]
    assert (again.status, again.finished_at, again.result) == (
        "succeeded",
        first.finished_at,
        first.result,
    )


def test_a_domain_error_fails_the_job_with_its_message(world, setup, sent, monkeypatch):
    process, rnd, version = setup
    job = dry_runs.dry_run_job_create(
        process=process, training_round=rnd, version=version, by=world.operator_a
    )

    def refuse(**kwargs):
        raise DomainError("That playbook version belongs to another process.", code="x")

    monkeypatch.setattr(dry_runs, "playbook_dry_run", refuse)
    failed = dry_runs.dry_run_job_run(job_id=job.pk)
    assert (failed.status, failed.error, failed.result) == (
        "failed",
        "That playbook version belongs to another process.",
        None,
    )
    assert failed.finished_at is not None


def test_an_unexpected_error_fails_the_job_and_reaches_the_error_tracker(
    world, setup, sent, monkeypatch
):
    process, rnd, version = setup
    job = dry_runs.dry_run_job_create(
        process=process, training_round=rnd, version=version, by=world.operator_a
    )

    def crash(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(dry_runs, "playbook_dry_run", crash)
    with pytest.raises(RuntimeError):
        dry_run_job_run_task(job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error == "The dry run stopped on an unexpected error; run it again."


def test_create_refuses_a_foreign_round_or_version_and_a_process_without_playbook(
    world, setup, sent
):
    process, rnd, version = setup
    other = ProcessFactory(engagement=world.engagement_a)
    other_round = seven_cases(other)
    for kwargs in (
        {"process": process, "training_round": other_round, "version": version},
        {"process": other, "training_round": other_round, "version": version},
    ):
        with pytest.raises(DomainError) as exc:
            dry_runs.dry_run_job_create(**kwargs, by=world.operator_a)
        assert exc.value.code == "wrong_process"
    with pytest.raises(DomainError) as exc:
        dry_runs.dry_run_job_create(
            process=other, training_round=other_round, version=None, by=world.operator_a
        )
    assert exc.value.code == "no_playbook"
    assert DryRunJob.objects.count() == 0 and sent == []


@pytest.mark.celery_worker
def test_real_worker_runs_the_dry_run_job(transactional_db, world, celery_test_app):
    process = ProcessFactory(engagement=world.engagement_a)
    rnd = seven_cases(process)
    save(process, world.consultant)
    with start_worker(celery_test_app, pool="solo", perform_ping_check=False, shutdown_timeout=15):
        job = dry_runs.dry_run_job_create(
            process=process, training_round=rnd, version=None, by=world.operator_a
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.is_finished:
                break
            time.sleep(0.1)
    assert (job.status, job.cases_done, job.result["human"]) == ("succeeded", 7, 2)


def test_recover_fails_jobs_past_the_hard_limit_and_resends_stale_queued_ones(world, setup, sent):
    from datetime import timedelta

    from django.utils import timezone

    from maestro.playbooks.services import dry_run_jobs_recover

    _process, rnd, version = setup
    now = timezone.now()
    limit = timedelta(seconds=DryRunJob.TIME_LIMIT + 60)

    def job(status, **dates):
        made = DryRunJob.objects.create(version=version, training_round=rnd, status=status)
        DryRunJob.objects.filter(pk=made.pk).update(**dates)
        return made

    lost = job("running", started_at=now - limit - timedelta(seconds=1))
    busy = job("running", started_at=now - limit / 2)
    stale = job("queued", created_at=now - timedelta(minutes=11))
    fresh = job("queued", created_at=now - timedelta(minutes=9))

    assert dry_run_jobs_recover(now=now) == (1, 1)
    assert sent == [stale.pk]
    for made in (lost, busy, stale, fresh):
        made.refresh_from_db()
    assert (lost.status, lost.finished_at) == ("failed", now)
    assert "stopped before it finished" in lost.error
    assert (busy.status, stale.status, fresh.status) == ("running", "queued", "queued")
