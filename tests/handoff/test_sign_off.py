"""Signing off a handoff document: only a succeeded, latest generation; only the client's sponsors
and operators (the role recorded); once per person (409 the second time); audited with the
version and SHA-256; a newer generation needs new sign-offs. Through the service, the API and
the Handoff page's button; other clients' users get 404s."""

import html

import pytest
from django.urls import reverse
from django.utils import timezone

from handoff.models import HandoffDocument, HandoffSignOff
from handoff.selectors.sign_offs import sign_off_status
from handoff.services.sign_off import handoff_document_sign
from maestro.audit.events import AuditEvent
from maestro.audit.models import AuditEntry
from maestro.exceptions import NotPermitted, StateConflict
from maestro.tenancy.models import Membership
from tests.conftest import client_for
from tests.handoff.factories import SkillTransferPlanFactory
from tests.handoff.sign_off_setup import document_make, sign_off_make
from tests.harness.isolation import OUTSIDERS, api_as, assert_hidden, page_as
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _sign_url(document) -> str:
    return f"/api/handoff-documents/{document.pk}/sign-off/"


def _rows():
    return list(HandoffSignOff.objects.values_list("document_id", "signed_by_id", "role"))


def test_the_sponsor_signs_the_exact_file_and_it_is_audited(world):
    document = document_make(world.engagement_a, version=3)

    sign_off = handoff_document_sign(document=document, user=world.sponsor_a)

    sign_off.refresh_from_db()
    assert (sign_off.document, sign_off.signed_by, sign_off.role) == (
        document,
        world.sponsor_a,
        HandoffSignOff.Role.SPONSOR,
    )
    assert sign_off.sha256 == document.sha256 and len(sign_off.sha256) == 64
    assert sign_off.signed_at is not None
    entry = AuditEntry.objects.get(event=AuditEvent.HANDOFF_DOCUMENT_SIGNED)
    assert (entry.client_id, entry.engagement_id, entry.actor_user) == (
        world.client_a.pk,
        world.engagement_a.pk,
        world.sponsor_a,
    )
    assert (entry.target_type, entry.target_id) == ("handoff.HandoffDocument", str(document.pk))
    assert entry.data == {
        "sign_off": sign_off.pk,
        "version": 3,
        "sha256": document.sha256,
        "role": "sponsor",
    }


def test_any_operator_of_the_client_signs_as_operator(world):
    document = document_make(world.engagement_a)
    sign_off = handoff_document_sign(document=document, user=world.operator_a)
    assert sign_off.role == HandoffSignOff.Role.OPERATOR


@pytest.mark.parametrize("who", ["consultant", "staff"])
def test_consultants_and_staff_do_not_sign(world, who):
    document = document_make(world.engagement_a)
    with pytest.raises(NotPermitted) as refused:
        handoff_document_sign(document=document, user=getattr(world, who))
    assert refused.value.code == "not_signatory"
    assert _rows() == [] and not AuditEntry.objects.exists()


def test_a_deactivated_membership_no_longer_signs(world):
    document = document_make(world.engagement_a)
    Membership.all_objects.filter(user=world.sponsor_a).update(deactivated_at=timezone.now())
    with pytest.raises(NotPermitted):
        handoff_document_sign(document=document, user=world.sponsor_a)


@pytest.mark.parametrize(
    "status",
    [HandoffDocument.Status.QUEUED, HandoffDocument.Status.RUNNING, HandoffDocument.Status.FAILED],
)
def test_only_a_succeeded_generation_is_signed(world, status):
    document = document_make(world.engagement_a, status=status)
    with pytest.raises(StateConflict) as refused:
        handoff_document_sign(document=document, user=world.sponsor_a)
    assert refused.value.code == "document_not_ready"
    assert "Version 1 cannot be signed off" in refused.value.message
    assert _rows() == []


def test_once_per_person_and_document(world):
    document = document_make(world.engagement_a)
    handoff_document_sign(document=document, user=world.sponsor_a)
    with pytest.raises(StateConflict) as refused:
        handoff_document_sign(document=document, user=world.sponsor_a)
    assert refused.value.code == "already_signed"
    assert refused.value.message.startswith("You signed off version 1 already on ")
    assert HandoffSignOff.objects.count() == 1
    assert AuditEntry.objects.filter(event=AuditEvent.HANDOFF_DOCUMENT_SIGNED).count() == 1


def test_a_newer_generation_needs_new_sign_offs(world):
    engagement = world.engagement_a
    SkillTransferPlanFactory(engagement=engagement, operator=world.operator_a)
    first = document_make(engagement, version=1)
    handoff_document_sign(document=first, user=world.sponsor_a)
    handoff_document_sign(document=first, user=world.operator_a)
    assert sign_off_status(engagement).signed_off

    second = document_make(engagement, version=2)
    status = sign_off_status(engagement)
    assert status.document == second and not status.signed_off
    assert status.waiting_for == f"a sponsor of the client, {world.operator_a} (operator)"
    # The older version cannot be signed any more (by a sponsor who has not signed it yet)...
    another_sponsor = MembershipFactory(client=world.client_a, role=Membership.Role.SPONSOR).user
    with pytest.raises(StateConflict) as refused:
        handoff_document_sign(document=first, user=another_sponsor)
    assert refused.value.code == "document_superseded"
    assert refused.value.message == "Version 1 was replaced by version 2: sign off the latest."
    # ...and the same people sign the newer one again.
    handoff_document_sign(document=second, user=world.sponsor_a)
    handoff_document_sign(document=second, user=world.operator_a)
    assert sign_off_status(engagement).signed_off


def test_a_newer_generation_still_running_does_not_replace_the_latest(world):
    first = document_make(world.engagement_a, version=1)
    document_make(world.engagement_a, version=2, status=HandoffDocument.Status.RUNNING)
    handoff_document_sign(document=first, user=world.sponsor_a)
    assert sign_off_status(world.engagement_a).document == first


def test_signed_off_needs_a_sponsor_and_every_plan_operator(world):
    engagement = world.engagement_a
    SkillTransferPlanFactory(engagement=engagement, operator=world.operator_a)
    other_plan = SkillTransferPlanFactory(engagement=engagement)
    document = document_make(engagement)
    sign_off_make(document, world.operator_a, "operator")
    sign_off_make(document, other_plan.operator, "operator")
    status = sign_off_status(engagement)
    assert (status.signed_off, status.waiting_for) == (False, "a sponsor of the client")
    sign_off_make(document, world.sponsor_a, "sponsor")
    assert sign_off_status(engagement).signed_off
    # An operator who left the client is not asked to sign any more.
    Membership.all_objects.filter(user=other_plan.operator).update(deactivated_at=timezone.now())
    assert sign_off_status(engagement).operators_missing == []


# --- API -------------------------------------------------------------------------------------


def test_api_signs_off_and_lists_sign_offs(world):
    document = document_make(world.engagement_a, version=2)

    answer = client_for(world.sponsor_a).post(_sign_url(document))

    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["document"] == document.pk and body["version"] == 2
    assert (body["role"], body["sha256"]) == ("sponsor", document.sha256)
    assert body["signed_by"]["username"] == world.sponsor_a.username
    listed = client_for(world.consultant).get(f"/api/handoff-documents/{document.pk}/sign-offs/")
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [body["id"]]


def test_api_second_sign_off_is_a_409(world):
    document = document_make(world.engagement_a)
    api = client_for(world.operator_a)
    assert api.post(_sign_url(document)).status_code == 201
    again = api.post(_sign_url(document))
    assert again.status_code == 409
    assert again.json()["code"] == "already_signed"
    assert HandoffSignOff.objects.count() == 1


def test_api_refuses_a_consultant_with_403_and_a_failed_generation_with_409(world):
    document = document_make(world.engagement_a)
    refused = client_for(world.consultant).post(_sign_url(document))
    assert (refused.status_code, refused.json()["code"]) == (403, "not_signatory")
    failed = document_make(world.engagement_a, version=2, status=HandoffDocument.Status.FAILED)
    answer = client_for(world.sponsor_a).post(_sign_url(failed))
    assert (answer.status_code, answer.json()["code"]) == (409, "document_not_ready")
    assert _rows() == []


@pytest.mark.parametrize("who", OUTSIDERS)
def test_other_clients_users_get_404s_and_sign_nothing(world, who):
    document = document_make(world.engagement_a)
    user = getattr(world, who)
    assert_hidden(
        api_as(user),
        [
            ("post", _sign_url(document)),
            ("get", f"/api/handoff-documents/{document.pk}/sign-offs/"),
        ],
        unchanged=_rows,
        api_code=True,
    )
    assert_hidden(
        page_as(user),
        [("post", reverse("handoff:document-sign-off", args=[document.pk]))],
        unchanged=_rows,
    )


# --- the page's button -------------------------------------------------------------------------


def test_the_page_button_signs_off_and_a_second_press_says_why_not(world):
    document = document_make(world.engagement_a, version=4)
    page = page_as(world.sponsor_a)
    url = reverse("handoff:document-sign-off", args=[document.pk])
    handoff_url = reverse("handoff:handoff", args=[world.engagement_a.pk])

    answer = page.post(url)

    assert answer.status_code == 302
    assert answer["Location"] == handoff_url + "#handoff-document"
    assert _rows() == [(document.pk, world.sponsor_a.pk, "sponsor")]
    shown = page.get(handoff_url).content.decode()
    assert "You signed off version 4 of the handoff document." in shown
    assert "Sign off version 4" not in shown  # no button once signed

    again = page.post(url, follow=True)
    assert "You signed off version 4 already on " in again.content.decode()
    assert HandoffSignOff.objects.count() == 1


def test_the_page_refuses_a_consultant(world):
    document = document_make(world.engagement_a)
    answer = page_as(world.consultant).post(
        reverse("handoff:document-sign-off", args=[document.pk]), follow=True
    )
    assert "Only the client's sponsors and operators sign off" in html.unescape(
        answer.content.decode()
    )
    assert _rows() == []
