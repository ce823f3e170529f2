"""Every 202 Accepted carries a `Location` header and a `status_url` field naming the job's
status endpoint (README, "API conventions"), and the schema says so."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.generators import SchemaGenerator

from handoff.models import HandoffDocument
from maestro.playbooks.models import DryRunJob
from maestro.playbooks.services import playbook_version_create
from maestro.training.models import ImportJob
from maestro.webhooks.models import WebhookDelivery
from tests.conftest import client_for
from tests.harness.isolation import OUTSIDERS, assert_hidden
from tests.mapping.factories import ProcessFactory
from tests.training.factories import CaseFactory, DatasetFactory, RoundFactory
from tests.webhooks.conftest import make_endpoint

pytestmark = pytest.mark.django_db

CASES = b"case_ref,correct_outcome,category\nT-1,it,access\n"
OUTPUTS = b"case_ref,predicted_outcome,confidence\nT-1,it,0.9\n"


@pytest.fixture
def jobs(world):
    world.process = ProcessFactory(engagement=world.engagement_a)
    world.dataset = DatasetFactory(process=world.process)
    CaseFactory(dataset=world.dataset, case_ref="T-1")
    world.round = RoundFactory(dataset=world.dataset, number=1)
    playbook_version_create(
        process=world.process,
        by=world.consultant,
        default_threshold="0.80",
        rules=[{"kind": "confidence_below"}],
        sla_minutes=60,
        escalation_chain=[],
    )
    world.endpoint = make_endpoint(world.engagement_a, "https://hooks.example.com/m")
    return world


def _upload(content: bytes, name: str) -> dict:
    return {"file": SimpleUploadedFile(name, content, content_type="text/csv")}


# Each 202 operation: (name, url, request body, format, the model of the job it queues).
ACCEPTING = {
    "cases import": (
        "/api/datasets/{dataset}/import/",
        lambda: _upload(CASES, "cases.csv"),
        "multipart",
        ImportJob,
    ),
    "outputs import": (
        "/api/rounds/{round}/outputs/import/",
        lambda: _upload(OUTPUTS, "outputs.csv"),
        "multipart",
        ImportJob,
    ),
    "dry run": (
        "/api/processes/{process}/playbook/dry-run/",
        lambda: {"training_round": None},
        "json",
        DryRunJob,
    ),
    "webhook ping": ("/api/webhook-endpoints/{endpoint}/ping/", dict, "json", WebhookDelivery),
    "handoff PDF": (
        "/api/engagements/{engagement}/handoff-documents/",
        dict,
        "json",
        HandoffDocument,
    ),
}


def _path(template: str, world) -> str:
    return template.format(
        dataset=world.dataset.pk,
        round=world.round.pk,
        process=world.process.pk,
        endpoint=world.endpoint.pk,
        engagement=world.engagement_a.pk,
    )


@pytest.mark.parametrize("name", ACCEPTING)
def test_a_202_names_the_status_url_in_body_and_location(jobs, name):
    template, body, fmt, model = ACCEPTING[name]
    data = body()
    if "training_round" in data:
        data["training_round"] = jobs.round.pk
    api = client_for(jobs.consultant)

    r = api.post(_path(template, jobs), data, format=fmt)

    assert r.status_code == 202, r.content
    job = r.json()
    assert job["status_url"].startswith("http://testserver/api/")
    assert r["Location"] == job["status_url"]
    assert model.objects.filter(pk=job["id"]).exists()
    polled = api.get(job["status_url"])
    assert polled.status_code == 200
    assert (polled.json()["id"], polled.json()["status_url"]) == (job["id"], job["status_url"])


def test_a_webhook_delivery_is_readable_by_the_engagement_and_hidden_from_others(jobs):
    api = client_for(jobs.consultant)
    delivery = api.post(f"/api/webhook-endpoints/{jobs.endpoint.pk}/ping/").json()
    answer = client_for(jobs.sponsor_a).get(delivery["status_url"])
    assert answer.status_code == 200
    assert (answer.json()["event"], answer.json()["status"]) == ("ping", "pending")
    for who in OUTSIDERS:
        assert_hidden(client_for(getattr(jobs, who)), [("get", delivery["status_url"])])


def test_the_schema_documents_location_and_status_url_on_every_202():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    accepted = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            answer = operation.get("responses", {}).get("202")
            if answer is None:
                continue
            accepted.append(f"{method.upper()} {path}")
            assert answer["headers"]["Location"]["required"] is True, path
            ref = answer["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
            assert components[ref]["properties"]["status_url"]["format"] == "uri", path
    # At least the four of ACCEPTING (a new 202 is checked above, and belongs in ACCEPTING).
    assert {
        "POST /api/datasets/{dataset_id}/import/",
        "POST /api/rounds/{round_id}/outputs/import/",
        "POST /api/processes/{process_id}/playbook/dry-run/",
        "POST /api/webhook-endpoints/{endpoint_id}/ping/",
        "POST /api/engagements/{engagement_id}/handoff-documents/",
    } <= set(accepted)


def test_the_schema_description_states_the_convention():
    info = SchemaGenerator().get_schema(request=None, public=True)["info"]["description"]
    assert "*202 Accepted*" in info and "`Location` header" in info
