"""An agent API key opens the decision intake and outcome feedback only; anywhere else it is a
403 `agent_key_not_allowed` that says so, not a 401 "credentials were not provided"."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from maestro.decisions.services import agent_api_key_create, agent_api_key_revoke
from maestro.engagements.models import Engagement
from maestro.tenancy.models import Client
from tests.decisions.conftest import agent_client, decision
from tests.mapping.factories import ProcessFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(world):
    world.key, world.secret = agent_api_key_create(
        engagement=world.engagement_a, name="Agent", by=world.consultant
    )
    return world


def _requests(world) -> list[tuple[str, str, dict | None]]:
    engagement = world.engagement_a.pk
    return [
        ("get", "/api/engagements/", None),
        ("get", f"/api/engagements/{engagement}/", None),
        ("patch", f"/api/engagements/{engagement}/", {"name": "Taken over"}),
        ("post", "/api/clients/", {"name": "Agent Corp", "slug": "agent-corp"}),
        ("get", f"/api/engagements/{engagement}/api-keys/", None),
        ("post", f"/api/engagements/{engagement}/api-keys/", {"name": "Another"}),
        ("get", f"/api/engagements/{engagement}/deployment-metrics/", None),
        ("get", "/api/review-tasks/queue/", None),
        ("get", "/api/processes/", None),
        ("post", "/api/auth/token/rotate/", None),
    ]


@pytest.mark.parametrize("header", ["bearer", "x-api-key"])
def test_an_agent_key_elsewhere_is_a_403_that_says_where_keys_work(key, header):
    api = APIClient()
    if header == "bearer":
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {key.secret}")
    else:
        api.credentials(HTTP_X_API_KEY=key.secret)
    for method, url, body in _requests(key):
        r = getattr(api, method)(url, body, format="json")
        assert r.status_code == 403, (method, url, r.status_code, r.content)
        assert r.json()["code"] == "agent_key_not_allowed", (method, url)
        assert "may only post decisions" in r.json()["detail"]
        assert "WWW-Authenticate" not in r
    assert Engagement.objects.get(pk=key.engagement_a.pk).name == "A agents"
    assert not Client.objects.filter(slug="agent-corp").exists()
    assert key.engagement_a.api_keys.count() == 1


def test_a_revoked_or_unknown_agent_key_elsewhere_is_refused_the_same_way(key):
    agent_api_key_revoke(key=key.key, by=key.consultant)
    for secret in (key.secret, "mk_000000000000_" + "x" * 43):
        r = agent_client(secret).get("/api/engagements/")
        assert (r.status_code, r.json()["code"]) == (403, "agent_key_not_allowed")


def test_the_key_still_posts_decisions_and_outcomes(key):
    agent = agent_client(key.secret)
    process = ProcessFactory(engagement=key.engagement_a)
    r = agent.post("/api/decisions/", decision(process), format="json")
    assert r.status_code == 201, r.content
    r = agent.post(
        "/api/decisions/outcomes/",
        {"process": process.pk, "case_ref": "PO-1", "outcome": "approve"},
        format="json",
    )
    assert r.status_code != 403, r.content


def test_without_credentials_the_answer_is_still_a_401():
    r = APIClient().get("/api/engagements/")
    assert (r.status_code, r.json()["code"]) == (401, "not_authenticated")
    r = APIClient().get("/api/engagements/", HTTP_AUTHORIZATION="Bearer not-a-key")
    assert r.status_code == 401


def test_public_endpoints_ignore_an_agent_key(key, world):
    api = agent_client(key.secret)
    assert api.get("/api/schema/").status_code == 200
    world.consultant.set_password("pw-for-token-1")
    world.consultant.save()
    r = api.post(
        "/api/auth/token/",
        {"username": world.consultant.username, "password": "pw-for-token-1"},
        format="json",
    )
    assert r.status_code == 200, r.content


def test_the_schema_documents_the_403_on_every_person_operation():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            security = operation.get("security", [{}])
            if {} in security or any("agentApiKey" in s for s in security):
                continue
            assert "agent_key_not_allowed" in operation["responses"]["403"]["description"], (
                method,
                path,
            )


def test_the_schema_description_states_the_convention():
    info = SchemaGenerator().get_schema(request=None, public=True)["info"]["description"]
    assert "`agent_key_not_allowed`" in info
