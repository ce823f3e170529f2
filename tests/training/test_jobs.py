"""The import job on a real Celery worker, and the management command."""

import io
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from maestro.training import services
from maestro.training.models import EvaluationCase, ImportJob
from tests.mapping.factories import ProcessFactory
from tests.training.factories import DatasetFactory, RoundFactory

CSV = "case_ref,correct_outcome,category\n" + "".join(f"T-{i},it,access\n" for i in range(12))


def _wait_for(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.celery_worker
def test_real_worker_runs_the_upload_job(transactional_db, world, celery_test_app):
    dataset = DatasetFactory(process=ProcessFactory(engagement=world.engagement_a))
    with start_worker(celery_test_app, pool="solo", perform_ping_check=False, shutdown_timeout=15):
        job = services.import_job_create(
            dataset=dataset,
            upload=SimpleUploadedFile("cases.csv", CSV.encode()),
            fmt=None,
            by=world.consultant,
        )
        assert _wait_for(
            lambda: ImportJob.objects.get(pk=job.pk).status in ("succeeded", "failed")
        ), "the worker did not finish the job"
    job.refresh_from_db()
    assert (job.status, job.rows_total, job.rows_written, job.phase) == (
        "succeeded",
        12,
        12,
        "done",
    )
    assert EvaluationCase.objects.filter(dataset=dataset).count() == 12


def test_command_imports_with_a_progress_bar(world, tmp_path):
    dataset = DatasetFactory(process=ProcessFactory(engagement=world.engagement_a))
    path = tmp_path / "cases.csv"
    path.write_text(CSV)
    out = io.StringIO()
    call_command("training_import", dataset.pk, str(path), "--batch-size", "5", stdout=out)
    text = out.getvalue()
    assert "writing    [" in text and "100.0% 12/12" in text
    assert "Imported 12 row(s)." in text
    assert EvaluationCase.objects.filter(dataset=dataset).count() == 12

    outputs = tmp_path / "outputs.jsonl"
    outputs.write_text('{"case_ref": "T-1", "predicted_outcome": "it", "confidence": 0.9}\n')
    RoundFactory(dataset=dataset, number=1)
    call_command("training_import", dataset.pk, str(outputs), "--round", "1", stdout=io.StringIO())


def test_command_reports_errors_and_writes_nothing(world, tmp_path):
    dataset = DatasetFactory(process=ProcessFactory(engagement=world.engagement_a))
    path = tmp_path / "cases.csv"
    path.write_text("case_ref,correct_outcome,category\nA,it,\n")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("training_import", dataset.pk, str(path), stdout=io.StringIO(), stderr=err)
    assert "line 2: category: is required" in err.getvalue()
    assert EvaluationCase.objects.count() == 0
