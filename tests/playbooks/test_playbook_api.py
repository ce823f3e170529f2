import pytest

from maestro.playbooks.models import DryRunJob, PlaybookVersion
from maestro.playbooks.services import dry_run_job_run, dry_runs, playbook_version_create
from tests.conftest import client_for
from tests.harness.isolation import assert_hidden, outsiders
from tests.mapping.factories import ProcessFactory
from tests.training.factories import CaseFactory, DatasetFactory, RoundFactory

pytestmark = pytest.mark.django_db

BODY = {
    "default_threshold": "0.80",
    "rules": [
        {"kind": "confidence_below"},
        {"kind": "category_in", "categories": ["compliance"]},
        {"kind": "amount_above", "amount": "50000", "currency": "USD"},
    ],
    "sla_minutes": 120,
    "escalation_chain": [],
    "message": "First version",
}


@pytest.fixture
def process(world):
    return ProcessFactory(engagement=world.engagement_a, name="Procurement approval")


def url(process, tail=""):
    return f"/api/processes/{process.pk}/playbook/{tail}"


def test_consultant_saves_versions_and_everyone_on_the_engagement_reads_them(world, process):
    consultant = client_for(world.consultant)
    r = consultant.get(url(process))
    assert r.status_code == 200
    assert r.json() == {"process": process.pk, "versions": 0, "current": None}

    r = consultant.post(
        url(process, "versions/"),
        {**BODY, "escalation_chain": [world.operator_a.pk]},
        format="json",
    )
    assert r.status_code == 201, r.json()
    created = r.json()
    assert created["number"] == 1
    assert created["rules"][2] == {"kind": "amount_above", "amount": "50000.00", "currency": "USD"}
    assert created["document"]["rules"][2].startswith("Amounts above $50,000.00 always go")
    assert created["document"]["sla"] == "A human has 2 hours to resolve an escalated decision."

    r = consultant.post(
        url(process, "versions/"), {**BODY, "rules": [], "base_version": 1}, format="json"
    )
    assert r.status_code == 201 and r.json()["number"] == 2

    for user in (world.operator_a, world.sponsor_a, world.consultant):
        api = client_for(user)
        current = api.get(url(process)).json()
        assert current["versions"] == 2 and current["current"]["number"] == 2
        listed = api.get(url(process, "versions/")).json()["results"]
        assert [v["number"] for v in listed] == [2, 1]
        old = api.get(url(process, "versions/1/"))
        assert old.status_code == 200 and len(old.json()["rules"]) == 3
    assert consultant.get(url(process, "versions/3/")).status_code == 404


def test_operator_and_sponsor_cannot_save(world, process):
    for user in (world.operator_a, world.sponsor_a):
        r = client_for(user).post(url(process, "versions/"), BODY, format="json")
        assert r.status_code == 403
        assert r.json()["code"] == "not_consultant"
    assert not PlaybookVersion.objects.exists()


def test_another_tenants_process_is_404_everywhere(world, process):
    outsider = client_for(world.consultant_b)
    requests = [
        ("get", url(process)),
        ("get", url(process, "versions/")),
        ("get", url(process, "versions/1/")),
        ("post", url(process, "versions/"), BODY),
        ("post", url(process, "dry-run/"), {"training_round": 1}),
    ]
    assert_hidden(outsider, requests, format="json")
    assert not DryRunJob.objects.exists()
    assert_hidden(client_for(world.operator_b), [("get", url(process))])
    assert not PlaybookVersion.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"rules": [{"kind": "maybe"}]}, "rules", "Rule 1 (maybe): 'kind' must be one of"),
        (
            {"rules": [{"kind": "amount_above", "amount": "x", "currency": "USD"}]},
            "rules",
            "Rule 1 (amount_above): 'amount' must be a number",
        ),
        ({"default_threshold": "1.5"}, "default_threshold", "less than or equal to 1"),
        ({"sla_minutes": 0}, "sla_minutes", "greater than or equal to 1"),
        ({"escalation_chain": [999999]}, "escalation_chain", "are not operators or consultants"),
        ({"colour": "red"}, "colour", "Unknown field"),
    ],
)
def test_bad_input_is_400_with_field_messages(world, process, change, field, fragment):
    r = client_for(world.consultant).post(
        url(process, "versions/"), {**BODY, **change}, format="json"
    )
    assert r.status_code == 400
    assert fragment in str(r.json()[field]), r.json()


def test_stale_base_version_is_409(world, process):
    api = client_for(world.consultant)
    api.post(url(process, "versions/"), BODY, format="json")
    api.post(url(process, "versions/"), {**BODY, "base_version": 1}, format="json")
    r = api.post(url(process, "versions/"), {**BODY, "base_version": 1}, format="json")
    assert r.status_code == 409
    assert r.json()["code"] == "version_conflict"


def test_dry_run_is_a_job_answered_202_then_polled_until_its_result(world, process):
    dataset = DatasetFactory(process=process)
    rnd = RoundFactory(dataset=dataset)
    CaseFactory(dataset=dataset, category="compliance")
    CaseFactory(dataset=dataset)
    other_round = RoundFactory(dataset=DatasetFactory(process=ProcessFactory()))
    api = client_for(world.operator_a)

    r = api.post(url(process, "dry-run/"), {"training_round": rnd.pk}, format="json")
    assert r.status_code == 400
    assert r.json()["code"] == "no_playbook"
    assert not DryRunJob.objects.exists()

    playbook_version_create(process=process, by=world.consultant, **BODY)
    r = api.post(url(process, "dry-run/"), {"training_round": rnd.pk}, format="json")
    assert r.status_code == 202
    job = r.json()
    status_url = f"http://testserver{url(process, f'dry-runs/{job["id"]}/')}"
    assert r["Location"] == job["status_url"] == status_url
    assert {k: job[k] for k in ("process", "version", "training_round", "status")} == {
        "process": process.pk,
        "version": 1,
        "training_round": rnd.pk,
        "status": "queued",
    }
    assert (job["cases_done"], job["cases_total"], job["result"], job["error"]) == (0, 2, None, "")

    dry_run_job_run(job_id=job["id"])
    r = api.get(status_url)
    assert r.status_code == 200
    body = r.json()
    assert (body["status"], body["status_display"], body["cases_done"]) == ("done", "Done", 2)
    result = body["result"]
    # No outputs in this round: both cases go to a human for lack of an answer.
    assert (result["cases"], result["human"], result["auto"], result["human_share"]) == (
        2,
        2,
        0,
        "1.0000",
    )
    assert result["auto_accuracy"] is None and result["version_number"] == 1
    assert result["reasons"] == [
        {"code": "no_output", "label": "No agent output", "count": 2, "share": "1.0000"}
    ]

    r = api.post(url(process, "dry-run/"), {"training_round": other_round.pk}, format="json")
    assert r.status_code == 400
    assert r.json()["training_round"] == ["Not a training round of this process."]
    r = api.post(url(process, "dry-run/"), {"training_round": rnd.pk, "version": 7}, format="json")
    assert r.status_code == 400
    assert r.json()["version"] == ["This playbook has no such version."]


def test_dry_run_status_shows_progress_mid_run(world, process, monkeypatch):
    dataset = DatasetFactory(process=process)
    rnd = RoundFactory(dataset=dataset)
    CaseFactory.create_batch(5, dataset=dataset)
    playbook_version_create(process=process, by=world.consultant, **BODY)
    # The operator starts it; the sponsor, who only reads, follows its progress.
    started = client_for(world.operator_a)
    job = started.post(url(process, "dry-run/"), {"training_round": rnd.pk}, format="json").json()
    api = client_for(world.sponsor_a)
    seen = []
    real = dry_runs.playbook_dry_run

    def spy(**kwargs):
        def progress(cases):
            kwargs["progress"](cases)
            body = api.get(job["status_url"]).json()
            seen.append((body["status"], body["cases_done"], body["cases_total"], body["result"]))

        return real(**{**kwargs, "progress": progress})

    monkeypatch.setattr(dry_runs, "playbook_dry_run", spy)
    dry_run_job_run(job_id=job["id"], progress_every=2)
    assert seen == [("running", 2, 5, None), ("running", 4, 5, None)]


def test_another_tenants_dry_run_job_is_404(world, process):
    dataset = DatasetFactory(process=process)
    rnd = RoundFactory(dataset=dataset)
    CaseFactory(dataset=dataset)
    playbook_version_create(process=process, by=world.consultant, **BODY)
    r = client_for(world.operator_a).post(
        url(process, "dry-run/"), {"training_round": rnd.pk}, format="json"
    )
    job_id = r.json()["id"]
    own = ProcessFactory(engagement=world.engagement_b)
    for user in outsiders(world):
        # Their own process's URL does not reach another process's job either.
        requests = [
            ("get", url(process, f"dry-runs/{job_id}/")),
            ("get", url(own, f"dry-runs/{job_id}/")),
        ]
        assert_hidden(client_for(user), requests)
    assert client_for(world.sponsor_a).get(url(process, f"dry-runs/{job_id}/")).status_code == 200
