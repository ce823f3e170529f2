"""Invitations: who may send them, the mailed one-time link (Django signing), acceptance with
the password rules, double use, another address, expiry, re-send and revoke."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from maestro.engagements.scoping import engagements_for
from maestro.exceptions import NotPermitted, StateConflict
from maestro.people.models import Invitation
from maestro.people.services import (
    InvitationRefused,
    invitation_accept,
    invitation_create,
    invitation_resend,
    invitation_revoke,
    membership_deactivate,
)
from maestro.tenancy.models import Membership, User
from tests.conftest import client_for
from tests.people.conftest import GOOD_PASSWORD, last_link
from tests.tenancy.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def accept_new(token, username="olga", password=GOOD_PASSWORD, **names):
    return invitation_accept(token=token, username=username, password=password, **names)


# --- Sending -------------------------------------------------------------------------------


def test_consultant_invites_an_operator_and_the_mail_carries_a_signed_link(world, invite):
    invitation, path, token = invite(
        world.client_a, "Olga@Example.com", "operator", world.consultant
    )

    assert invitation.email == "olga@example.com"
    assert invitation.status == Invitation.Status.PENDING
    assert invitation.invited_by == world.consultant
    message = mail.outbox[-1]
    assert message.to == ["olga@example.com"]
    assert "Acme" in message.subject
    assert "as operator" in message.body
    # Django's signing format: value:timestamp:signature; no secret stored on the row.
    assert token.count(":") == 2
    assert path == f"/invitations/accept/{token}/"


def test_the_mail_is_sent_only_once_the_invitation_is_committed(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation_create(
            client=world.client_a, email="o@example.com", role="operator", by=world.consultant
        )
    assert mail.outbox == []
    assert len(callbacks) == 1


def test_staff_invite_consultants_and_consultants_may_not(world, invite):
    with pytest.raises(NotPermitted) as refused:
        invitation_create(
            client=world.client_a, email="c@example.com", role="consultant", by=world.consultant
        )
    assert refused.value.code == "not_staff"

    invitation, _path, _token = invite(world.client_a, "c@example.com", "consultant", world.staff)
    assert invitation.role == "consultant"


@pytest.mark.parametrize("who", ["operator_a", "sponsor_a", "operator_b", "consultant_b"])
def test_only_consultants_of_the_clients_engagements_invite(world, who):
    with pytest.raises(NotPermitted) as refused:
        invitation_create(
            client=world.client_a, email="x@example.com", role="operator", by=getattr(world, who)
        )
    assert refused.value.code == "not_consultant"
    assert not Invitation.objects.exists()


def test_a_consultant_on_no_engagement_of_the_client_may_not_invite(world):
    idle = MembershipFactory(client=world.client_a, role=Membership.Role.CONSULTANT).user
    with pytest.raises(NotPermitted):
        invitation_create(client=world.client_a, email="x@example.com", role="sponsor", by=idle)


def test_inviting_a_member_is_a_field_error(world):
    world.operator_a.email = "op@example.com"
    world.operator_a.save()
    with pytest.raises(ValidationError) as refused:
        invitation_create(
            client=world.client_a, email="OP@example.com", role="sponsor", by=world.consultant
        )
    assert "already operator at Acme" in refused.value.message_dict["email"][0]


def test_a_second_pending_invitation_for_one_address_is_a_conflict(world, invite):
    first, _path, _token = invite(world.client_a, "o@example.com", "operator", world.consultant)
    with pytest.raises(StateConflict) as refused:
        invitation_create(
            client=world.client_a, email="O@example.com", role="sponsor", by=world.consultant
        )
    assert refused.value.code == "already_invited"
    assert refused.value.extra == {"invitation": first.pk}
    assert Invitation.objects.count() == 1


def test_a_bad_address_or_role_is_a_field_error(world):
    with pytest.raises(ValidationError) as bad_email:
        invitation_create(client=world.client_a, email="nope", role="operator", by=world.consultant)
    assert "email" in bad_email.value.message_dict
    with pytest.raises(ValidationError) as bad_role:
        invitation_create(
            client=world.client_a, email="a@example.com", role="boss", by=world.consultant
        )
    assert "role" in bad_role.value.message_dict


# --- Accepting ------------------------------------------------------------------------------


def test_accepting_creates_the_account_and_the_membership(world, invite):
    invitation, _path, token = invite(
        world.client_a, "olga@example.com", "operator", world.consultant
    )

    acceptance = accept_new(token, first_name="Olga", last_name="Ops")

    user = User.objects.get(username="olga")
    assert acceptance.user == user and acceptance.created_user
    assert user.email == "olga@example.com"
    assert user.get_full_name() == "Olga Ops"
    assert user.check_password(GOOD_PASSWORD)
    assert not user.is_staff
    membership = Membership.objects.get(user=user)
    assert (membership.client, membership.role) == (world.client_a, "operator")
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    assert invitation.accepted_by == user
    assert list(engagements_for(user)) == [world.engagement_a]


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("short7", "too short"),
        ("password123", "too common"),
        ("83920174651", "entirely numeric"),
        ("olga-the-operator", "too similar"),
    ],
)
def test_acceptance_applies_the_password_validators(world, invite, password, rule):
    invitation, _path, token = invite(
        world.client_a, "olga@example.com", "operator", world.consultant
    )

    with pytest.raises(ValidationError) as refused:
        accept_new(token, username="olga-the-operator", password=password)

    assert rule in " ".join(refused.value.message_dict["password"])
    assert not User.objects.filter(username="olga-the-operator").exists()
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING  # the link still works


def test_a_taken_username_is_a_field_error(world, invite):
    UserFactory(username="Olga")
    _invitation, _path, token = invite(
        world.client_a, "olga@example.com", "operator", world.consultant
    )
    with pytest.raises(ValidationError) as refused:
        accept_new(token, username="olga")
    assert "taken" in refused.value.message_dict["username"][0]


def test_a_link_works_once(world, invite):
    _invitation, _path, token = invite(
        world.client_a, "olga@example.com", "operator", world.consultant
    )
    accept_new(token)

    with pytest.raises(StateConflict) as refused:
        accept_new(token, username="olga2")

    assert refused.value.code == "invitation_used"
    assert not User.objects.filter(username="olga2").exists()
    assert Membership.objects.filter(client=world.client_a, role="operator").count() == 2


def test_a_link_cannot_be_used_by_another_logged_in_account(world, invite):
    _invitation, _path, token = invite(
        world.client_a, "olga@example.com", "operator", world.consultant
    )
    world.operator_b.email = "bob@example.com"
    world.operator_b.save()

    with pytest.raises(InvitationRefused) as refused:
        invitation_accept(token=token, user=world.operator_b)

    assert refused.value.code == "invitation_other_address"
    assert not Membership.objects.filter(user=world.operator_b, client=world.client_a).exists()


def test_an_existing_account_of_the_address_must_log_in_and_then_joins(world, invite):
    bruno = world.operator_b
    bruno.email = "bruno@example.com"
    bruno.save()
    _invitation, _path, token = invite(
        world.client_a, "Bruno@Example.com", "sponsor", world.consultant
    )

    with pytest.raises(InvitationRefused) as refused:
        accept_new(token, username="bruno2")
    assert refused.value.code == "log_in_first"
    assert not User.objects.filter(username="bruno2").exists()

    acceptance = invitation_accept(token=token, user=bruno)

    assert acceptance.user == bruno and not acceptance.created_user
    assert Membership.objects.get(user=bruno, client=world.client_a).role == "sponsor"
    assert set(engagements_for(bruno)) == {world.engagement_a, world.engagement_b}


def test_a_tampered_or_foreign_token_is_invalid(world, invite):
    invitation, _path, token = invite(
        world.client_a, "olga@example.com", "operator", world.consultant
    )
    value, stamp, signature = token.split(":")
    from django.core import signing

    forged = signing.dumps({"i": invitation.pk, "n": 1}, salt="another.salt")
    for bad in (f"{value}:{stamp}:{signature[:-2]}xx", "garbage", forged):
        with pytest.raises(InvitationRefused) as refused:
            accept_new(bad)
        assert refused.value.code == "invitation_invalid"
    assert not User.objects.filter(username="olga").exists()


def test_an_expired_link_is_refused_by_its_signature(world, invite, settings):
    _invitation, _path, token = invite(
        world.client_a, "olga@example.com", "operator", world.consultant
    )
    settings.INVITATION_LIFETIME = timedelta(seconds=-1)  # every link is past its lifetime

    with pytest.raises(InvitationRefused) as refused:
        accept_new(token)

    assert refused.value.code == "invitation_expired"
    assert not User.objects.filter(username="olga").exists()


def test_an_expired_invitation_is_refused_by_its_row(world, invite, settings):
    invitation, _path, token = invite(
        world.client_a, "olga@example.com", "operator", world.consultant
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        sent_at=timezone.now() - settings.INVITATION_LIFETIME - timedelta(minutes=1)
    )
    invitation.refresh_from_db()
    assert invitation.state == "expired"

    with pytest.raises(InvitationRefused) as refused:
        accept_new(token)

    assert refused.value.code == "invitation_expired"


# --- Re-send and revoke ---------------------------------------------------------------------


def test_resend_mails_a_new_link_and_kills_the_old_one(
    world, invite, django_capture_on_commit_callbacks
):
    invitation, _path, old = invite(
        world.client_a, "olga@example.com", "operator", world.consultant
    )
    with django_capture_on_commit_callbacks(execute=True):
        invitation_resend(invitation=invitation, by=world.consultant)
    _path, new = last_link()
    assert new != old
    assert len(mail.outbox) == 2
    invitation.refresh_from_db()
    assert invitation.send_count == 2

    with pytest.raises(InvitationRefused) as refused:
        accept_new(old)
    assert refused.value.code == "invitation_superseded"

    assert accept_new(new).user.username == "olga"


def test_resend_revives_an_expired_invitation(
    world, invite, django_capture_on_commit_callbacks, settings
):
    invitation, _path, _old = invite(
        world.client_a, "olga@example.com", "operator", world.consultant
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        sent_at=timezone.now() - settings.INVITATION_LIFETIME - timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        invitation_resend(invitation=invitation, by=world.consultant)
    _path, new = last_link()
    assert accept_new(new).membership.role == "operator"


def test_revoke_kills_the_link_and_frees_the_address(world, invite):
    invitation, _path, token = invite(
        world.client_a, "olga@example.com", "operator", world.consultant
    )
    invitation_revoke(invitation=invitation, by=world.consultant)

    with pytest.raises(InvitationRefused) as refused:
        accept_new(token)
    assert refused.value.code == "invitation_revoked"
    invitation.refresh_from_db()
    assert (invitation.status, invitation.revoked_by) == (
        Invitation.Status.REVOKED,
        world.consultant,
    )
    with pytest.raises(StateConflict) as again:
        invitation_resend(invitation=invitation, by=world.consultant)
    assert again.value.code == "invitation_not_pending"
    # The address may be invited again.
    invitation_create(
        client=world.client_a, email="olga@example.com", role="sponsor", by=world.consultant
    )


def test_only_managers_resend_or_revoke(world, invite):
    invitation, _path, _token = invite(
        world.client_a, "olga@example.com", "operator", world.consultant
    )
    for action in (invitation_resend, invitation_revoke):
        with pytest.raises(NotPermitted):
            action(invitation=invitation, by=world.sponsor_a)
    invitation.refresh_from_db()
    assert (invitation.status, invitation.send_count) == (Invitation.Status.PENDING, 1)


def test_inviting_a_former_member_brings_the_membership_back_with_the_new_role(world, invite):
    world.operator_a.email = "op@example.com"
    world.operator_a.save()
    membership = Membership.objects.get(user=world.operator_a)
    membership_deactivate(membership=membership, by=world.consultant)
    assert list(engagements_for(world.operator_a)) == []

    _invitation, _path, token = invite(
        world.client_a, "op@example.com", "sponsor", world.consultant
    )
    invitation_accept(token=token, user=world.operator_a)

    membership.refresh_from_db()
    assert (membership.role, membership.deactivated_at) == ("sponsor", None)
    assert Membership.all_objects.filter(user=world.operator_a).count() == 1
    assert list(engagements_for(world.operator_a)) == [world.engagement_a]


# --- API ------------------------------------------------------------------------------------


def test_api_invite_list_resend_revoke(world, django_capture_on_commit_callbacks):
    api = client_for(world.consultant)
    url = f"/api/clients/{world.client_a.pk}/invitations/"
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(url, {"email": "olga@example.com", "role": "operator"}, format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["state"] == "pending" and body["role"] == "operator"
    assert "token" not in body and "link" not in body  # the link goes to the invitee only
    assert len(mail.outbox) == 1

    listed = api.get(url).json()
    assert [row["email"] for row in listed["results"]] == ["olga@example.com"]

    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(f"/api/invitations/{body['id']}/resend/")
    assert r.status_code == 200 and r.json()["send_count"] == 2
    assert len(mail.outbox) == 2

    r = api.post(f"/api/invitations/{body['id']}/revoke/")
    assert r.status_code == 200 and r.json()["state"] == "revoked"
    r = api.post(f"/api/invitations/{body['id']}/revoke/")
    assert r.status_code == 409 and r.json()["code"] == "invitation_not_pending"


def test_api_invite_refusals(world):
    url = f"/api/clients/{world.client_a.pk}/invitations/"
    r = client_for(world.consultant).post(url, {"email": "c@example.com", "role": "consultant"})
    assert r.status_code == 403 and r.json()["code"] == "not_staff"
    r = client_for(world.operator_a).post(url, {"email": "c@example.com", "role": "operator"})
    assert r.status_code == 403 and r.json()["code"] == "not_consultant"
    r = client_for(world.operator_a).get(url)
    assert r.status_code == 403
    r = client_for(world.consultant).post(url, {"email": "nope", "role": "boss"})
    assert r.status_code == 400 and set(r.json()) == {"email", "role"}
    r = client_for(world.consultant).post(
        url, {"email": "a@example.com", "role": "operator", "x": 1}
    )
    assert r.status_code == 400 and set(r.json()) == {"x"}
    assert not Invitation.objects.exists()


def test_api_accept_makes_the_account_and_returns_a_token(world, invite, api_client):
    _invitation, _path, token = invite(
        world.client_a, "olga@example.com", "operator", world.consultant
    )

    weak = api_client.post(
        "/api/invitations/accept/",
        {"token": token, "username": "olga", "password": "12345678"},
        format="json",
    )
    assert weak.status_code == 400
    assert "password" in weak.json()

    r = api_client.post(
        "/api/invitations/accept/",
        {"token": token, "username": "olga", "password": GOOD_PASSWORD, "first_name": "Olga"},
        format="json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["user"]["username"] == "olga"
    assert body["membership"]["role"] == "operator"
    assert body["token"]
    me = api_client.get("/api/me/", HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert [e["id"] for e in me.json()["engagements"]] == [world.engagement_a.pk]

    again = api_client.post(
        "/api/invitations/accept/",
        {"token": token, "username": "olga3", "password": GOOD_PASSWORD},
        format="json",
    )
    assert again.status_code == 409 and again.json()["code"] == "invitation_used"


def test_api_accept_by_the_logged_in_owner_of_the_address(world, invite):
    world.sponsor_a.email = "sam@example.com"
    world.sponsor_a.save()
    _invitation, _path, token = invite(world.client_b, "sam@example.com", "sponsor", world.staff)

    r = client_for(world.sponsor_a).post(
        "/api/invitations/accept/", {"token": token}, format="json"
    )

    assert r.status_code == 201, r.content
    assert r.json()["token"] is None
    assert Membership.objects.get(user=world.sponsor_a, client=world.client_b).role == "sponsor"
