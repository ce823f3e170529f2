import hashlib

import pytest

from maestro.decisions import keys
from maestro.decisions.auth import (
    AgentApiKeyAuthentication,
    _key_cache,
    _key_with_engagement,
    _last_used,
    key_cache_key,
)
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
    with django_assert_num_queries(0):  # the key from the shared cache, no write
        auth.authenticate(request)
    assert AgentApiKey.objects.get(pk=key.pk).last_used_at == first


def test_last_used_is_not_written_again_by_another_process_within_the_minute(
    world, django_assert_num_queries
):
    """The cached key carries last_used_at as it was when cached (here: never used); another
    web process, which has not written it itself, tries once (a conditional update that
    changes nothing) and then remembers."""
    key, secret = agent_api_key_create(engagement=world.engagement_a, name="a", by=world.consultant)
    auth = AgentApiKeyAuthentication()
    request = _Request({"HTTP_AUTHORIZATION": f"Bearer {secret}"})
    auth.authenticate(request)
    first = AgentApiKey.objects.get(pk=key.pk).last_used_at
    _last_used.clear()  # as in another process
    with django_assert_num_queries(1):
        auth.authenticate(request)
    with django_assert_num_queries(0):
        auth.authenticate(request)
    assert AgentApiKey.objects.get(pk=key.pk).last_used_at == first


def test_a_key_is_looked_up_in_the_database_once_then_read_from_the_shared_cache(
    world, django_assert_num_queries
):
    key, secret = agent_api_key_create(engagement=world.engagement_a, name="a", by=world.consultant)
    auth = AgentApiKeyAuthentication()
    request = _Request({"HTTP_AUTHORIZATION": f"Bearer {secret}"})
    auth.authenticate(request)
    with django_assert_num_queries(0):
        agent, found = auth.authenticate(request)
    assert found == key and found.name == "a" and found.is_test is False
    assert agent.engagement.pk == world.engagement_a.pk
    assert agent.engagement.client_id == world.engagement_a.client_id
    # What the cache does not carry is read from the database when asked for, never stale.
    with django_assert_num_queries(1):
        assert agent.engagement.lead_id == world.engagement_a.lead_id


def test_a_wrong_secret_of_a_cached_key_is_refused(world):
    from rest_framework.exceptions import AuthenticationFailed

    key, secret = agent_api_key_create(engagement=world.engagement_a, name="a", by=world.consultant)
    auth = AgentApiKeyAuthentication()
    auth.authenticate(_Request({"HTTP_AUTHORIZATION": f"Bearer {secret}"}))  # cached now
    with pytest.raises(AuthenticationFailed) as err:
        auth.authenticate(_Request({"HTTP_AUTHORIZATION": f"Bearer {key.prefix}_wrong"}))
    assert err.value.get_codes() == "invalid_api_key"


def test_a_revoked_key_is_refused_at_its_next_call_though_it_was_cached(world):
    from rest_framework.exceptions import AuthenticationFailed

    key, secret = agent_api_key_create(engagement=world.engagement_a, name="a", by=world.consultant)
    auth = AgentApiKeyAuthentication()
    request = _Request({"HTTP_AUTHORIZATION": f"Bearer {secret}"})
    auth.authenticate(request)  # cached now
    agent_api_key_revoke(key=key, by=world.consultant)
    with pytest.raises(AuthenticationFailed) as err:
        auth.authenticate(request)
    assert err.value.get_codes() == "api_key_revoked"


def test_a_lookup_that_read_the_key_before_its_revocation_cannot_cache_it_again(world):
    """A call that read the key from the database just before the revocation, and caches it
    just after, must not bring the revoked key back."""
    from rest_framework.exceptions import AuthenticationFailed

    key, secret = agent_api_key_create(engagement=world.engagement_a, name="a", by=world.consultant)
    read_before = _key_with_engagement(key.prefix)
    agent_api_key_revoke(key=key, by=world.consultant)
    _key_cache(read_before)  # the late lookup's add
    with pytest.raises(AuthenticationFailed) as err:
        AgentApiKeyAuthentication().authenticate(
            _Request({"HTTP_AUTHORIZATION": f"Bearer {secret}"})
        )
    assert err.value.get_codes() == "api_key_revoked"


def test_the_revocation_mark_is_put_again_when_the_revocation_commits(
    world, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    key, _secret = agent_api_key_create(
        engagement=world.engagement_a, name="a", by=world.consultant
    )
    with django_capture_on_commit_callbacks() as callbacks:
        agent_api_key_revoke(key=key, by=world.consultant)
    _key_cache(_key_with_engagement(key.prefix) or key)  # refused: the key is revoked
    cache.delete(key_cache_key(key.prefix))  # as if a lookup had raced the first mark away
    for callback in callbacks:
        callback()
    assert cache.get(key_cache_key(key.prefix)) == "revoked"


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
