"""Training API: tenant isolation on every endpoint, the import job flow, field-level 400s and
constant query counts on lists."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from maestro.training import services
from maestro.training.models import (
    AgentOutput,
    EvaluationCase,
    EvaluationDataset,
    FailureReview,
    GateCriteria,
    ImportJob,
    TrainingRound,
)
from tests.conftest import client_for
from tests.harness.isolation import OUTSIDERS, assert_hidden
from tests.mapping.factories import ProcessFactory
from tests.training.factories import CaseFactory, DatasetFactory, RoundFactory

CASES_CSV = b"case_ref,correct_outcome,category\nT-1,it,access\nT-2,hr,people\nT-3,it,access\n"
ONE_OUTPUT = b"case_ref,predicted_outcome,confidence\nK1,it,0.8\n"
OUTPUTS_CSV = b"case_ref,predicted_outcome,confidence\nT-1,it,0.9\nT-2,it,0.6\n"


@pytest.fixture
def trained(world):
    world.process = ProcessFactory(engagement=world.engagement_a)
    world.dataset = DatasetFactory(process=world.process)
    world.case = CaseFactory(dataset=world.dataset, case_ref="K1", correct_outcome="it")
    world.round = RoundFactory(dataset=world.dataset, number=1)
    world.round2 = RoundFactory(dataset=world.dataset, number=2)
    AgentOutput.objects.create(
        round=world.round, case=world.case, predicted_outcome="hr", confidence=0.7
    )
    world.job = ImportJob.objects.create(dataset=world.dataset, kind="cases", status="succeeded")
    return world


def _upload(content=CASES_CSV, name="cases.csv"):
    return {"file": SimpleUploadedFile(name, content, content_type="text/csv")}


# (method, url template, body factory)
ENDPOINTS = [
    ("get", "/api/datasets/{dataset}/", None),
    ("post", "/api/processes/{process}/datasets/", lambda: {"name": "New set"}),
    ("post", "/api/datasets/{dataset}/import/", _upload),
    ("get", "/api/import-jobs/{job}/", None),
    ("post", "/api/datasets/{dataset}/rounds/", lambda: {"date": "2026-02-01"}),
    ("get", "/api/rounds/{round}/", None),
    ("post", "/api/rounds/{round}/outputs/import/", lambda: _upload(ONE_OUTPUT)),
    ("get", "/api/rounds/{round}/metrics/", None),
    ("get", "/api/rounds/{round}/failures/", None),
    ("put", "/api/rounds/{round}/failures/{case}/review/", lambda: {"cause": "missing_context"}),
    ("get", "/api/rounds/{round2}/compare/{round}/", None),
    ("get", "/api/engagements/{engagement}/training-criteria/", None),
    ("put", "/api/engagements/{engagement}/training-criteria/", lambda: {"max_critical_misses": 1}),
]  # fmt: skip
LISTS = ["/api/datasets/", "/api/rounds/"]


def _url(w, template):
    return template.format(
        dataset=w.dataset.pk,
        process=w.process.pk,
        job=w.job.pk,
        round=w.round.pk,
        round2=w.round2.pk,
        case=w.case.pk,
        engagement=w.engagement_a.pk,
    )


def _call(api, w, method, template, body):
    url = _url(w, template)
    if body is None:
        return getattr(api, method)(url)
    data = body()
    fmt = "multipart" if "file" in data else "json"
    return getattr(api, method)(url, data, format=fmt)


def _counts():
    models = (EvaluationDataset, EvaluationCase, TrainingRound, AgentOutput, FailureReview)
    return [m.objects.count() for m in (*models, GateCriteria, ImportJob)]


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize("method,template,body", ENDPOINTS)
def test_another_tenant_gets_404_everywhere(trained, who, method, template, body):
    url = _url(trained, template)
    api = client_for(getattr(trained, who))
    if body is None:
        assert_hidden(api, [(method, url)], unchanged=_counts)
    else:
        data = body()
        fmt = "multipart" if "file" in data else "json"
        assert_hidden(api, [(method, url, data)], unchanged=_counts, format=fmt)


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize("url", LISTS)
def test_another_tenant_lists_nothing(trained, who, url):
    assert client_for(getattr(trained, who)).get(url).json()["count"] == 0


@pytest.mark.parametrize("who", ["operator_a", "sponsor_a"])
@pytest.mark.parametrize("method,template,body", ENDPOINTS)
def test_client_side_users_read_but_never_write(trained, who, method, template, body):
    before = _counts()
    r = _call(client_for(getattr(trained, who)), trained, method, template, body)
    if method == "get":
        assert r.status_code == 200, r.content
    else:
        assert r.status_code == 403, r.content
        assert r.json()["code"] == "not_consultant"
    assert _counts() == before


@pytest.mark.parametrize("method,template,body", ENDPOINTS)
def test_the_consultant_may_do_everything(trained, method, template, body):
    before = _rows()
    r = _call(client_for(trained.consultant), trained, method, template, body)
    assert r.status_code in (200, 201, 202), r.content
    if method == "get":
        assert _rows() == before
    else:
        assert _rows() != before  # the write was saved
    if method == "put" and template.endswith("/review/"):
        review = FailureReview.objects.get(round=trained.round, case=trained.case)
        assert review.cause == "missing_context"
    elif method == "put":
        assert GateCriteria.objects.get(engagement=trained.engagement_a).max_critical_misses == 1


def _rows():
    models = (EvaluationDataset, EvaluationCase, TrainingRound, AgentOutput, FailureReview)
    return [list(m.objects.order_by("pk").values()) for m in (*models, GateCriteria, ImportJob)]


@pytest.mark.parametrize("url", LISTS)
def test_lists_are_scoped(trained, url):
    assert client_for(trained.operator_a).get(url).json()["count"] >= 1
    assert client_for(trained.staff).get(url).json()["count"] >= 1


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize("url", LISTS)
def test_list_query_counts_are_constant(world, rows, url, django_assert_num_queries):
    process = ProcessFactory(engagement=world.engagement_a)
    for _ in range(rows):
        dataset = DatasetFactory(process=process)
        CaseFactory(dataset=dataset)
        RoundFactory(dataset=dataset)
    api = client_for(world.consultant)
    with django_assert_num_queries(2):  # count, page
        r = api.get(url + "?page_size=500")
    assert r.status_code == 200
    assert r.json()["count"] >= rows


@pytest.mark.parametrize("rows", [5, 50])
def test_failure_list_query_count_is_constant(trained, rows, django_assert_num_queries):
    for _ in range(rows):
        CaseFactory(dataset=trained.dataset)
    api = client_for(trained.consultant)
    with django_assert_num_queries(4):  # round, members, count, page
        r = api.get(f"/api/rounds/{trained.round.pk}/failures/?page_size=500")
    assert r.json()["count"] == rows + 1


def test_filters(trained):
    api = client_for(trained.consultant)
    other = DatasetFactory(process=ProcessFactory(engagement=trained.engagement_a))
    RoundFactory(dataset=other)
    assert api.get(f"/api/datasets/?process={trained.process.pk}").json()["count"] == 1
    assert api.get(f"/api/rounds/?dataset={trained.dataset.pk}").json()["count"] == 2
    assert api.get(f"/api/rounds/?engagement={trained.engagement_a.pk}").json()["count"] == 3
    assert api.get("/api/rounds/?dataset=99999999999999999999").status_code == 400


def test_upload_runs_as_a_job_and_reports_progress(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    dataset = DatasetFactory(process=ProcessFactory(engagement=world.engagement_a))
    sent = []
    monkeypatch.setattr(
        "maestro.training.tasks.import_job_run_task.delay", lambda job_id: sent.append(job_id)
    )
    api = client_for(world.consultant)
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(f"/api/datasets/{dataset.pk}/import/", _upload(), format="multipart")
    assert r.status_code == 202, r.content
    job = r.json()
    assert (job["status"], job["rows_total"], job["kind"]) == ("pending", 3, "cases")
    assert sent == [job["id"]]

    services.import_job_run(job_id=job["id"])
    services.import_job_run(job_id=job["id"])  # a redelivered task changes nothing
    done = api.get(f"/api/import-jobs/{job['id']}/").json()
    assert (done["status"], done["rows_written"], done["errors"]) == ("succeeded", 3, [])
    assert EvaluationCase.objects.filter(dataset=dataset).count() == 3

    training_round = api.post(f"/api/datasets/{dataset.pk}/rounds/", {"date": "2026-03-01"}).json()
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(
            f"/api/rounds/{training_round['id']}/outputs/import/",
            _upload(OUTPUTS_CSV, "outputs.csv"),
            format="multipart",
        )
    services.import_job_run(job_id=r.json()["id"])
    metrics = api.get(f"/api/rounds/{training_round['id']}/metrics/").json()
    assert (metrics["correct"], metrics["total"], metrics["accuracy"]) == (1, 3, "0.3333")
    assert [p["threshold"] for p in metrics["threshold_sweep"]][:2] == ["0.5000", "0.5500"]
    failures = api.get(f"/api/rounds/{training_round['id']}/failures/").json()["results"]
    assert [(f["case_ref"], f["predicted"]) for f in failures] == [("T-2", "it"), ("T-3", None)]


def test_a_refused_file_leaves_the_error_report_on_the_job(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    dataset = DatasetFactory(process=ProcessFactory(engagement=world.engagement_a))
    monkeypatch.setattr("maestro.training.tasks.import_job_run_task.delay", lambda job_id: None)
    api = client_for(world.consultant)
    bad = b"case_ref,correct_outcome,category,amount\nA,x,c,1\nB,x,c,abc\n"
    with django_capture_on_commit_callbacks(execute=True):
        job = api.post(
            f"/api/datasets/{dataset.pk}/import/", _upload(bad), format="multipart"
        ).json()
    services.import_job_run(job_id=job["id"])
    failed = api.get(f"/api/import-jobs/{job['id']}/").json()
    assert failed["status"] == "failed"
    assert failed["errors"] == ["line 3: amount: 'abc' is not a number"]
    assert EvaluationCase.objects.count() == 0


CRITERIA = "/api/engagements/{engagement}/training-criteria/"
BAD_INPUT = [
    ("post", "/api/datasets/{dataset}/rounds/", {"date": "soon"}, "date"),
    ("post", "/api/datasets/{dataset}/rounds/", {"date": "2026-01-01", "x": 1}, "x"),
    ("post", "/api/processes/{process}/datasets/", {}, "name"),
    ("put", CRITERIA, {"category_minimums": {"a": 101}}, "category_minimums"),
    ("put", CRITERIA, {"max_critical_misses": -1}, "max_critical_misses"),
    ("put", CRITERIA, {"critical_categories": "compliance"}, "critical_categories"),
]


@pytest.mark.parametrize("method,url,body,field", BAD_INPUT)
def test_field_level_400s(trained, method, url, body, field):
    before = _counts()
    r = getattr(client_for(trained.consultant), method)(_url(trained, url), body, format="json")
    assert r.status_code == 400, r.content
    assert field in r.json()
    assert _counts() == before


def test_upload_without_a_file_or_with_a_bad_format_is_a_400(trained):
    api = client_for(trained.consultant)
    url = f"/api/datasets/{trained.dataset.pk}/import/"
    assert "file" in api.post(url, {}, format="multipart").json()
    r = api.post(url, {**_upload(), "format": "xlsx"}, format="multipart")
    assert r.status_code == 400 and "format" in r.json()


def test_failure_review_of_a_right_case_is_a_400_and_compare_needs_one_dataset(trained):
    api = client_for(trained.consultant)
    right = CaseFactory(dataset=trained.dataset, correct_outcome="it")
    AgentOutput.objects.create(
        round=trained.round, case=right, predicted_outcome="it", confidence=1
    )
    r = api.put(f"/api/rounds/{trained.round.pk}/failures/{right.pk}/review/", {"cause": "other"})
    assert r.status_code == 400 and "case" in r.json()
    foreign = RoundFactory(dataset=DatasetFactory(process=trained.process))
    r = api.get(f"/api/rounds/{trained.round.pk}/compare/{foreign.pk}/")
    assert r.status_code == 400 and r.json()["code"] == "different_datasets"


def test_rounds_number_themselves(trained):
    api = client_for(trained.consultant)
    r = api.post(f"/api/datasets/{trained.dataset.pk}/rounds/", {"date": "2026-02-01"})
    assert r.json()["number"] == 3
    assert TrainingRound.objects.get(pk=r.json()["id"]).date == datetime.date(2026, 2, 1)
