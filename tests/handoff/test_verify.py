"""Verifying a handoff PDF by its SHA-256 or by uploading it, on the page and through the API:
which engagement and version, whether and by whom it was signed off, to the users who may see
that engagement only. For anyone else the answer is the one for a file Maestro never made
(404). Bad input is a 400 on its field."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from handoff.models import HandoffDocument
from tests.conftest import client_for
from tests.engagements.test_views import select, text
from tests.handoff.factories import SkillTransferPlanFactory
from tests.handoff.sign_off_setup import document_make, pdf_bytes, sign_off_make
from tests.harness.isolation import OUTSIDERS, api_as, page_as

pytestmark = pytest.mark.django_db

API = "/api/handoff-documents/verify/"


@pytest.fixture
def signed(world):
    """Version 2 of client A's handoff PDF, signed off by the sponsor and the plan's operator."""
    SkillTransferPlanFactory(engagement=world.engagement_a, operator=world.operator_a)
    document_make(world.engagement_a, version=1)
    document = document_make(world.engagement_a, version=2)
    sign_off_make(document, world.sponsor_a, "sponsor")
    sign_off_make(document, world.operator_a, "operator")
    return document


def _pdf(document) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "handoff.pdf", pdf_bytes(document.engagement, document.version), "application/pdf"
    )


# --- API -------------------------------------------------------------------------------------


def test_api_verifies_by_hash(world, signed):
    answer = client_for(world.sponsor_a).post(API, {"sha256": signed.sha256.upper()})

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["document"], body["version"], body["sha256"]) == (signed.pk, 2, signed.sha256)
    assert body["engagement"] == {
        "id": world.engagement_a.pk,
        "name": "A agents",
        "client": "Acme",
    }
    assert (body["is_latest"], body["latest_version"], body["signed_off"]) == (True, 2, True)
    assert [(s["signed_by"]["username"], s["role"]) for s in body["sign_offs"]] == [
        (world.sponsor_a.username, "sponsor"),
        (world.operator_a.username, "operator"),
    ]
    assert all(s["sha256"] == signed.sha256 and s["signed_at"] for s in body["sign_offs"])


def test_api_verifies_an_uploaded_pdf(world, signed):
    answer = client_for(world.consultant).post(API, {"file": _pdf(signed)}, format="multipart")
    assert answer.status_code == 200, answer.content
    assert (answer.json()["document"], answer.json()["signed_off"]) == (signed.pk, True)


def test_an_older_version_says_it_was_replaced_and_unsigned(world, signed):
    first = HandoffDocument.objects.get(engagement=world.engagement_a, version=1)
    body = client_for(world.operator_a).post(API, {"sha256": first.sha256}).json()
    assert (body["version"], body["is_latest"], body["latest_version"]) == (1, False, 2)
    assert (body["signed_off"], body["sign_offs"]) == (False, [])


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"sha256": "abc123"},
            "sha256",
            "Enter the SHA-256 as 64 hexadecimal characters (0–9, a–f); this has 6 characters.",
        ),
        (
            {"sha256": "g" * 64},
            "sha256",
            "Enter the SHA-256 as 64 hexadecimal characters (0–9, a–f) only.",
        ),
        (
            {},
            "non_field_errors",
            "Give the document's SHA-256 or upload the PDF to verify it.",
        ),
        ({"sha256": 5}, "sha256", None),
    ],
)
def test_api_bad_hash_is_a_400_on_its_field(world, data, field, message):
    answer = client_for(world.sponsor_a).post(API, data, format="json")
    assert answer.status_code == 400, answer.content
    if message is None:
        assert field in answer.json()
    else:
        assert answer.json()[field] == [message]


def test_api_bad_uploads_are_400s_on_the_file(world, signed, settings):
    api = client_for(world.sponsor_a)
    empty = api.post(API, {"file": SimpleUploadedFile("x.pdf", b"")}, format="multipart")
    assert empty.status_code == 400
    assert "file" in empty.json()
    both = api.post(API, {"file": _pdf(signed), "sha256": signed.sha256}, format="multipart")
    assert both.json() == {
        "non_field_errors": ["Give the document's SHA-256 or upload the PDF, not both."]
    }
    settings.MAESTRO_UPLOAD_MAX_BYTES = 10
    too_large = api.post(API, {"file": _pdf(signed)}, format="multipart")
    assert too_large.status_code == 400
    assert too_large.json()["file"][0].startswith("The file is too large")


def test_api_unknown_hash_is_a_404(world, signed):
    answer = client_for(world.sponsor_a).post(API, {"sha256": "0" * 64})
    assert answer.status_code == 404
    assert answer.json() == {
        "detail": "No handoff document you may see has this SHA-256.",
        "code": "not_found",
    }


@pytest.mark.parametrize("who", OUTSIDERS)
def test_api_another_clients_user_gets_the_unknown_answer(world, signed, who):
    api = api_as(getattr(world, who))
    unknown = api.post(API, {"sha256": "0" * 64})
    for answer in (
        api.post(API, {"sha256": signed.sha256}),
        api.post(API, {"file": _pdf(signed)}, format="multipart"),
    ):
        assert answer.status_code == 404
        assert answer.json() == unknown.json()


def test_a_generation_that_did_not_succeed_is_unknown(world):
    document = document_make(world.engagement_a, status=HandoffDocument.Status.FAILED)
    HandoffDocument.objects.filter(pk=document.pk).update(sha256="a" * 64)
    assert client_for(world.consultant).post(API, {"sha256": "a" * 64}).status_code == 404


def test_the_api_hashes_what_it_reads(world):
    content = b"%PDF-1.7\n" + bytes(range(256)) * 2000  # 512 KB: read in several chunks
    document = document_make(world.engagement_a, content=content)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    upload = SimpleUploadedFile("big.pdf", content, "application/pdf")
    answer = client_for(world.sponsor_a).post(API, {"file": upload}, format="multipart")
    assert (answer.status_code, answer.json()["document"]) == (200, document.pk)


# --- page ------------------------------------------------------------------------------------


def _answer(response) -> str:
    (section,) = select(response, '[data-testid="verify-answer"]')
    return text(section)


def _facts(response) -> dict[str, str]:
    """The answer's facts, term → value."""
    return {
        text(row.find("dt")): text(row.find("dd"))
        for row in select(response, '[data-testid="verify-answer"] .facts > div')
    }


def test_the_page_shows_the_form(world):
    page = page_as(world.sponsor_a).get(reverse("handoff:verify"))
    assert page.status_code == 200
    assert select(page, '[data-testid="verify-answer"]') == []
    assert select(page, 'input[name="sha256"]') and select(page, 'input[type="file"]')


def test_the_page_verifies_by_hash_with_sign_offs(world, signed):
    page = page_as(world.operator_a).post(reverse("handoff:verify"), {"sha256": signed.sha256})
    assert page.status_code == 200
    assert _answer(page).startswith("Known document: version 2 of A agents")
    facts = _facts(page)
    assert (facts["Client"], facts["Engagement"]) == ("Acme", "A agents")
    assert (facts["Version"], facts["SHA-256"]) == ("2 (the latest)", signed.sha256)
    assert facts["Signed off"] == "Yes"
    assert [
        t.split(" · ")[0] for t in map(text, select(page, '[data-testid="verify-sign-off"]'))
    ] == [
        f"{world.sponsor_a} (sponsor)",
        f"{world.operator_a} (operator)",
    ]
    link = reverse("handoff:handoff", args=[world.engagement_a.pk])
    assert link in page.content.decode()


def test_the_page_verifies_an_upload_and_a_link(world, signed):
    page = page_as(world.consultant)
    uploaded = page.post(reverse("handoff:verify"), {"file": _pdf(signed)})
    assert uploaded.status_code == 200
    assert _answer(uploaded).startswith("Known document: version 2")
    linked = page.get(reverse("handoff:verify"), {"sha256": signed.sha256})
    assert linked.status_code == 200
    assert _answer(linked).startswith("Known document: version 2")


def test_the_page_says_partly_signed(world):
    SkillTransferPlanFactory(engagement=world.engagement_a, operator=world.operator_a)
    document = document_make(world.engagement_a)
    sign_off_make(document, world.sponsor_a, "sponsor")
    page = page_as(world.sponsor_a).post(reverse("handoff:verify"), {"sha256": document.sha256})
    assert _facts(page)["Signed off"] == (f"Partly: waiting for {world.operator_a} (operator)")


def test_the_page_bad_hash_is_a_400_on_the_field(world):
    page = page_as(world.sponsor_a).post(reverse("handoff:verify"), {"sha256": "xyz"})
    assert page.status_code == 400
    assert page.context["form"].errors["sha256"] == [
        "Enter the SHA-256 as 64 hexadecimal characters (0–9, a–f); this has 3 characters."
    ]
    assert select(page, '[data-testid="verify-answer"]') == []


def test_the_page_refuses_an_upload_over_the_limit_on_the_file_field(world, signed, settings):
    settings.MAESTRO_UPLOAD_MAX_BYTES = 10
    page = page_as(world.sponsor_a).post(reverse("handoff:verify"), {"file": _pdf(signed)})
    assert page.status_code == 413
    assert list(page.context["form"].errors) == ["file"]
    assert page.context["form"].errors["file"][0].startswith("The file is too large")


def test_the_page_unknown_hash_is_a_404(world, signed):
    page = page_as(world.sponsor_a).post(reverse("handoff:verify"), {"sha256": "0" * 64})
    assert page.status_code == 404
    assert _answer(page).startswith("Unknown document")


@pytest.mark.parametrize("who", OUTSIDERS)
def test_the_page_gives_another_clients_user_the_unknown_answer(world, signed, who):
    page = page_as(getattr(world, who))
    for answer in (
        page.post(reverse("handoff:verify"), {"sha256": signed.sha256}),
        page.post(reverse("handoff:verify"), {"file": _pdf(signed)}),
        page.get(reverse("handoff:verify"), {"sha256": signed.sha256}),
    ):
        assert answer.status_code == 404
        body = answer.content.decode()
        assert _answer(answer) == (
            "Unknown document No handoff PDF you may see has the SHA-256 "
            f"{signed.sha256}. The file may have been changed, or it belongs to an engagement "
            "you are not part of."
        )
        for leak in ("A agents", "Acme", str(world.sponsor_a), "Version 2"):
            assert leak not in body


def test_the_page_needs_a_login(client, signed):
    answer = client.get(reverse("handoff:verify"), {"sha256": signed.sha256})
    assert answer.status_code == 302 and "/login/" in answer["Location"]
