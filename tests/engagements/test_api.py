from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token

from maestro.engagements.models import Engagement, PhaseTransition
from maestro.tenancy.models import Client, Membership
from tests.conftest import client_for
from tests.engagements.factories import EngagementFactory
from tests.harness.isolation import OUTSIDERS, assert_hidden
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db

OVERRIDE = {"override": True, "override_reason": "Signed off in the steering meeting."}


def _url(engagement, action=""):
    return f"/api/engagements/{engagement.pk}/{action}"


# --- authentication ---------------------------------------------------------------------------


def test_anonymous_gets_401(api_client, world):
    r = api_client.get("/api/engagements/")
    assert r.status_code == 401
    assert r.json()["code"] == "not_authenticated"


def test_token_auth_works(api_client, world):
    world.consultant.set_password("s3cret-pass")
    world.consultant.save()
    r = api_client.post(
        "/api/auth/token/", {"username": world.consultant.username, "password": "s3cret-pass"}
    )
    assert r.status_code == 200
    token = r.json()["token"]
    assert Token.objects.get(user=world.consultant).key == token
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/engagements/").json()["count"] == 1


# --- lists, filters, pagination ---------------------------------------------------------------


@pytest.mark.parametrize(
    "who,expected",
    [
        ("consultant", {"A agents"}),
        ("operator_a", {"A agents"}),
        ("sponsor_a", {"A agents"}),
        ("operator_b", {"B agents"}),
        ("staff", {"A agents", "B agents"}),
    ],
)
def test_engagement_list_is_scoped_per_role(world, who, expected):
    r = client_for(getattr(world, who)).get("/api/engagements/")
    assert r.status_code == 200
    assert {e["name"] for e in r.json()["results"]} == expected


def test_engagement_list_filters_and_searches(world):
    api = client_for(world.staff)
    assert api.get("/api/engagements/?client_slug=beta").json()["count"] == 1
    assert api.get(f"/api/engagements/?client={world.client_a.pk}").json()["results"][0][
        "name"
    ] == ("A agents")
    assert api.get("/api/engagements/?phase=training").json()["count"] == 0
    assert api.get("/api/engagements/?phase=mapping&phase=training").json()["count"] == 2
    assert api.get("/api/engagements/?search=beta").json()["count"] == 1
    names = [e["name"] for e in api.get("/api/engagements/?ordering=-name").json()["results"]]
    assert names == ["B agents", "A agents"]


def test_engagement_list_rejects_unknown_phase_filter(world):
    r = client_for(world.staff).get("/api/engagements/?phase=launch")
    assert r.status_code == 400
    assert "phase" in r.json()


def test_engagement_list_paginates(world):
    for i in range(3):
        EngagementFactory(client=world.client_a, lead=world.consultant, name=f"Extra {i}")
    r = client_for(world.consultant).get("/api/engagements/?page_size=2&ordering=name")
    body = r.json()
    assert body["count"] == 4 and len(body["results"]) == 2 and body["next"]


@pytest.mark.parametrize("rows", [5, 50])
def test_engagement_list_query_count_is_constant(world, rows, django_assert_num_queries):
    member = MembershipFactory(client=world.client_a, role=Membership.Role.CONSULTANT).user
    for i in range(rows):
        e = EngagementFactory(client=world.client_a, lead=world.consultant, name=f"Row {i}")
        e.members.add(member)
    api = client_for(world.consultant)
    # auth is forced, so: count, page of engagements (+client, lead), members prefetch.
    with django_assert_num_queries(3):
        r = api.get("/api/engagements/?page_size=100")
    assert r.json()["count"] == rows + 1


@pytest.mark.parametrize("rows", [5, 50])
def test_transition_list_query_count_is_constant(world, rows, django_assert_num_queries):
    PhaseTransition.objects.bulk_create(
        PhaseTransition(
            engagement=world.engagement_a,
            from_phase="mapping",
            to_phase="training",
            by=world.consultant,
        )
        for _ in range(rows)
    )
    api = client_for(world.consultant)
    with django_assert_num_queries(4):  # engagement (+members), count, page (+by)
        r = api.get(_url(world.engagement_a, "transitions/") + "?page_size=100")
    assert r.json()["count"] == rows


# --- create and update ------------------------------------------------------------------------


def test_consultant_creates_engagement(world):
    r = client_for(world.consultant).post(
        "/api/engagements/",
        {"client": world.client_a.pk, "name": "Claims", "target_accuracy": "0.9"},
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["phase"] == "mapping" and body["target_accuracy"] == "0.9000"
    assert Engagement.objects.get(pk=body["id"]).target_accuracy == Decimal("90.00")
    assert body["lead"]["username"] == world.consultant.username


def test_create_for_a_client_you_cannot_see_is_a_field_error(world):
    r = client_for(world.consultant).post(
        "/api/engagements/", {"client": world.client_b.pk, "name": "Sneaky"}
    )
    assert r.status_code == 400
    assert "client" in r.json()
    assert not Engagement.objects.filter(name="Sneaky").exists()


def test_operator_cannot_create_engagement(world):
    r = client_for(world.operator_a).post(
        "/api/engagements/", {"client": world.client_a.pk, "name": "Mine"}
    )
    assert r.status_code == 403
    assert r.json()["code"] == "not_consultant"


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Ok", "target_accuracy": "150"}, "target_accuracy"),
        ({"name": "Ok", "target_accuracy": "abc"}, "target_accuracy"),
        ({"name": "Ok", "lead": 999999}, "lead"),
        ({"name": "Ok", "phase": "handoff"}, "phase"),
        ({"name": "A agents"}, "name"),
    ],
)
def test_create_bad_input_gets_field_errors(world, payload, field):
    payload = {"client": world.client_a.pk, **payload}
    r = client_for(world.consultant).post("/api/engagements/", payload)
    assert r.status_code == 400
    assert field in r.json(), r.json()
    assert Engagement.objects.count() == 2


def test_create_rejects_non_object_body(world):
    r = client_for(world.consultant).post("/api/engagements/", [1, 2], format="json")
    assert r.status_code == 400
    assert "non_field_errors" in r.json()


def test_consultant_updates_engagement(world):
    r = client_for(world.consultant).patch(
        _url(world.engagement_a), {"name": "Renamed", "stance": "advisory"}
    )
    assert r.status_code == 200, r.json()
    world.engagement_a.refresh_from_db()
    assert (world.engagement_a.name, world.engagement_a.stance) == ("Renamed", "advisory")


def test_update_cannot_set_phase(world):
    r = client_for(world.consultant).patch(_url(world.engagement_a), {"phase": "handoff"})
    assert r.status_code == 400
    assert "phase" in r.json()
    world.engagement_a.refresh_from_db()
    assert world.engagement_a.phase == "mapping"


@pytest.mark.parametrize("who", ["operator_a", "sponsor_a"])
def test_own_client_operator_and_sponsor_get_403_on_changes(world, who):
    api = client_for(getattr(world, who))
    r = api.patch(_url(world.engagement_a), {"name": "Mine"})
    assert r.status_code == 403 and r.json()["code"] == "not_consultant"
    r = api.post(_url(world.engagement_a, "transition/"), {"to_phase": "training", **OVERRIDE})
    assert r.status_code == 403 and r.json()["code"] == "not_consultant"
    world.engagement_a.refresh_from_db()
    assert (world.engagement_a.name, world.engagement_a.phase) == ("A agents", "mapping")
    # ...but they can read it.
    assert api.get(_url(world.engagement_a)).status_code == 200
    assert api.get(_url(world.engagement_a, "transitions/")).status_code == 200


# --- transitions ------------------------------------------------------------------------------


def test_transition_with_failing_gate_explains_which_check_fails(world):
    r = client_for(world.consultant).post(
        _url(world.engagement_a, "transition/"), {"to_phase": "training"}
    )
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "gate_failed"
    assert body["gates"][0]["code"] == "process_map_ready" and body["gates"][0]["passed"] is False
    assert not PhaseTransition.objects.exists()


def test_transition_override_is_recorded(world):
    api = client_for(world.consultant)
    r = api.post(
        _url(world.engagement_a, "transition/"), {"to_phase": "training", "note": "Go", **OVERRIDE}
    )
    assert r.status_code == 201, r.json()
    assert r.json()["overridden"] is True
    history = api.get(_url(world.engagement_a, "transitions/")).json()["results"]
    assert [
        (t["from_phase"], t["to_phase"], t["by"]["username"], t["override_reason"]) for t in history
    ] == [("mapping", "training", world.consultant.username, OVERRIDE["override_reason"])]
    assert api.get(_url(world.engagement_a)).json()["phase"] == "training"


@pytest.mark.parametrize(
    "payload,status,key,value",
    [
        ({"to_phase": "launch"}, 400, "to_phase", None),
        ({}, 400, "to_phase", None),
        ({"to_phase": "handoff", **OVERRIDE}, 400, "code", "illegal_transition"),
        ({"to_phase": "training", "override": True}, 400, "override_reason", None),
        (
            {"to_phase": "training", "override": True, "override_reason": "  "},
            400,
            "override_reason",
            None,
        ),
        (
            {"to_phase": "training", "override": "maybe", "override_reason": "x"},
            400,
            "override",
            None,
        ),
        ({"to_phase": "training", "bogus": 1}, 400, "bogus", None),
    ],
)
def test_transition_bad_input_changes_nothing(world, payload, status, key, value):
    r = client_for(world.consultant).post(
        _url(world.engagement_a, "transition/"), payload, format="json"
    )
    assert r.status_code == status
    assert key in r.json()
    if value:
        assert r.json()[key] == value
    world.engagement_a.refresh_from_db()
    assert world.engagement_a.phase == "mapping"
    assert not PhaseTransition.objects.exists()


def test_gates_endpoint_lists_legal_moves(world):
    r = client_for(world.sponsor_a).get(_url(world.engagement_a, "gates/"))
    assert r.status_code == 200
    [move] = r.json()
    assert (move["to_phase"], move["forward"], move["passed"]) == ("training", True, False)


# --- clients ----------------------------------------------------------------------------------


def test_client_list_and_detail_are_scoped(world):
    api = client_for(world.operator_b)
    assert [c["slug"] for c in api.get("/api/clients/").json()["results"]] == ["beta"]
    assert api.get(f"/api/clients/{world.client_b.pk}/").status_code == 200
    assert api.get(f"/api/clients/{world.client_a.pk}/").status_code == 404


def test_consultant_creates_client_operator_cannot(world):
    r = client_for(world.consultant).post("/api/clients/", {"name": "Gamma", "slug": "gamma"})
    assert r.status_code == 201
    r = client_for(world.operator_a).post("/api/clients/", {"name": "Delta", "slug": "delta"})
    assert r.status_code == 403
    r = client_for(world.consultant).post("/api/clients/", {"name": "Acme", "slug": "not a slug"})
    assert r.status_code == 400 and set(r.json()) == {"slug"}
    assert not Client.objects.filter(name="Delta").exists()


# --- tenant isolation: every endpoint, client B's operator against client A -------------------


ISOLATION_CASES = [
    ("get", "detail", None),
    ("patch", "detail", {"name": "Hijacked"}),
    ("get", "gates", None),
    ("get", "transitions", None),
    ("post", "transition", {"to_phase": "training", **OVERRIDE}),
]


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize("method,endpoint,body", ISOLATION_CASES)
def test_other_tenant_gets_404_and_changes_nothing(world, who, method, endpoint, body):
    paths = {
        "detail": _url(world.engagement_a),
        "gates": _url(world.engagement_a, "gates/"),
        "transitions": _url(world.engagement_a, "transitions/"),
        "transition": _url(world.engagement_a, "transition/"),
    }
    assert_hidden(
        client_for(getattr(world, who)),
        [(method, paths[endpoint], body)],
        api_code=True,
        absent=["A agents"],
        format="json",
    )
    world.engagement_a.refresh_from_db()
    assert (world.engagement_a.name, world.engagement_a.phase) == ("A agents", "mapping")
    assert not PhaseTransition.objects.exists()


def test_other_tenant_list_and_clients_hide_client_a(world):
    api = client_for(world.operator_b)
    assert "Acme" not in api.get("/api/engagements/").content.decode()
    assert "Acme" not in api.get("/api/clients/").content.decode()


# --- schema -----------------------------------------------------------------------------------


def test_openapi_schema_describes_every_endpoint(world):
    r = client_for(world.consultant).get("/api/schema/?format=json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for path in [
        "/api/clients/",
        "/api/clients/{client_id}/",
        "/api/engagements/",
        "/api/engagements/{engagement_id}/",
        "/api/engagements/{engagement_id}/gates/",
        "/api/engagements/{engagement_id}/transition/",
        "/api/engagements/{engagement_id}/transitions/",
    ]:
        assert path in paths, path
    transition = paths["/api/engagements/{engagement_id}/transition/"]["post"]
    assert {"201", "400", "403", "404", "409"} <= set(transition["responses"])


def test_api_docs_page_renders(world):
    r = client_for(world.consultant).get("/api/docs/")
    assert r.status_code == 200
    assert b"swagger" in r.content.lower()


def test_openapi_schema_is_valid_and_warning_free():
    from django.core.management import call_command

    # --fail-on-warn: an undescribed endpoint or ambiguous type fails here, not in a client.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_schema_and_docs_are_public_but_hold_no_tenant_data(api_client, world):
    r = api_client.get("/api/schema/")
    assert r.status_code == 200
    assert b"Acme" not in r.content


def test_every_api_operation_is_described(api_client):
    paths = api_client.get("/api/schema/?format=json").json()["paths"]
    undescribed = [
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        for method, operation in operations.items()
        if not (operation.get("description") or operation.get("summary"))
    ]
    assert undescribed == []


def test_unassigned_consultant_of_the_same_client_gets_404(world):
    outsider = MembershipFactory(client=world.client_a, role=Membership.Role.CONSULTANT).user
    api = client_for(outsider)
    assert api.get(_url(world.engagement_a)).status_code == 404
    r = api.post(_url(world.engagement_a, "transition/"), {"to_phase": "training", **OVERRIDE})
    assert r.status_code == 404
    assert api.get("/api/engagements/").json()["count"] == 0


@pytest.mark.parametrize("rows", [5, 50])
def test_client_list_query_count_is_constant(world, rows, django_assert_num_queries):
    for i in range(rows):
        client = Client.objects.create(name=f"Extra {i}", slug=f"extra-{i}")
        MembershipFactory(user=world.consultant, client=client, role=Membership.Role.CONSULTANT)
    api = client_for(world.consultant)
    with django_assert_num_queries(2):  # count, page
        r = api.get("/api/clients/?page_size=100")
    assert r.json()["count"] == rows + 1
