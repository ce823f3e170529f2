"""Live import progress: the job page and API see it while the import transaction is open."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from maestro.training import selectors, services
from maestro.training.models import EvaluationCase, ImportJob
from maestro.training.progress import import_job_progress_set
from tests.conftest import client_for
from tests.mapping.factories import ProcessFactory
from tests.plugins.backends import REAL, _redis_url
from tests.training.factories import DatasetFactory
from tests.training.paused_import import import_run_paused_at

ROWS, BATCH = 50, 10


@pytest.fixture
def shared_cache(request, settings):
    """The production cache of each run: Redis on the real backends (a database of its own,
    not the broker's), the file cache under var/ on the embedded ones."""
    if REAL:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": _redis_url(request).rsplit("/", 1)[0] + "/1",
            }
        }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def upload_job(world, monkeypatch):
    def create(rows: int = ROWS, bad_line: int | None = None) -> ImportJob:
        monkeypatch.setattr("maestro.training.tasks.import_job_run_task.delay", lambda job_id: None)
        dataset = DatasetFactory(process=ProcessFactory(engagement=world.engagement_a))
        lines = [f"P-{i},it,{'' if i + 2 == bad_line else 'access'}\n" for i in range(rows)]
        csv = "case_ref,correct_outcome,category\n" + "".join(lines)
        return services.import_job_create(
            dataset=dataset,
            upload=SimpleUploadedFile("cases.csv", csv.encode()),
            fmt=None,
            by=world.consultant,
        )

    return create


def test_progress_is_visible_to_another_connection_during_the_import(
    transactional_db, world, shared_cache, upload_job
):
    job = upload_job()
    paused, resume, thread, outcome = import_run_paused_at(job, 2 * BATCH, batch_size=BATCH)
    try:
        assert paused.wait(30), "the import never wrote its second batch"
        seen = selectors.import_job_get_for_user(user=world.consultant, pk=job.pk)
        api = client_for(world.consultant).get(f"/api/import-jobs/{job.pk}/").json()
        row = ImportJob.objects.get(pk=job.pk)
        # Only PostgreSQL lets another connection read a table that an open transaction writes
        # (SQLite's shared cache locks it).
        committed = EvaluationCase.objects.count() if REAL else None
    finally:
        resume.set()
        thread.join(30)
    assert not thread.is_alive()
    assert (seen.status, seen.phase, seen.rows_done, seen.rows_total) == (
        "running",
        "writing",
        2 * BATCH,
        ROWS,
    )
    assert 0 < seen.rows_done < seen.rows_total
    assert (api["status"], api["phase"], api["rows_done"]) == ("running", "writing", 2 * BATCH)
    assert row.rows_done == 0  # the row has nothing yet: the figures came from the cache
    assert committed in (0, None)  # the rows written so far are not committed yet

    assert outcome["job"].status == "succeeded"
    done = selectors.import_job_get_for_user(user=world.consultant, pk=job.pk)
    assert (done.status, done.phase, done.rows_done, done.rows_written) == (
        "succeeded",
        "done",
        ROWS,
        ROWS,
    )
    assert EvaluationCase.objects.count() == ROWS


def test_a_refused_file_reports_validation_progress_then_its_errors(
    transactional_db, world, shared_cache, upload_job
):
    job = upload_job(rows=3000, bad_line=25)
    seen = []

    def hook(phase: str, rows: int) -> None:
        seen.append((phase, rows))

    services.import_job_run(job_id=job.pk, batch_size=BATCH, on_progress=hook)
    job.refresh_from_db()
    assert seen == [("writing", 10), ("writing", 20), ("validating", 1000), ("validating", 2000),
                    ("validating", 3000)]  # fmt: skip
    assert (job.status, job.rows_done, job.rows_written) == ("failed", 3000, 0)
    assert job.errors == ["line 25: category: is required"]
    assert EvaluationCase.objects.count() == 0


def test_the_page_shows_live_progress(client, world, shared_cache, upload_job):
    job = upload_job()
    ImportJob.objects.filter(pk=job.pk).update(status="running", phase="validating")
    import_job_progress_set(job_id=job.pk, phase="writing", rows=30)
    client.force_login(world.consultant)
    response = client.get(reverse("training:job", args=[job.pk]))
    assert "Writing: 30 of 50 rows." in response.content.decode()


def test_a_cache_outage_does_not_fail_the_import(world, upload_job, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "set", broken)
    monkeypatch.setattr(cache, "get_many", broken)
    job = upload_job()
    assert services.import_job_run(job_id=job.pk, batch_size=BATCH).status == "succeeded"
    ImportJob.objects.filter(pk=job.pk).update(status="running")
    assert selectors.import_job_get_for_user(user=world.consultant, pk=job.pk).rows_done == ROWS
