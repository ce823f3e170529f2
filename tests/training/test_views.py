"""Training pages: scoping, uploads that start a job, charts and the failure tagging form."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from maestro.training import services
from maestro.training.models import FailureReview, GateCriteria, ImportJob
from tests.harness.isolation import assert_hidden
from tests.mapping.factories import ProcessFactory
from tests.training.factories import CaseFactory, DatasetFactory, RoundFactory


@pytest.fixture
def trained(world, tmp_path):
    world.process = ProcessFactory(engagement=world.engagement_a, name="Ticket routing")
    world.dataset = DatasetFactory(process=world.process, name="Tickets 2025")
    world.cases = [
        CaseFactory(dataset=world.dataset, case_ref=f"T-{i}", correct_outcome=o, category=c)
        for i, (o, c) in enumerate([("it", "access"), ("hr", "people"), ("it", "access")])
    ]
    world.round = services.round_create(
        dataset=world.dataset,
        round_date=datetime.date(2026, 1, 1),
        what_changed="first",
        by=world.consultant,
    )
    path = tmp_path / "out.csv"
    path.write_text("case_ref,predicted_outcome,confidence\nT-0,it,0.9\nT-1,it,0.6\n")
    services.round_import_outputs(
        training_round=world.round, path=str(path), fmt="csv", by=world.consultant
    )
    return world


def _pages(w):
    return [
        f"/engagements/{w.engagement_a.pk}/training/",
        f"/datasets/{w.dataset.pk}/",
        f"/rounds/{w.round.pk}/",
    ]


def test_pages_render_for_the_team_and_client_and_404_for_others(client, trained):
    job = ImportJob.objects.create(dataset=trained.dataset, kind="cases", status="failed",
                                   errors=["line 3: amount: 'x' is not a number"])  # fmt: skip
    pages = [*_pages(trained), f"/import-jobs/{job.pk}/"]
    for user in (trained.consultant, trained.operator_a):
        client.force_login(user)
        for url in pages:
            assert client.get(url).status_code == 200, url
    client.force_login(trained.operator_b)
    assert_hidden(client, [("get", url) for url in pages])


def test_round_page_shows_metrics_charts_heat_map_and_failures(client, trained):
    client.force_login(trained.consultant)
    html = client.get(f"/rounds/{trained.round.pk}/").content.decode()
    assert 'id="round-accuracy">33.3%' in html  # one decimal, as every page
    assert 'class="chart category-chart"' in html and 'class="chart sweep-chart"' in html
    assert 'aria-label="Confusion matrix"' in html and "heat heat-10" in html
    assert "T-1" in html and "(no output)" in html


def test_dataset_page_shows_the_accuracy_chart(client, trained):
    client.force_login(trained.operator_a)
    html = client.get(f"/datasets/{trained.dataset.pk}/").content.decode()
    assert 'class="chart accuracy-chart"' in html and "33.33%" in html
    assert "Import cases" not in html  # read-only for the client side


def test_consultant_tags_a_failure_operator_cannot(client, trained):
    url = f"/rounds/{trained.round.pk}/"
    client.force_login(trained.operator_a)
    assert client.post(url, {"case": trained.cases[1].pk, "cause": "other"}).status_code == 403
    client.force_login(trained.consultant)
    r = client.post(url, {"case": trained.cases[1].pk, "cause": "wrong_example", "note": "x"})
    assert r.status_code == 302
    assert FailureReview.objects.get().cause == "wrong_example"
    r = client.post(url, {"case": trained.cases[0].pk, "cause": "other"})
    assert r.status_code == 400 and FailureReview.objects.count() == 1


def test_upload_on_the_dataset_page_starts_a_job(client, trained, monkeypatch):
    monkeypatch.setattr("maestro.training.tasks.import_job_run_task.delay", lambda job_id: None)
    client.force_login(trained.consultant)
    upload = SimpleUploadedFile("more.csv", b"case_ref,correct_outcome,category\nN-1,it,access\n")
    r = client.post(f"/datasets/{trained.dataset.pk}/", {"form": "cases", "file": upload})
    job = ImportJob.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/import-jobs/{job.pk}/"
    html = client.get(r["Location"]).content.decode()
    assert 'http-equiv="refresh"' in html and "0 of 1 rows" in html


def test_compare_page(client, trained):
    second = services.round_create(
        dataset=trained.dataset, round_date=datetime.date(2026, 2, 1), what_changed="",
        by=trained.consultant,
    )  # fmt: skip
    client.force_login(trained.consultant)
    html = client.get(f"/rounds/{second.pk}/compare/{trained.round.pk}/").content.decode()
    assert "Regressed (1)" in html and "T-0" in html


def test_consultant_creates_a_dataset_and_sets_gate_criteria_on_the_page(client, trained):
    url = f"/engagements/{trained.engagement_a.pk}/training/"
    client.force_login(trained.operator_a)
    assert (
        client.post(url, {"form": "criteria", "criteria-max_critical_misses": 0}).status_code == 403
    )
    client.force_login(trained.consultant)
    r = client.post(url, {"form": "dataset", "process": trained.process.pk, "name": "Second"})
    assert r.status_code == 302
    r = client.post(
        url,
        {
            "form": "criteria",
            "criteria-category_minimums": "billing = 90\npurchase over $10,000 = 95",
            "criteria-critical_categories": "compliance, security",
            "criteria-max_critical_misses": "0",
        },
    )
    assert r.status_code == 302
    criteria = GateCriteria.objects.get()
    assert criteria.category_minimums == {"billing": 90.0, "purchase over $10,000": 95.0}
    assert criteria.critical_categories == ["compliance", "security"]
    r = client.post(
        url,
        {"form": "criteria", "criteria-category_minimums": "billing 90",
         "criteria-max_critical_misses": "0"},
    )  # fmt: skip
    assert r.status_code == 400 and "Line 1" in r.content.decode()
    assert "“billing” at least 90.0%" in client.get(url).content.decode()


def test_engagement_page_shows_accuracy_across_rounds(client, trained):
    client.force_login(trained.sponsor_a)
    html = client.get(trained.engagement_a.get_absolute_url()).content.decode()
    assert 'class="chart accuracy-chart"' in html and "33.33%" in html
    client.force_login(trained.consultant)
    empty = client.get(trained.engagement_b.get_absolute_url())
    assert empty.status_code == 404


def test_engagement_page_query_count_does_not_grow_with_datasets(
    client, trained, django_assert_max_num_queries
):
    def charts(response) -> int:
        return response.content.decode().count('class="chart-figure engagement-accuracy"')

    def measure(count: int) -> int:
        while charts(client.get(url)) < count:
            dataset = DatasetFactory(process=trained.process)
            CaseFactory(dataset=dataset)
            RoundFactory(dataset=dataset, number=1)
            RoundFactory(dataset=dataset, number=2)
        # 18: the weekly trend (2) and the economics' measured weekly automation rates (1).
        # 20: and skill transfer's stance steps and plans (one query each when none).
        # 18: the page's parts share the processes and the weekly sums (maestro/lib/memo.py).
        with django_assert_max_num_queries(18) as queries:
            response = client.get(url)
        assert charts(response) == count
        return len(queries)

    url = trained.engagement_a.get_absolute_url()
    client.force_login(trained.consultant)
    assert measure(1) == measure(4)
