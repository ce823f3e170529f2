"""The engagement's "Handoff PDF" page: generations with their status, progress, error and
checksum; generating (consultants); downloads and the print preview for everyone who sees the
engagement, 404 for anyone else; a constant number of queries whatever the generations."""

import base64
import hashlib
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from handoff.document.render import document_build
from handoff.document.source import DocumentSource
from handoff.models import HandoffDocument, handoff_document_path
from handoff.tasks_documents import handoff_document_generate_task
from tests.engagements.test_views import select, text, texts
from tests.harness.isolation import OUTSIDERS, assert_hidden, page_as
from tests.tenancy.factories import UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n% a stand-in for a generated handoff PDF\n%%EOF\n"


def make(engagement, version, status="succeeded", **fields) -> HandoffDocument:
    """A generation in `status`; a succeeded one has its file in storage."""
    document = HandoffDocument.objects.create(
        engagement=engagement,
        version=version,
        status=status,
        requested_by=fields.pop("requested_by", engagement.lead),
        sections_total=11,
        **fields,
    )
    if status == "succeeded":
        name = default_storage.save(
            handoff_document_path(document, f"doc-v{version}.pdf"), ContentFile(PDF)
        )
        HandoffDocument.objects.filter(pk=document.pk).update(
            file=name,
            sha256=hashlib.sha256(PDF).hexdigest(),
            size_bytes=len(PDF),
            page_count=12,
            sections_done=11,
        )
        document.refresh_from_db()
    return document


def page_url(engagement) -> str:
    return reverse("handoff:documents", args=[engagement.pk])


def generate_url(engagement) -> str:
    return reverse("handoff:document-generate", args=[engagement.pk])


def preview_url(engagement) -> str:
    return reverse("handoff:document-preview", args=[engagement.pk])


def download_url(document) -> str:
    return reverse("handoff:document-download", args=[document.pk])


@pytest.fixture
def sent(monkeypatch):
    ids: list[int] = []
    monkeypatch.setattr(handoff_document_generate_task, "delay", ids.append)
    return ids


# --- the page ----------------------------------------------------------------------------------


def test_the_page_shows_each_generation_with_its_status(world):
    engagement = world.engagement_a
    world.client_a.time_zone = "America/New_York"
    world.client_a.save(update_fields=["time_zone"])
    done = make(engagement, 1)
    HandoffDocument.objects.filter(pk=done.pk).update(
        created_at=datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
    )
    make(engagement, 2, "failed", error="Rendering the PDF needed more than 1024 MB of memory.")
    make(engagement, 3, "running", sections_done=4, current_section="Training history")

    response = page_as(world.consultant).get(page_url(engagement))

    assert response.status_code == 200
    rows = {row.get("id"): row for row in select(response, "table.documents tbody tr")}
    running = text(rows[f"document-{done.pk + 2}"])
    assert "v3" in running and "Running" in running
    assert "5 of 11: Training history" in running
    (bar,) = select(response, f"#document-{done.pk + 2} progress")
    assert bar.get("value") == "36"  # 4 of 11 sections
    failed = text(rows[f"document-{done.pk + 1}"])
    assert "Failed" in failed and "needed more than 1024 MB of memory" in failed
    succeeded = text(rows[f"document-{done.pk}"])
    assert "Succeeded" in succeeded and "12" in succeeded
    assert hashlib.sha256(PDF).hexdigest() in succeeded
    assert "2 Mar 2026, 10:30" in succeeded  # 15:30 UTC in the client's New York
    assert [a.get("href") for a in select(response, "a[download]")] == [download_url(done)]
    # One generation at a time: the button waits, and the page follows the running one.
    (button,) = select(response, "form[action$='/generate/'] button")
    assert button.get("disabled") is not None
    assert "Version 3 is still being generated" in response.content.decode()
    (script,) = select(response, "script[src]")
    assert script.get("src").endswith("js/handoff-documents.js")
    (box,) = select(response, "[data-document-progress]")
    assert box.get("data-status-url") == reverse("handoff-api:document", args=[done.pk + 2])


def test_without_a_running_generation_the_page_neither_polls_nor_waits(world):
    make(world.engagement_a, 1)
    response = page_as(world.consultant).get(page_url(world.engagement_a))
    assert select(response, "script[src]") == []
    (button,) = select(response, "form[action$='/generate/'] button")
    assert button.get("disabled") is None


@pytest.mark.parametrize("who", ["operator_a", "sponsor_a"])
def test_the_client_reads_and_downloads_but_does_not_generate(world, who):
    document = make(world.engagement_a, 1)
    response = page_as(getattr(world, who)).get(page_url(world.engagement_a))
    assert response.status_code == 200
    assert select(response, "form[action$='/generate/']") == []
    assert "Only the engagement's consultants generate the handoff PDF." in texts(
        response, ".readonly-note"
    )
    assert [a.get("href") for a in select(response, "a[download]")] == [download_url(document)]


def test_the_page_is_linked_from_the_engagement_navigation(world):
    response = page_as(world.sponsor_a).get(page_url(world.engagement_a))
    (current,) = select(response, 'nav[aria-label="Engagement sections"] a[aria-current="page"]')
    assert (text(current), current.get("href")) == ("Handoff PDF", page_url(world.engagement_a))


def test_the_page_asks_the_same_number_of_queries_whatever_the_generations(world):
    engagement = world.engagement_a
    client = page_as(world.consultant)
    make(engagement, 1)
    client.get(page_url(engagement))  # warm up (session, content types)
    with CaptureQueriesContext(connection) as one:
        assert client.get(page_url(engagement)).status_code == 200
    for version in range(2, 7):
        make(engagement, version, requested_by=UserFactory())
    with CaptureQueriesContext(connection) as six:
        assert client.get(page_url(engagement)).status_code == 200
    assert len(six) == len(one), [q["sql"] for q in six.captured_queries]


# --- generating --------------------------------------------------------------------------------


def test_a_consultant_generates_a_new_version(world, sent, django_capture_on_commit_callbacks):
    client = page_as(world.consultant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(generate_url(world.engagement_a), follow=True)

    (document,) = HandoffDocument.objects.filter(engagement=world.engagement_a)
    assert (document.version, document.status) == (1, "queued")
    assert sent == [document.pk]
    assert response.redirect_chain == [(page_url(world.engagement_a), 302)]
    assert texts(response, ".message") == [
        "Version 1 of the handoff PDF is being generated; this page follows it."
    ]
    assert "Waiting for a worker…" in text(select(response, f"#document-{document.pk}")[0])


def test_generating_while_one_runs_is_refused_with_the_reason(world, sent):
    make(world.engagement_a, 1, "running")
    response = page_as(world.consultant).post(generate_url(world.engagement_a), follow=True)
    assert response.status_code == 200
    assert any(
        "Version 1 of the handoff PDF is still running" in m
        for m in texts(response, ".message.error")
    )
    assert HandoffDocument.objects.filter(engagement=world.engagement_a).count() == 1
    assert sent == []


@pytest.mark.parametrize("who", ["operator_a", "sponsor_a"])
def test_the_client_may_not_generate(world, sent, who):
    response = page_as(getattr(world, who)).post(generate_url(world.engagement_a))
    assert response.status_code == 403
    assert not HandoffDocument.objects.exists()


# --- downloads ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["consultant", "operator_a", "sponsor_a", "staff"])
def test_a_download_is_the_stored_file_as_a_named_attachment(world, who):
    document = make(world.engagement_a, 3)
    response = page_as(getattr(world, who)).get(download_url(document))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="acme-a-agents-handoff-v3.pdf"'
    assert response["Repr-Digest"].startswith("sha-256=:")
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("status", ["queued", "running", "failed"])
def test_a_generation_without_a_file_has_no_download(world, status):
    document = make(world.engagement_a, 1, status)
    assert page_as(world.consultant).get(download_url(document)).status_code == 404


def test_a_file_missing_from_storage_is_a_404_not_a_500(world):
    document = make(world.engagement_a, 1)
    default_storage.delete(document.file.name)
    assert page_as(world.consultant).get(download_url(document)).status_code == 404


# --- the print preview -------------------------------------------------------------------------


def test_the_preview_is_the_html_the_pdf_is_made_from_and_loads_nothing_external(world):
    engagement = world.engagement_a
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        response = page_as(world.sponsor_a).get(preview_url(engagement))
        expected = document_build(
            DocumentSource(engagement=engagement, paper_size=world.client_a.paper_size)
        )

    assert response.status_code == 200
    html = response.content.decode()
    # The same HTML, its fonts named by the site's static URL: a browser cannot load the
    # document fetcher's maestro: URLs.
    assert "maestro:/static/fonts/" in expected.html
    assert html == expected.html.replace("maestro:/static/", "/static/")
    assert "maestro:" not in html
    policy = dict(
        directive.split(" ", 1) for directive in response["Content-Security-Policy"].split("; ")
    )
    assert policy["default-src"] == "'none'"
    assert "script-src" not in policy  # falls back to 'none'
    assert (policy["form-action"], policy["base-uri"]) == ("'none'", "'none'")
    # The document's own <style>, allowed by its hash; no inline style otherwise.
    (css,) = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert policy["style-src"] == f"'self' 'sha256-{digest}'"


def test_a_preview_over_a_cap_says_which(world, settings):
    settings.HANDOFF_PDF_MAX_HTML_BYTES = 10
    response = page_as(world.consultant).get(preview_url(world.engagement_a))
    assert response.status_code == 400
    assert "over the limit of 10 bytes (HANDOFF_PDF_MAX_HTML_BYTES)" in response.content.decode()


# --- isolation ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", OUTSIDERS)
def test_another_clients_users_get_404_everywhere(world, sent, who):
    engagement = world.engagement_a
    document = make(engagement, 1)
    assert_hidden(
        page_as(getattr(world, who)),
        [
            ("get", page_url(engagement)),
            ("post", generate_url(engagement)),
            ("get", preview_url(engagement)),
            ("get", download_url(document)),
        ],
        unchanged=lambda: list(HandoffDocument.objects.values_list("pk", "status")),
        absent=["A agents", "Acme"],
    )
    assert sent == []


def test_a_consultant_off_the_engagement_gets_404(world):
    outsider = UserFactory()
    world.client_a.memberships.create(user=outsider, role="consultant")
    document = make(world.engagement_a, 1)
    assert_hidden(
        page_as(outsider),
        [("get", page_url(world.engagement_a)), ("get", download_url(document))],
    )
