"""Upload size (MAESTRO_UPLOAD_MAX_BYTES) and row (MAESTRO_IMPORT_MAX_ROWS) limits: a file over
either is refused with a clear message, and nothing of it is stored or imported."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.test import Client

from maestro.training import services
from maestro.training.importers import ImportFailed
from maestro.training.models import EvaluationCase, ImportJob, StagedCase, TrainingRound
from tests.conftest import client_for
from tests.mapping.factories import ProcessFactory
from tests.training.factories import DatasetFactory, RoundFactory

LIMIT = 2000
HEADER = b"case_ref,correct_outcome,category\n"


def _csv(size: int) -> bytes:
    """A valid cases CSV of exactly `size` bytes."""
    body = HEADER
    i = 0
    while len(body) < size - 40:
        body += b"C-%06d,ok,c\n" % i
        i += 1
    pad = size - len(body) - len(b"LAST,ok,c\n")
    return body + b"LAST" + b"x" * pad + b",ok,c\n"


def _stored_uploads() -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "training-imports"
    return sorted(folder.glob("*")) if folder.exists() else []


@pytest.fixture
def limited(settings, world, monkeypatch):
    settings.MAESTRO_UPLOAD_MAX_BYTES = LIMIT
    monkeypatch.setattr("maestro.training.tasks.import_job_run_task.delay", lambda job_id: None)
    world.dataset = DatasetFactory(process=ProcessFactory(engagement=world.engagement_a))
    world.round = RoundFactory(dataset=world.dataset, number=1)
    world.kept = {"bytes": 0}
    for handler in (MemoryFileUploadHandler, TemporaryFileUploadHandler):
        original = handler.receive_data_chunk

        def spy(self, raw_data, start, original=original):
            world.kept["bytes"] += len(raw_data)
            return original(self, raw_data, start)

        monkeypatch.setattr(handler, "receive_data_chunk", spy)
    return world


@pytest.mark.parametrize(
    "url", ["/api/datasets/{dataset}/import/", "/api/rounds/{round}/outputs/import/"]
)
@pytest.mark.parametrize("size", [LIMIT + 1, 50 * LIMIT])
def test_the_api_refuses_a_file_over_the_limit_with_400_and_stores_nothing(limited, url, size):
    before = _stored_uploads()
    r = client_for(limited.consultant).post(
        url.format(dataset=limited.dataset.pk, round=limited.round.pk),
        {"file": SimpleUploadedFile("big.csv", _csv(size), content_type="text/csv")},
        format="multipart",
    )
    assert r.status_code == 400, r.content
    [message] = r.json()["file"]  # on the file's field, like every problem of the request
    assert "too large" in message and f"{LIMIT} bytes" in message
    assert ImportJob.objects.count() == 0
    assert _stored_uploads() == before
    if size > 2 * LIMIT:
        # Content-Length already said so: no byte of the file reached a handler that keeps it.
        assert limited.kept["bytes"] == 0
    else:
        assert limited.kept["bytes"] <= LIMIT  # dropped at the limit while streaming


def test_a_file_at_the_limit_is_taken(limited):
    r = client_for(limited.consultant).post(
        f"/api/datasets/{limited.dataset.pk}/import/",
        {"file": SimpleUploadedFile("ok.csv", _csv(LIMIT), content_type="text/csv")},
        format="multipart",
    )
    assert r.status_code == 202, r.content
    assert ImportJob.objects.count() == 1


@pytest.mark.parametrize("form", ["cases", "round"])
def test_the_page_shows_a_form_error_and_creates_nothing(client, limited, form):
    client.force_login(limited.consultant)
    field = "file" if form == "cases" else "round-file"
    data = {"form": form, field: SimpleUploadedFile("big.csv", _csv(3 * LIMIT))}
    if form == "round":
        data |= {"round-date": "2026-03-01", "round-what_changed": "prompt"}
    r = client.post(f"/datasets/{limited.dataset.pk}/", data)
    assert r.status_code == 413
    html = r.content.decode()
    assert "The file is too large: an upload may be at most" in html
    assert "This field is required" not in html
    assert ImportJob.objects.count() == 0
    assert TrainingRound.objects.filter(dataset=limited.dataset).count() == 1  # no new round


def test_the_service_refuses_an_oversized_upload_itself(limited):
    with pytest.raises(ValidationError) as refused:
        services.import_job_create(
            dataset=limited.dataset,
            upload=SimpleUploadedFile("big.csv", _csv(LIMIT + 1)),
            fmt=None,
            by=limited.consultant,
        )
    assert "too large" in refused.value.message_dict["file"][0]
    assert ImportJob.objects.count() == 0


def test_a_file_with_more_rows_than_allowed_is_refused_and_nothing_is_written(
    settings, world, tmp_path
):
    settings.MAESTRO_IMPORT_MAX_ROWS = 5
    dataset = DatasetFactory(process=ProcessFactory(engagement=world.engagement_a))
    path = tmp_path / "cases.csv"
    path.write_bytes(HEADER + b"".join(b"R%d,ok,c\n" % i for i in range(6)))
    with pytest.raises(ImportFailed) as info:
        services.dataset_import_cases(
            dataset=dataset, path=str(path), fmt="csv", by=None, batch_size=2
        )
    assert info.value.errors[0] == (
        "line 7: the file has more than 5 rows, the most one import takes; split it into "
        "smaller files."
    )
    assert EvaluationCase.objects.count() == 0
    assert StagedCase.objects.count() == 0

    path.write_bytes(HEADER + b"".join(b"R%d,ok,c\n" % i for i in range(5)))
    assert services.dataset_import_cases(dataset=dataset, path=str(path), fmt="csv", by=None) == 5


def test_a_session_authenticated_api_upload_over_the_limit_is_400_too(limited):
    """With a session, DRF reads the form for its CSRF check first: still a 400 on `file`."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(limited.consultant)
    client.get(f"/datasets/{limited.dataset.pk}/")  # its upload form sets the CSRF cookie
    r = client.post(
        f"/api/datasets/{limited.dataset.pk}/import/",
        {"file": SimpleUploadedFile("big.csv", _csv(LIMIT + 1), content_type="text/csv")},
        headers={"X-CSRFToken": client.cookies["csrftoken"].value},
    )
    assert r.status_code == 400, r.content
    assert "too large" in r.json()["file"][0]
    assert ImportJob.objects.count() == 0
