import hashlib

import pytest

from maestro.decisions import keys
from maestro.decisions.auth import AgentApiKeyAuthentication, _key_with_engagement
from maestro.decisions.models import AgentApiKey
from maestro.decisions.services import agent_api_key_create, agent_api_key_revoke
from maestro.exceptions import NotPermitted


def test_create_returns_secret_once_and_stores_only_its_hash(world):
    key, secret = agent_api_key_create(
        engagement=world.engagement_a, name=" Ticket agent ", by=world.consultant
    )
    assert key.name == "Ticket agent"
    assert secret.startswith(key.prefix + "_")
    assert key.prefix.startswith("mk_") and len(key.prefix) == keys.PREFIX_LENGTH
    stored = AgentApiKey.objects.get(pk=key.pk)
    assert stored.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(stored.__dict__)


def test_two_keys_have_different_secrets_and_prefixes(world):
    a = agent_api_key_create(engagement=world.engagement_a, name="a", by=world.consultant)
    b = agent_api_key_create(engagement=world.engagement_a, name="b", by=world.consultant)
    assert a[1] != b[1] and a[0].prefix != b[0].prefix


@pytest.mark.parametrize("who", ["operator_a", "sponsor_a", "consultant_b"])
def test_only_the_engagements_consultants_create_keys(world, who):
    with pytest.raises(NotPermitted) as err:
        agent_api_key_create(engagement=world.engagement_a, name="x", by=getattr(world, who))
    assert err.value.code == "not_consultant"


def test_create_requires_a_name(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as err:
        agent_api_key_create(engagement=world.engagement_a, name="  ", by=world.consultant)
    assert "name" in err.value.message_dict


def test_revoke_keeps_the_first_time(world):
    key, _secret = agent_api_key_create(
        engagement=world.engagement_a, name="a", by=world.consultant
    )
    agent_api_key_revoke(key=key, by=world.consultant)
    first = key.revoked_at
    assert first is not None
    agent_api_key_revoke(key=key, by=world.consultant)
    assert key.revoked_at == first


def test_operator_cannot_revoke(world):
    key, _secret = agent_api_key_create(
        engagement=world.engagement_a, name="a", by=world.consultant
    )
    with pytest.raises(NotPermitted):
        agent_api_key_revoke(key=key, by=world.operator_a)


@pytest.mark.parametrize(
    "secret",
    ["", "mk_", "mk_abc", "Token mk_x", "mk_000000000000_nope", "xx_000000000000_aaaaaaaa"],
)
def test_key_prefix_rejects_malformed_secrets_or_unknown(secret):
    prefix = keys.key_prefix(secret)
    assert prefix is None or prefix == "mk_000000000000"


class _Request:
    def __init__(self, meta):
        self.META = meta


def test_authentication_accepts_bearer_and_x_api_key(world):
    key, secret = agent_api_key_create(engagement=world.engagement_a, name="a", by=world.consultant)
    auth = AgentApiKeyAuthentication()
    agent, found = auth.authenticate(_Request({"HTTP_AUTHORIZATION": f"Bearer {secret}"}))
    assert found.pk == key.pk and agent.engagement == world.engagement_a
    _agent, found = auth.authenticate(_Request({"HTTP_X_API_KEY": secret}))
    assert found.pk == key.pk


def test_authentication_ignores_other_schemes(world):
    assert (
        AgentApiKeyAuthentication().authenticate(_Request({"HTTP_AUTHORIZATION": "Token abc"}))
        is None
    )


def test_last_used_is_written_at_most_once_a_minute(world, django_assert_num_queries):
    key, secret = agent_api_key_create(engagement=world.engagement_a, name="a", by=world.consultant)
    auth = AgentApiKeyAuthentication()
    request = _Request({"HTTP_AUTHORIZATION": f"Bearer {secret}"})
    with django_assert_num_queries(2):  # lookup + the first use
        auth.authenticate(request)
    first = AgentApiKey.objects.get(pk=key.pk).last_used_at
    assert first is not None
    with django_assert_num_queries(1):  # lookup only
        auth.authenticate(request)
    assert AgentApiKey.objects.get(pk=key.pk).last_used_at == first


def test_the_authentication_loads_the_key_and_its_engagement_in_one_query(
    world, django_assert_num_queries
):
    key, secret = agent_api_key_create(
        engagement=world.engagement_a, name="Agent", by=world.consultant
    )
    with django_assert_num_queries(1):
        loaded = _key_with_engagement(key.prefix)
        assert loaded.engagement.client_id == world.engagement_a.client_id
        assert loaded.engagement.lead_id == world.consultant.pk
    assert loaded == key and loaded.key_hash == key.key_hash
    assert not loaded._state.adding
    assert _key_with_engagement("mk_000000000000") is None
