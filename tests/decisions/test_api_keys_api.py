from maestro.decisions.models import AgentApiKey
from tests.conftest import client_for
from tests.decisions.conftest import agent_client, decision
from tests.harness.isolation import assert_hidden


def test_consultant_creates_a_key_and_sees_the_secret_once(world):
    url = f"/api/engagements/{world.engagement_a.pk}/api-keys/"
    r = client_for(world.consultant).post(url, {"name": "Ticket agent"}, format="json")
    assert r.status_code == 201
    secret = r.json()["secret"]
    assert secret.startswith(r.json()["prefix"] + "_")
    listed = client_for(world.consultant).get(url).json()
    assert [k["name"] for k in listed] == ["Ticket agent"]
    assert "secret" not in listed[0] and secret not in str(listed)


def test_operator_and_sponsor_cannot_create_or_list_keys(world):
    url = f"/api/engagements/{world.engagement_a.pk}/api-keys/"
    for user in (world.operator_a, world.sponsor_a):
        r = client_for(user).post(url, {"name": "x"}, format="json")
        assert r.status_code == 403
        assert r.json()["code"] == "not_consultant"
        assert client_for(user).get(url).status_code == 403
    assert AgentApiKey.objects.count() == 0


def test_other_tenant_gets_404(world):
    url = f"/api/engagements/{world.engagement_a.pk}/api-keys/"
    assert_hidden(
        client_for(world.consultant_b),
        [("post", url, {"name": "x"})],
        unchanged=lambda: AgentApiKey.objects.count(),
        format="json",
    )


def test_revoke_through_the_api_locks_the_agent_out(world, key_a, process_a):
    key, secret = key_a
    # A busy agent: its key is in the shared cache when it is revoked.
    first = agent_client(secret).post("/api/decisions/", decision(process_a), format="json")
    assert first.status_code == 201
    other = client_for(world.consultant_b).post(f"/api/api-keys/{key.pk}/revoke/")
    assert other.status_code == 404
    r = client_for(world.consultant).post(f"/api/api-keys/{key.pk}/revoke/")
    assert r.status_code == 200
    assert r.json()["active"] is False and r.json()["revoked_at"]
    answer = agent_client(secret).post(
        "/api/decisions/", decision(process_a, case_ref="after"), format="json"
    )
    assert answer.status_code == 401
    assert answer.json()["code"] == "api_key_revoked"


def test_an_agent_key_cannot_use_the_rest_of_the_api(key_a, world):
    r = agent_client(key_a[1]).get(f"/api/engagements/{world.engagement_a.pk}/")
    assert (r.status_code, r.json()["code"]) == (403, "agent_key_not_allowed")
