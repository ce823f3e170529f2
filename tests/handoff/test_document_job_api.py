"""The handoff PDF's API: list and read generations, ask for one (202 with its status URL),
download its file; scoped to those who see the engagement, 404 for anyone else."""

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from handoff.models import HandoffDocument
from handoff.tasks_documents import handoff_document_generate_task
from tests.handoff.test_document_job_pages import PDF, make
from tests.harness.isolation import OUTSIDERS, api_as, assert_hidden

pytestmark = pytest.mark.django_db


def list_url(engagement) -> str:
    return reverse("handoff-api:document-list", args=[engagement.pk])


def detail_url(document) -> str:
    return reverse("handoff-api:document", args=[document.pk])


def file_url(document) -> str:
    return reverse("handoff-api:document-download", args=[document.pk])


@pytest.fixture
def sent(monkeypatch):
    ids: list[int] = []
    monkeypatch.setattr(handoff_document_generate_task, "delay", ids.append)
    return ids


@pytest.mark.parametrize("who", ["consultant", "operator_a", "sponsor_a"])
def test_everyone_on_the_engagement_lists_its_generations_newest_first(world, who):
    engagement = world.engagement_a
    done = make(engagement, 1)
    running = make(engagement, 2, "running", sections_done=4, current_section="Training history")

    response = api_as(getattr(world, who)).get(list_url(engagement))

    assert response.status_code == 200
    body = response.json()
    assert [row["version"] for row in body["results"]] == [2, 1]
    first, second = body["results"]
    assert first["id"] == running.pk
    assert (first["status"], first["status_display"]) == ("running", "Running")
    assert (first["sections_done"], first["sections_total"]) == (4, 11)
    assert first["progress_percent"] == 36
    assert first["progress_display"] == "5 of 11: Training history"
    assert first["download_url"] is None
    assert first["status_url"] == f"http://testserver{detail_url(running)}"
    assert second["id"] == done.pk
    assert (second["sha256"], second["size_bytes"], second["page_count"]) == (
        done.sha256,
        len(PDF),
        12,
    )
    assert second["download_url"] == f"http://testserver{file_url(done)}"
    assert second["requested_by"]["id"] == world.consultant.pk


def test_a_consultant_asks_for_a_generation_and_polls_it(
    world, sent, django_capture_on_commit_callbacks
):
    client = api_as(world.consultant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(list_url(world.engagement_a))

    assert response.status_code == 202
    body = response.json()
    document = HandoffDocument.objects.get(pk=body["id"])
    assert (body["version"], body["status"], body["progress_display"]) == (
        1,
        "queued",
        "Waiting for a worker…",
    )
    assert response["Location"] == body["status_url"]
    assert sent == [document.pk]
    assert client.get(detail_url(document)).json()["status"] == "queued"


def test_asking_while_one_is_in_flight_is_a_409(world, sent):
    make(world.engagement_a, 1, "queued")
    response = api_as(world.consultant).post(list_url(world.engagement_a))
    assert response.status_code == 409
    assert response.json()["code"] == "generation_in_progress"
    assert HandoffDocument.objects.count() == 1


@pytest.mark.parametrize("who", ["operator_a", "sponsor_a"])
def test_the_client_may_not_ask(world, sent, who):
    response = api_as(getattr(world, who)).post(list_url(world.engagement_a))
    assert response.status_code == 403
    assert response.json()["code"] == "not_consultant"
    assert not HandoffDocument.objects.exists()


def test_a_failed_generation_says_why(world):
    failed = make(world.engagement_a, 1, "failed", error="Rendering the PDF took longer than 80 s")
    body = api_as(world.sponsor_a).get(detail_url(failed)).json()
    assert (body["status"], body["error"], body["download_url"]) == (
        "failed",
        "Rendering the PDF took longer than 80 s",
        None,
    )


@pytest.mark.parametrize("accept", ["*/*", "application/pdf", "application/json"])
def test_the_download_is_the_pdf_whatever_the_client_accepts(world, accept):
    document = make(world.engagement_a, 2)
    response = api_as(world.operator_a).get(file_url(document), HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="acme-a-agents-handoff-v2.pdf"'


def test_no_download_before_the_generation_succeeded(world):
    document = make(world.engagement_a, 1, "running")
    response = api_as(world.consultant).get(file_url(document), HTTP_ACCEPT="application/pdf")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("who", OUTSIDERS)
def test_another_clients_users_get_404(world, sent, who):
    engagement = world.engagement_a
    document = make(engagement, 1)
    assert_hidden(
        api_as(getattr(world, who)),
        [
            ("get", list_url(engagement)),
            ("post", list_url(engagement)),
            ("get", detail_url(document)),
            ("get", file_url(document)),
        ],
        unchanged=lambda: list(HandoffDocument.objects.values_list("pk", "status")),
        api_code=True,
        absent=["A agents", document.sha256],
    )
    assert sent == []


def test_the_operations_have_unique_ids():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    ids = [
        operation["operationId"]
        for path in schema["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]
    assert len(ids) == len(set(ids))
    assert {
        "engagements_handoff_documents_list",
        "engagements_handoff_documents_request",
        "handoff_documents_retrieve",
        "handoff_documents_download",
    } <= set(ids)
