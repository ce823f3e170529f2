"""The People pages and the invitation link's page."""

import pytest
from django.core import mail

from maestro.people.models import Invitation
from maestro.people.services import invitation_resend, invitation_revoke
from maestro.reviews.models import ReviewTask
from maestro.tenancy.models import Client, Membership, User
from tests.decisions.factories import DecisionFactory
from tests.harness.isolation import page_as
from tests.mapping.factories import ProcessFactory
from tests.people.conftest import GOOD_PASSWORD, last_link
from tests.playbooks.factories import PlaybookVersionFactory
from tests.reviews.conftest import open_task

pytestmark = pytest.mark.django_db


def people_url(world):
    return f"/clients/{world.client_a.pk}/people/"


def test_the_consultant_sees_people_invitations_and_the_form(world, invite):
    world.operator_a.email = "op@example.com"
    world.operator_a.save()
    invite(world.client_a, "new@example.com", "sponsor", world.consultant)

    r = page_as(world.consultant).get(people_url(world))

    text = r.content.decode()
    assert r.status_code == 200
    assert "op@example.com" in text
    assert "new@example.com" in text and "Re-send" in text and "Revoke" in text
    assert "Send invitation" in text
    assert 'value="consultant"' not in text  # consultants cannot make consultants
    assert "Deactivate" in text


def test_a_sponsor_sees_names_and_roles_only(world, invite):
    world.operator_a.email = "op@example.com"
    world.operator_a.save()
    invite(world.client_a, "new@example.com", "sponsor", world.consultant)

    r = page_as(world.sponsor_a).get(people_url(world))

    text = r.content.decode()
    assert r.status_code == 200
    assert world.operator_a.get_full_name() in text
    assert "op@example.com" not in text and "new@example.com" not in text
    assert "Send invitation" not in text and "Deactivate" not in text
    assert (
        page_as(world.sponsor_a).post(people_url(world), {"email": "x@example.com"}).status_code
        == 403
    )


def test_staff_may_invite_consultants_from_the_page(world, django_capture_on_commit_callbacks):
    page = page_as(world.staff)
    assert 'value="consultant"' in page.get(people_url(world)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = page.post(people_url(world), {"email": "c@example.com", "role": "consultant"})
    assert r.status_code == 302
    assert Invitation.objects.get().role == "consultant"
    assert mail.outbox[-1].to == ["c@example.com"]


def test_invite_errors_show_on_the_form(world, invite):
    invite(world.client_a, "dup@example.com", "sponsor", world.consultant)
    page = page_as(world.consultant)

    bad = page.post(people_url(world), {"email": "nope", "role": "operator"})
    assert bad.status_code == 400
    assert "Enter a valid email address" in bad.content.decode()
    dup = page.post(people_url(world), {"email": "dup@example.com", "role": "operator"})
    assert dup.status_code == 409
    assert "already has a pending invitation" in dup.content.decode()
    assert Invitation.objects.count() == 1


def test_resend_and_revoke_from_the_page(world, invite, django_capture_on_commit_callbacks):
    invitation, _path, _token = invite(
        world.client_a, "n@example.com", "operator", world.consultant
    )
    page = page_as(world.consultant)

    with django_capture_on_commit_callbacks(execute=True):
        r = page.post(f"/invitations/{invitation.pk}/resend/", follow=True)
    assert "A new link was sent" in r.content.decode()
    r = page.post(f"/invitations/{invitation.pk}/revoke/", follow=True)
    assert "was withdrawn" in r.content.decode()
    invitation.refresh_from_db()
    assert (invitation.send_count, invitation.status) == (2, "revoked")
    r = page.post(f"/invitations/{invitation.pk}/revoke/", follow=True)
    assert "already revoked" in r.content.decode()
    assert (
        page_as(world.operator_a).post(f"/invitations/{invitation.pk}/resend/").status_code == 403
    )


def test_change_a_role_from_the_page(world):
    m = Membership.objects.get(user=world.operator_a)
    r = page_as(world.consultant).post(
        f"/memberships/{m.pk}/role/", {"role": "sponsor"}, follow=True
    )
    assert "is now sponsor" in r.content.decode()
    m.refresh_from_db()
    assert m.role == "sponsor"
    r = page_as(world.consultant).post(f"/memberships/{m.pk}/role/", {"role": "consultant"})
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.role == "sponsor"


def test_deactivate_asks_first_then_reports_what_it_did(world):
    process = ProcessFactory(engagement=world.engagement_a, name="Invoice approval")
    open_task(DecisionFactory(process=process))
    PlaybookVersionFactory(playbook__process=process, escalation_chain=[world.operator_a.pk])
    m = Membership.objects.get(user=world.operator_a)
    page = page_as(world.consultant)

    confirm = page.get(f"/memberships/{m.pk}/deactivate/").content.decode()
    assert "1 open review task" in confirm
    assert "Invoice approval" in confirm
    assert Membership.objects.filter(pk=m.pk).exists()

    r = page.post(f"/memberships/{m.pk}/deactivate/", follow=True)
    text = r.content.decode()
    assert "no longer has access to Acme" in text
    assert "1 open review task was reassigned" in text
    assert "Edit the chain: Invoice approval" in text
    assert "Former members" in text
    assert ReviewTask.objects.get().assignee == world.consultant
    assert page_as(world.sponsor_a).get(f"/memberships/{m.pk}/deactivate/").status_code == 403


def test_people_index_adds_a_client_and_sends_a_single_client_member_to_it(world):
    r = page_as(world.operator_a).get("/people/")
    assert r.status_code == 302 and r["Location"] == people_url(world)

    page = page_as(world.consultant)
    assert "Add a client" in page.get("/people/").content.decode()
    taken = page.post("/people/", {"name": "Acme", "slug": "acme2"})
    assert taken.status_code == 400 and "already exists" in taken.content.decode()
    r = page.post("/people/", {"name": "Initech", "slug": "initech"})
    client = Client.objects.get(slug="initech")
    assert r.status_code == 302 and r["Location"] == f"/clients/{client.pk}/people/"
    assert Membership.objects.get(client=client).user == world.consultant
    assert page_as(world.operator_a).post("/people/", {"name": "X", "slug": "x"}).status_code == 403


# --- The invitation link's page -------------------------------------------------------------


def test_accept_page_shows_the_password_rules_errors(world, invite, client):
    _invitation, path, _token = invite(
        world.client_a, "olga@example.com", "operator", world.consultant
    )

    form = client.get(path)
    assert form.status_code == 200
    assert "Join Acme" in form.content.decode()
    assert "Create my account" in form.content.decode()

    r = client.post(
        path,
        {"username": "olga", "password1": "password", "password2": "password"},
    )
    assert r.status_code == 400
    assert "This password is too common" in r.content.decode()
    r = client.post(
        path,
        {"username": "olga", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD + "x"},
    )
    assert r.status_code == 400 and "The two passwords differ" in r.content.decode()
    assert not User.objects.filter(username="olga").exists()


def test_accept_page_logs_the_new_account_in_and_lands_on_their_engagements(world, invite, client):
    _invitation, path, _token = invite(
        world.client_a, "olga@example.com", "operator", world.consultant
    )

    r = client.post(
        path,
        {
            "username": "olga",
            "first_name": "Olga",
            "password1": GOOD_PASSWORD,
            "password2": GOOD_PASSWORD,
        },
    )

    assert r.status_code == 302 and r["Location"] == "/?client=acme"
    landing = client.get(r["Location"]).content.decode()
    assert "Welcome to Acme" in landing and "A agents" in landing
    again = client.get(path)
    assert again.status_code == 409 and "already accepted" in again.content.decode()


def test_accept_page_for_an_existing_account(world, invite, client):
    world.operator_b.email = "bob@example.com"
    world.operator_b.save()
    _invitation, path, _token = invite(
        world.client_a, "bob@example.com", "sponsor", world.consultant
    )

    r = client.get(path)
    assert "Log in to accept" in r.content.decode()
    assert "/login/?next=%2Finvitations%2Faccept%2F" in r.content.decode()

    client.force_login(world.operator_b)
    r = client.post(path)
    assert r.status_code == 302
    assert Membership.objects.get(user=world.operator_b, client=world.client_a).role == "sponsor"


def test_accept_page_refuses_another_logged_in_account(world, invite):
    _invitation, path, _token = invite(
        world.client_a, "olga@example.com", "operator", world.consultant
    )
    page = page_as(world.operator_b)

    for r in (page.get(path), page.post(path)):
        assert r.status_code == 403
        assert "not as olga@example.com" in r.content.decode()
    assert not Membership.objects.filter(user=world.operator_b, client=world.client_a).exists()


def test_accept_page_explains_a_dead_link(
    world, invite, client, django_capture_on_commit_callbacks
):
    invitation, old_path, _token = invite(
        world.client_a, "olga@example.com", "operator", world.consultant
    )

    with django_capture_on_commit_callbacks(execute=True):
        invitation_resend(invitation=invitation, by=world.consultant)
    new_path, _token = last_link()
    r = client.get(old_path)
    assert r.status_code == 400 and "newer link was sent" in r.content.decode()
    invitation_revoke(invitation=invitation, by=world.consultant)
    r = client.get(new_path)
    assert r.status_code == 400 and "withdrawn" in r.content.decode()
    r = client.get("/invitations/accept/not-a-token/")
    assert r.status_code == 400 and "not valid" in r.content.decode()
