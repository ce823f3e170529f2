"""Playbook pages: the document and history, the rules editor, the dry run; who sees what."""

import pytest
from django.urls import reverse

from maestro.playbooks.models import DryRunJob, PlaybookVersion
from maestro.playbooks.services import dry_run_job_run, playbook_version_create
from maestro.training.models import AgentOutput
from tests.engagements.test_views import select, texts
from tests.harness.isolation import assert_hidden
from tests.mapping.factories import ProcessFactory
from tests.training.factories import CaseFactory, DatasetFactory, RoundFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def process(world):
    return ProcessFactory(engagement=world.engagement_a, name="Procurement approval")


def page(name, process):
    return reverse(f"playbooks:{name}", args=[process.pk])


def login(client, user):
    client.force_login(user)
    return client


def save(process, by, **overrides):
    fields = {
        "default_threshold": "0.80",
        "rules": [
            {"kind": "amount_above", "amount": "50000", "currency": "USD"},
            {"kind": "category_in", "categories": ["<script>x</script>"]},
        ],
        "sla_minutes": 240,
        "escalation_chain": [],
        "message": "v",
    }
    fields.update(overrides)
    return playbook_version_create(process=process, by=by, **fields)


def edit_post(**overrides):
    data = {
        "base_version": "0",
        "default_threshold": "0.85",
        "sla_minutes": "120",
        "message": "Procurement rules",
        "chain_1": "",
        "chain_2": "",
        "chain_3": "",
        "chain_4": "",
        "rules-TOTAL_FORMS": "3",
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "50",
        "rules-0-position": "2",
        "rules-0-kind": "new_counterparty",
        "rules-1-position": "1",
        "rules-1-kind": "amount_above",
        "rules-1-amount": "50,000",
        "rules-1-currency": "usd",
        "rules-2-kind": "",
    }
    data.update(overrides)
    return data


def test_process_page_links_to_the_playbook(client, world, process):
    login(client, world.sponsor_a)
    r = client.get(reverse("mapping:process", args=[process.pk]))
    assert page("detail", process).encode() in r.content


def test_engagement_page_links_to_playbooks(client, world, process):
    login(client, world.operator_a)
    r = client.get(reverse("engagements:detail", args=[world.engagement_a.pk]))
    assert page("detail", process).encode() in r.content


def test_document_is_escaped_and_old_versions_stay_readable(client, world, process):
    save(process, world.consultant)
    save(process, world.consultant, rules=[{"kind": "new_counterparty"}], message="Simpler")
    login(client, world.operator_a)

    r = client.get(page("detail", process))
    assert r.status_code == 200
    assert texts(r, ".playbook-rules li") == [
        "A counterparty never seen before for this process goes to a human."
    ]
    assert [t.split()[0] for t in texts(r, "tbody td[data-label=Version]")] == ["v2", "v1"]
    assert not select(r, f"a[href='{page('edit', process)}']")

    r = client.get(page("detail", process) + "?version=1")
    rules = texts(r, ".playbook-rules li")
    assert rules[0].startswith("Amounts above $50,000.00 always go to a human")
    assert rules[1] == "Category '<script>x</script>' always goes to a human."
    assert b"<script>x</script>" not in r.content
    assert b"You are reading version 1" in r.content
    assert client.get(page("detail", process) + "?version=9").status_code == 404


def test_consultant_saves_a_version_from_the_rules_editor(client, world, process):
    login(client, world.consultant)
    r = client.get(page("edit", process))
    assert r.status_code == 200
    r = client.post(page("edit", process), edit_post(chain_1=str(world.operator_a.pk), chain_2=""))
    assert r.status_code == 302, r.content.decode()[:2000]
    version = PlaybookVersion.objects.get()
    # Ordered by the "Order" column, the empty row dropped, the amount normalised.
    assert version.rules == [
        {"kind": "amount_above", "amount": "50000.00", "currency": "USD"},
        {"kind": "new_counterparty"},
    ]
    assert str(version.default_threshold) == "0.85"
    assert version.escalation_chain == [world.operator_a.pk]

    # The editor starts from the current version.
    r = client.get(page("edit", process))
    assert select(r, "#id_rules-0-kind option[selected]")[0].get("value") == "amount_above"
    assert select(r, "#id_base_version")[0].get("value") == "1"


def test_editor_shows_rule_errors_and_conflicts_without_saving(client, world, process):
    login(client, world.consultant)
    r = client.post(page("edit", process), edit_post(**{"rules-1-currency": "dollars"}))
    assert r.status_code == 400
    assert "Rule row 2, Currency: Ensure this value has at most 3 characters" in " ".join(
        texts(r, ".error-summary li")
    )
    r = client.post(page("edit", process), edit_post(**{"rules-1-currency": "US"}))
    assert r.status_code == 400
    assert any("Rule 1 (amount_above)" in t for t in texts(r, ".error-summary li"))
    save(process, world.consultant)
    r = client.post(page("edit", process), edit_post(base_version="0"))
    assert r.status_code == 409
    assert any("Version 1 was saved while you were editing" in t for t in texts(r, "li"))
    assert select(r, "#id_base_version")[0].get("value") == "1"
    assert PlaybookVersion.objects.count() == 1


def test_only_consultants_open_the_editor_and_strangers_get_404(client, world, process):
    save(process, world.consultant)
    for user in (world.operator_a, world.sponsor_a):
        login(client, user)
        assert client.get(page("edit", process)).status_code == 403
        assert client.post(page("edit", process), edit_post()).status_code == 403
    login(client, world.consultant_b)
    names = ("detail", "edit", "dry-run")
    assert_hidden(client, [("get", page(name, process)) for name in names])
    assert PlaybookVersion.objects.count() == 1


def dry_run_setup(process, consultant):
    dataset = DatasetFactory(process=process, name="Q1 purchases")
    rnd = RoundFactory(dataset=dataset, number=1)
    right = CaseFactory(dataset=dataset, amount="10", currency="USD")
    big = CaseFactory(dataset=dataset, amount="90000", currency="USD")
    CaseFactory(dataset=dataset)  # no output
    for case in (right, big):
        AgentOutput.objects.create(round=rnd, case=case, predicted_outcome="approve", confidence=1)
    save(process, consultant)
    return rnd


def job_page(process, job):
    return reverse("playbooks:dry-run-job", args=[process.pk, job.pk])


def test_dry_run_page_queues_a_job_shows_its_progress_then_the_result(client, world, process):
    rnd = dry_run_setup(process, world.consultant)
    login(client, world.operator_a)  # sponsors only read (test_dry_run_permissions.py)

    r = client.get(page("dry-run", process), {"training_round": rnd.pk})
    assert r.status_code == 200 and not select(r, "#dry-run-jobs")
    assert select(r, "#id_training_round option[selected]")[0].get("value") == str(rnd.pk)
    r = client.post(page("dry-run", process), {"training_round": rnd.pk, "version": 1})
    job = DryRunJob.objects.get()
    assert r.status_code == 302 and r["Location"] == job_page(process, job)

    r = client.get(job_page(process, job))
    assert r.status_code == 200 and not select(r, "#dry-run-result")
    assert texts(r, ".job-status") == ["Queued"]
    assert texts(r, "#dry-run-progress p[aria-live]") == ["0 of 3 cases routed."]
    assert select(r, "#dry-run-progress progress")[0].get("value") == "0"
    assert select(r, "#dry-run-progress")[0].get("data-status-url") == (
        f"/api/processes/{process.pk}/playbook/dry-runs/{job.pk}/"
    )
    assert select(r, "script[src$='dry-run-progress.js']")
    assert select(r, "noscript meta[http-equiv=refresh]")

    DryRunJob.objects.filter(pk=job.pk).update(status="running", cases_done=2)
    r = client.get(job_page(process, job))
    assert texts(r, "#dry-run-progress p[aria-live]") == ["2 of 3 cases routed."]
    assert select(r, "#dry-run-progress progress")[0].get("value") == "66"
    DryRunJob.objects.filter(pk=job.pk).update(status="queued", cases_done=0)

    dry_run_job_run(job_id=job.pk)
    r = client.get(job_page(process, job))
    assert r.status_code == 200
    assert not select(r, "#dry-run-progress") and not select(r, "noscript meta")
    figures = {e.get("data-figure"): " ".join(e.itertext()) for e in select(r, "[data-figure]")}
    assert figures == {
        "cases": "3",
        "human": "2 (66.7%)",
        "auto": "1 (33.3%)",
        "auto-accuracy": "100.0% (1 of 1)",
    }
    assert texts(r, "#dry-run-result tbody tr > *") == [
        "Amount above the limit",
        "1",
        "33.3%",
        "No agent output",
        "1",
        "33.3%",
    ]
    assert select(r, "#dry-run-result svg title")

    r = client.get(page("dry-run", process))
    assert texts(r, "#dry-run-jobs tbody td:nth-child(4)") == ["Done"]
    other = RoundFactory(dataset=DatasetFactory(process=ProcessFactory()))
    r = client.post(page("dry-run", process), {"training_round": other.pk, "version": 1})
    assert r.status_code == 400
    assert "Select a valid choice" in " ".join(texts(r, ".errorlist li"))
    assert DryRunJob.objects.count() == 1


def test_failed_dry_run_shows_its_error(client, world, process, monkeypatch):
    rnd = dry_run_setup(process, world.consultant)
    login(client, world.operator_a)
    client.post(page("dry-run", process), {"training_round": rnd.pk, "version": 1})
    job = DryRunJob.objects.get()

    def crash(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("maestro.playbooks.services.dry_runs.playbook_dry_run", crash)
    with pytest.raises(RuntimeError):
        dry_run_job_run(job_id=job.pk)
    r = client.get(job_page(process, job))
    assert r.status_code == 200
    assert texts(r, ".job-status") == ["Failed"]
    assert texts(r, "#dry-run-error") == [
        "The dry run stopped on an unexpected error; run it again."
    ]
    assert not select(r, "#dry-run-result") and not select(r, "#dry-run-progress")


def test_another_tenants_dry_run_job_page_is_404(client, world, process):
    rnd = dry_run_setup(process, world.consultant)
    login(client, world.operator_a)
    client.post(page("dry-run", process), {"training_round": rnd.pk, "version": 1})
    job = DryRunJob.objects.get()
    login(client, world.consultant_b)
    own = ProcessFactory(engagement=world.engagement_b)
    url = reverse("playbooks:dry-run-job", args=[own.pk, job.pk])
    data = {"training_round": rnd.pk, "version": 1}
    requests = [
        ("get", job_page(process, job)),
        ("get", url),
        ("post", page("dry-run", process), data),
    ]
    assert_hidden(client, requests)
    assert DryRunJob.objects.count() == 1
