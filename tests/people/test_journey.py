"""End to end through the pages: a consultant invites an operator, who accepts from the mailed
link, logs in with the password they chose, and sees only their own client."""

import pytest
from django.core import mail
from django.test import Client as Browser

from maestro.tenancy.models import Membership, User
from tests.people.conftest import GOOD_PASSWORD, last_link

pytestmark = pytest.mark.django_db(transaction=True)


def test_consultant_invites_an_operator_who_accepts_logs_in_and_sees_only_their_client(world):
    consultant = Browser()
    consultant.force_login(world.consultant)

    # The consultant invites from the client's People page.
    index = consultant.get("/people/").content.decode()
    assert f'href="/clients/{world.client_a.pk}/people/">Acme</a>' in index
    r = consultant.post(
        f"/clients/{world.client_a.pk}/people/",
        {"email": "olga@example.com", "role": "operator"},
        follow=True,
    )
    assert "Invitation sent to olga@example.com as operator" in r.content.decode()
    assert mail.outbox[-1].to == ["olga@example.com"]
    path, _token = last_link()

    # The invitee opens the link, chooses a username and a password, and lands logged in.
    olga = Browser()
    form = olga.get(path)
    assert "Join Acme" in form.content.decode()
    r = olga.post(
        path,
        {
            "username": "olga",
            "first_name": "Olga",
            "last_name": "Ops",
            "password1": GOOD_PASSWORD,
            "password2": GOOD_PASSWORD,
        },
        follow=True,
    )
    assert r.status_code == 200
    assert "Welcome to Acme: you are operator there" in r.content.decode()
    olga.post("/logout/")

    # Later, she logs in with what she chose.
    r = olga.post("/login/", {"username": "olga", "password": GOOD_PASSWORD}, follow=True)
    page = r.content.decode()
    assert r.status_code == 200 and "Olga Ops" in page
    assert "A agents" in page and "B agents" not in page
    assert olga.get(f"/engagements/{world.engagement_a.pk}/").status_code == 200
    assert olga.get(f"/engagements/{world.engagement_b.pk}/").status_code == 404
    assert olga.get(f"/clients/{world.client_b.pk}/people/").status_code == 404
    people = olga.get("/people/", follow=True).content.decode()
    assert "Acme" in people and "Beta" not in people
    me = olga.get("/api/me/").json()
    assert [m["client"]["slug"] for m in me["memberships"]] == ["acme"]
    assert [e["id"] for e in me["engagements"]] == [world.engagement_a.pk]

    # The consultant sees her among Acme's people.
    user = User.objects.get(username="olga")
    assert Membership.objects.get(user=user).role == "operator"
    assert (
        "olga@example.com"
        in consultant.get(f"/clients/{world.client_a.pk}/people/").content.decode()
    )
