"""The consultant starts a training round in a real browser: the outputs file is imported by a
real Celery worker, the page follows the job, and the accuracy chart shows the new round."""

import datetime

import pytest
from celery.contrib.testing.worker import start_worker
from playwright.sync_api import Page, expect

from maestro.demo.seed import demo_seed
from maestro.engagements.models import Engagement
from maestro.mapping.models import Process
from maestro.tenancy.models import User
from maestro.training import services
from tests.browser.test_journey import ENGAGEMENT, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]


def _seed(tmp_path):
    demo_seed()
    engagement = Engagement.objects.get(name=ENGAGEMENT)
    maria = User.objects.get(username="maria")
    process = Process.objects.filter(engagement=engagement).order_by("pk").first()
    dataset = services.dataset_create(process=process, name="Journey tickets", by=maria)
    cases = tmp_path / "cases.csv"
    cases.write_text(
        "case_ref,correct_outcome,category\n"
        + "".join(f"J-{i},{'it' if i % 2 else 'hr'},access\n" for i in range(10))
    )
    services.dataset_import_cases(dataset=dataset, path=str(cases), fmt="csv", by=maria)
    first = services.round_create(
        dataset=dataset, round_date=datetime.date(2026, 1, 1), what_changed="", by=maria
    )
    outputs = tmp_path / "r1.csv"
    outputs.write_text(
        "case_ref,predicted_outcome,confidence\n"
        + "".join(f"J-{i},it,0.8\n" for i in range(10))  # half right: 50%
    )
    services.round_import_outputs(training_round=first, path=str(outputs), fmt="csv", by=maria)
    return engagement, dataset


def test_consultant_imports_outputs_and_sees_the_accuracy_chart(
    live_server, page: Page, tmp_path, celery_test_app
):
    engagement, dataset = _seed(tmp_path)
    round_two = tmp_path / "round-2.csv"
    round_two.write_text(
        "case_ref,predicted_outcome,confidence\n"
        + "".join(f"J-{i},{'it' if i % 2 or i < 6 else 'hr'},0.9\n" for i in range(10))
    )  # J-0..J-5: it (J-0, J-2, J-4 wrong); J-6..J-9 right → 70%
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    with start_worker(celery_test_app, pool="solo", perform_ping_check=False, shutdown_timeout=15):
        page.goto(live_server.url + "/login/")
        log_in(page, "maria")
        page.goto(f"{live_server.url}/engagements/{engagement.pk}/training/")
        page.get_by_role("link", name="Journey tickets").click()
        expect(page.locator("#accuracy-chart svg")).to_contain_text("50%")

        form = page.locator("form", has=page.get_by_role("button", name="Start round"))
        form.get_by_label("Date").fill("2026-02-01")
        form.get_by_label("What changed").fill("Added three examples of VPN tickets")
        form.get_by_label("Agent outputs").set_input_files(str(round_two))
        form.get_by_role("button", name="Start round and import outputs").click()

        expect(page.locator(".job-status")).to_have_attribute(
            "data-status", "succeeded", timeout=30_000
        )
        expect(page.get_by_role("status")).to_have_text("Imported 10 rows.")
        page.get_by_role("link", name="Continue").click()
        expect(page.locator("#round-accuracy")).to_have_text("70.0%")

    page.get_by_role("link", name="Journey tickets").click()
    chart = page.locator("#accuracy-chart svg")
    expect(chart.locator("g.point")).to_have_count(2)
    expect(chart).to_contain_text("50%")
    expect(chart).to_contain_text("70%")
    assert errors == []
