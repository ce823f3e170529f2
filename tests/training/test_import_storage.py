"""Import uploads wait for their job in Django's STORAGES["default"] (local media, or object
storage shared by workers on several hosts), never at a filesystem path: with an in-memory
storage, a write or read through a path would miss."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from maestro.training import services
from maestro.training.models import EvaluationCase, ImportJob
from tests.mapping.factories import ProcessFactory
from tests.training.factories import DatasetFactory

pytestmark = pytest.mark.django_db

CSV = b"case_ref,correct_outcome,category\nS-1,ok,c\nS-2,ok,c\n"
# A line holding a lone carriage return (JSON whitespace): the file must be read by lines at
# "\n" only, as it is from a path (django's File also splits at "\r").
JSONL = b'{"case_ref": "J-1",\r"correct_outcome": "ok", "category": "c"}\n'


@pytest.fixture
def in_memory(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }


def test_an_upload_is_kept_in_storage_until_its_job_has_run(world, in_memory, monkeypatch):
    monkeypatch.setattr("maestro.training.tasks.import_job_run_task.delay", lambda job_id: None)
    dataset = DatasetFactory(process=ProcessFactory(engagement=world.engagement_a))
    media = Path(django_settings.MEDIA_ROOT)
    on_disk = set(media.rglob("*"))

    job = services.import_job_create(
        dataset=dataset,
        upload=SimpleUploadedFile("cases.csv", CSV),
        fmt=None,
        by=world.consultant,
    )

    assert job.file.name.startswith("training-imports/") and job.file.name.endswith(".csv")
    with default_storage.open(job.file.name, "rb") as stored:
        assert stored.read() == CSV
    assert job.rows_total == 2

    job = services.import_job_run(job_id=job.pk)

    assert (job.status, job.rows_written, job.errors) == ("succeeded", 2, [])
    assert not default_storage.exists(job.file.name)  # removed once the job is over
    assert set(media.rglob("*")) == on_disk


def test_a_stored_upload_is_read_line_by_line_as_a_file_on_disk_is(world, in_memory, monkeypatch):
    monkeypatch.setattr("maestro.training.tasks.import_job_run_task.delay", lambda job_id: None)
    dataset = DatasetFactory(process=ProcessFactory(engagement=world.engagement_a))
    job = services.import_job_create(
        dataset=dataset,
        upload=SimpleUploadedFile("cases.jsonl", JSONL),
        fmt=None,
        by=world.consultant,
    )

    job = services.import_job_run(job_id=job.pk)

    assert (job.status, job.errors) == ("succeeded", [])
    assert EvaluationCase.objects.filter(dataset=dataset, case_ref="J-1").exists()


def test_an_upload_gone_from_storage_fails_the_job_with_a_clear_message(world, monkeypatch):
    monkeypatch.setattr("maestro.training.tasks.import_job_run_task.delay", lambda job_id: None)
    dataset = DatasetFactory(process=ProcessFactory(engagement=world.engagement_a))
    job = services.import_job_create(
        dataset=dataset,
        upload=SimpleUploadedFile("cases.csv", CSV),
        fmt=None,
        by=world.consultant,
    )
    default_storage.delete(job.file.name)

    job = services.import_job_run(job_id=job.pk)

    assert job.status == "failed"
    assert job.errors == ["The uploaded file is gone; upload it again."]
    assert ImportJob.objects.get(pk=job.pk).rows_written == 0
