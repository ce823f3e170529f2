import pytest

from runbooks.models import PlaybookVersion
from runbooks.playbooks import playbook_version_create
from tests.conftest import client_for
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
    assert outsider.get(url(process)).status_code == 404
    assert outsider.get(url(process, "versions/")).status_code == 404
    assert outsider.get(url(process, "versions/1/")).status_code == 404
    r = outsider.post(url(process, "versions/"), BODY, format="json")
    assert r.status_code == 404
    r = outsider.post(url(process, "dry-run/"), {"training_round": 1}, format="json")
    assert r.status_code == 404
    assert client_for(world.operator_b).get(url(process)).status_code == 404
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


def test_dry_run(world, process):
    dataset = DatasetFactory(process=process)
    rnd = RoundFactory(dataset=dataset)
    CaseFactory(dataset=dataset, category="compliance")
    CaseFactory(dataset=dataset)
    other_round = RoundFactory(dataset=DatasetFactory(process=ProcessFactory()))
    api = client_for(world.operator_a)

    r = api.post(url(process, "dry-run/"), {"training_round": rnd.pk}, format="json")
    assert r.status_code == 400
    assert r.json()["code"] == "no_playbook"

    playbook_version_create(process=process, by=world.consultant, **BODY)
    r = api.post(url(process, "dry-run/"), {"training_round": rnd.pk}, format="json")
    assert r.status_code == 200
    body = r.json()
    # No outputs in this round: both cases go to a human for lack of an answer.
    assert (body["cases"], body["human"], body["auto"], body["human_share"]) == (2, 2, 0, 100.0)
    assert body["auto_accuracy"] is None
    assert body["reasons"] == [
        {"code": "no_output", "label": "No agent output", "count": 2, "share": 100.0}
    ]

    r = api.post(url(process, "dry-run/"), {"training_round": other_round.pk}, format="json")
    assert r.status_code == 400
    assert r.json()["training_round"] == ["Not a training round of this process."]
    r = api.post(url(process, "dry-run/"), {"training_round": rnd.pk, "version": 7}, format="json")
    assert r.status_code == 400
    assert r.json()["version"] == ["This playbook has no such version."]
