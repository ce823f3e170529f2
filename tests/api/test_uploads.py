"""Upload problems are reported one way on every upload endpoint (README, "API conventions"):
what the request gets wrong (no file, an empty one, one too large, not a type Maestro imports,
an unknown format) is a 400 at once on its field, with nothing stored; what the file's rows
get wrong is reported by the job (202, then `failed` with its errors by line)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.generators import SchemaGenerator

from maestro.training import services
from maestro.training.models import EvaluationCase, ImportJob
from tests.conftest import client_for
from tests.mapping.factories import ProcessFactory
from tests.training.factories import CaseFactory, DatasetFactory, RoundFactory

pytestmark = pytest.mark.django_db

UPLOADS = ["/api/datasets/{dataset}/import/", "/api/rounds/{round}/outputs/import/"]
GOOD = {
    "/api/datasets/{dataset}/import/": b"case_ref,correct_outcome,category\nT-9,it,access\n",
    "/api/rounds/{round}/outputs/import/": b"case_ref,predicted_outcome,confidence\nT-1,it,0.9\n",
}
BAD_ROWS = {  # line 3 is wrong in each
    "/api/datasets/{dataset}/import/": GOOD["/api/datasets/{dataset}/import/"] + b"T-9,,x\n",
    "/api/rounds/{round}/outputs/import/": GOOD["/api/rounds/{round}/outputs/import/"]
    + b"T-1,it,85%\n",
}


@pytest.fixture
def upload_world(world, monkeypatch):
    monkeypatch.setattr("maestro.training.tasks.import_job_run_task.delay", lambda job_id: None)
    world.dataset = DatasetFactory(process=ProcessFactory(engagement=world.engagement_a))
    CaseFactory(dataset=world.dataset, case_ref="T-1")
    world.round = RoundFactory(dataset=world.dataset, number=1)
    return world


def _stored() -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "training-imports"
    return sorted(folder.glob("*")) if folder.exists() else []


def _post(world, url: str, data: dict):
    path = url.format(dataset=world.dataset.pk, round=world.round.pk)
    return client_for(world.consultant).post(path, data, format="multipart")


def _file(content: bytes, name: str = "upload.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.mark.parametrize("url", UPLOADS)
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (lambda: {}, "file", "No file was submitted."),
        (lambda: {"file": _file(b"")}, "file", "The submitted file is empty."),
        (lambda: {"file": _file(b"\xef\xbb\xbf \r\n\n")}, "file", "The submitted file is empty."),
        (
            lambda: {"file": _file(b"a,b\n1,2\n", "cases.xlsx")},
            "file",
            "“cases.xlsx” is not a file Maestro imports: send one named .csv, .json, .jsonl or "
            ".ndjson, or give its format.",
        ),
        (lambda: {"file": _file(b"a\n", "cases")}, "file", "is not a file Maestro imports"),
        (lambda: {"file": _file(b"a\n"), "format": "xlsx"}, "format", "is not a valid choice"),
    ],
    ids=["missing", "empty", "blank", "xlsx", "no extension", "unknown format"],
)
def test_a_bad_request_is_a_400_on_its_field_and_stores_nothing(
    upload_world, url, data, field, message
):
    before = _stored()
    r = _post(upload_world, url, data())
    assert r.status_code == 400, r.content
    assert list(r.json()) == [field]
    assert message in r.json()[field][0]
    assert ImportJob.objects.count() == 0
    assert _stored() == before


@pytest.mark.parametrize("url", UPLOADS)
def test_a_file_too_large_is_a_400_on_its_field_too(upload_world, url, settings):
    settings.MAESTRO_UPLOAD_MAX_BYTES = 10
    r = _post(upload_world, url, {"file": _file(GOOD[url])})
    assert r.status_code == 400, r.content
    assert "The file is too large" in r.json()["file"][0]
    assert ImportJob.objects.count() == 0


@pytest.mark.parametrize("url", UPLOADS)
def test_a_named_format_takes_any_file_name(upload_world, url):
    r = _post(upload_world, url, {"file": _file(GOOD[url], "export.txt"), "format": "csv"})
    assert r.status_code == 202, r.content
    assert ImportJob.objects.get(pk=r.json()["id"]).file_format == "csv"


@pytest.mark.parametrize("url", UPLOADS)
@pytest.mark.parametrize(
    ("content", "error"),
    [
        (BAD_ROWS, "line 3: "),
        ({url: b"\xff\xfe\x00bin\n" for url in UPLOADS}, "not UTF-8"),
        ({url: GOOD[url].split(b"\n")[0] + b"\n" for url in UPLOADS}, "header but no rows"),
    ],
    ids=["bad rows", "not utf-8", "header only"],
)
def test_content_errors_are_the_jobs_to_report(upload_world, url, content, error):
    r = _post(upload_world, url, {"file": _file(content[url])})
    assert r.status_code == 202, r.content
    services.import_job_run(job_id=r.json()["id"])
    job = client_for(upload_world.consultant).get(r.json()["status_url"]).json()
    assert job["status"] == "failed"
    assert any(error in line for line in job["errors"]), job["errors"]
    assert EvaluationCase.objects.filter(case_ref="T-9").count() == 0


def test_the_page_refuses_the_same_requests_on_the_file_field(client, upload_world):
    client.force_login(upload_world.consultant)
    r = client.post(
        f"/datasets/{upload_world.dataset.pk}/",
        {"form": "cases", "file": _file(b"a,b\n", "cases.xlsx")},
    )
    assert r.status_code == 400
    assert "is not a file Maestro imports" in r.content.decode()
    assert ImportJob.objects.count() == 0


def test_the_schema_says_which_problem_is_reported_where():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "*Uploads*" in schema["info"]["description"]
    for path in ("/api/datasets/{dataset_id}/import/", "/api/rounds/{round_id}/outputs/import/"):
        refused = schema["paths"][path]["post"]["responses"]["400"]["description"]
        assert "at once" in refused and "reported by the job" in refused, path
