"""GET /api/me/, a client's people through the API, and isolation of every people endpoint:
another client's users get a 404 and nothing changes."""

import pytest

from maestro.people.models import Invitation
from maestro.people.services import invitation_create, membership_deactivate
from maestro.tenancy.models import Membership
from tests.conftest import client_for
from tests.engagements.factories import EngagementFactory
from tests.harness.isolation import assert_hidden_from_outsiders, page_as
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db


# --- Who am I -------------------------------------------------------------------------------


def test_me_for_a_consultant(world):
    body = client_for(world.consultant).get("/api/me/").json()

    assert body["user"]["id"] == world.consultant.pk
    assert body["user"]["is_staff"] is False
    assert [(m["client"]["slug"], m["role"]) for m in body["memberships"]] == [
        ("acme", "consultant")
    ]
    assert body["engagements"] == [
        {
            "id": world.engagement_a.pk,
            "name": "A agents",
            "client": world.client_a.pk,
            "phase": "mapping",
            "stance": "lead",
            "can": {"read": True, "work": True, "manage": True},
        }
    ]
    assert body["can"] == {
        "create_clients": True,
        "invite_consultants": False,
        "manage_people_of": [world.client_a.pk],
    }


@pytest.mark.parametrize(("who", "work"), [("operator_a", True), ("sponsor_a", False)])
def test_me_for_client_side_people(world, who, work):
    body = client_for(getattr(world, who)).get("/api/me/").json()

    assert [e["id"] for e in body["engagements"]] == [world.engagement_a.pk]
    assert body["engagements"][0]["can"] == {"read": True, "work": work, "manage": False}
    assert body["can"] == {
        "create_clients": False,
        "invite_consultants": False,
        "manage_people_of": [],
    }


def test_me_for_staff_and_after_deactivation(world):
    body = client_for(world.staff).get("/api/me/").json()
    assert body["memberships"] == []
    assert {e["id"] for e in body["engagements"]} == {world.engagement_a.pk, world.engagement_b.pk}
    assert body["can"]["invite_consultants"] is True
    assert body["can"]["manage_people_of"] == [world.client_a.pk, world.client_b.pk]

    membership_deactivate(
        membership=Membership.objects.get(user=world.operator_a), by=world.consultant
    )
    body = client_for(world.operator_a).get("/api/me/").json()
    assert (body["memberships"], body["engagements"]) == ([], [])


def test_me_needs_credentials(api_client):
    assert api_client.get("/api/me/").status_code == 401


def test_me_costs_the_same_queries_for_more_engagements(world, django_assert_max_num_queries):
    for n in range(5):
        EngagementFactory(client=world.client_a, lead=world.consultant, name=f"More {n}")
    api = client_for(world.consultant)
    with django_assert_max_num_queries(12):
        body = api.get("/api/me/").json()
    assert len(body["engagements"]) == 6


# --- A client's people ----------------------------------------------------------------------


def test_consultants_see_addresses_and_former_members(world):
    world.operator_a.email = "op@example.com"
    world.operator_a.save()
    former = MembershipFactory(client=world.client_a, role="sponsor")
    membership_deactivate(membership=former, by=world.consultant)
    url = f"/api/clients/{world.client_a.pk}/people/"

    active = client_for(world.consultant).get(url).json()["results"]
    assert {row["user"]["id"] for row in active} == {
        world.consultant.pk,
        world.operator_a.pk,
        world.sponsor_a.pk,
    }
    op = next(row for row in active if row["user"]["id"] == world.operator_a.pk)
    assert op["user"]["email"] == "op@example.com"
    assert op["role"] == "operator" and op["active"] is True

    everyone = client_for(world.consultant).get(url + "?include_deactivated=true").json()
    assert len(everyone["results"]) == 4
    assert [r["active"] for r in everyone["results"] if r["user"]["id"] == former.user_id] == [
        False
    ]


def test_client_side_people_see_names_and_roles_of_their_own_client_only(world):
    world.operator_a.email = "op@example.com"
    world.operator_a.save()
    url = f"/api/clients/{world.client_a.pk}/people/"

    rows = client_for(world.sponsor_a).get(url + "?include_deactivated=true").json()["results"]

    assert len(rows) == 3
    assert {row["user"]["email"] for row in rows} == {None}
    assert {row["role"] for row in rows} == {"consultant", "operator", "sponsor"}
    r = client_for(world.sponsor_a).get(f"/api/clients/{world.client_b.pk}/people/")
    assert r.status_code == 404


def test_people_list_rejects_a_bad_flag(world):
    r = client_for(world.consultant).get(
        f"/api/clients/{world.client_a.pk}/people/?include_deactivated=maybe"
    )
    assert r.status_code == 400 and "include_deactivated" in r.json()


# --- Isolation ------------------------------------------------------------------------------


def test_every_people_endpoint_hides_client_a_from_outsiders(world):
    invitation = invitation_create(
        client=world.client_a, email="new@example.com", role="operator", by=world.consultant
    )
    membership = Membership.objects.get(user=world.operator_a)
    a = world.client_a.pk

    def snapshot():
        return (
            list(Invitation.objects.values_list("status", "send_count")),
            list(Membership.all_objects.values_list("pk", "role", "deactivated_at")),
        )

    assert_hidden_from_outsiders(
        world,
        [
            ("get", f"/api/clients/{a}/people/"),
            ("get", f"/api/clients/{a}/invitations/"),
            (
                "post",
                f"/api/clients/{a}/invitations/",
                {"email": "x@example.com", "role": "sponsor"},
            ),
            ("post", f"/api/invitations/{invitation.pk}/resend/"),
            ("post", f"/api/invitations/{invitation.pk}/revoke/"),
            ("post", f"/api/memberships/{membership.pk}/role/", {"role": "sponsor"}),
            ("post", f"/api/memberships/{membership.pk}/deactivate/"),
        ],
        unchanged=snapshot,
        format="json",
        api_code=True,
    )


def test_every_people_page_hides_client_a_from_outsiders(world):
    invitation = invitation_create(
        client=world.client_a, email="new@example.com", role="operator", by=world.consultant
    )
    membership = Membership.objects.get(user=world.operator_a)
    a = world.client_a.pk

    def snapshot():
        return (
            list(Invitation.objects.values_list("status", "send_count")),
            list(Membership.all_objects.values_list("pk", "role", "deactivated_at")),
        )

    assert_hidden_from_outsiders(
        world,
        [
            ("get", f"/clients/{a}/people/"),
            ("post", f"/clients/{a}/people/", {"email": "x@example.com", "role": "sponsor"}),
            ("post", f"/invitations/{invitation.pk}/resend/"),
            ("post", f"/invitations/{invitation.pk}/revoke/"),
            ("post", f"/memberships/{membership.pk}/role/", {"role": "sponsor"}),
            ("get", f"/memberships/{membership.pk}/deactivate/"),
            ("post", f"/memberships/{membership.pk}/deactivate/"),
        ],
        as_page=True,
        unchanged=snapshot,
        absent=["Acme", "new@example.com"],
    )
    # The People index lists only the outsider's own client.
    for user in (world.operator_b, world.consultant_b):
        text = page_as(user).get("/people/", follow=True).content.decode()
        assert "Acme" not in text
