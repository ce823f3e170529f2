"""The decision intake is throttled per agent API key (a batch counts once), and wrong keys are
limited per address."""

import pytest
from django.core.cache import cache

from maestro.decisions.models import Decision
from maestro.decisions.services import agent_api_key_create
from tests.decisions.conftest import agent_client, decision

RATES = {"user": "1000/min", "anon": "1000/min", "agent": "3/min", "bad_credentials": "20/min"}


@pytest.fixture(autouse=True)
def rates(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": RATES}
    cache.clear()
    yield
    cache.clear()


def test_a_key_over_its_rate_gets_429_with_retry_after(agent_a, process_a, playbook_a, world):
    for n in range(3):
        r = agent_a.post("/api/decisions/", decision(process_a, case_ref=f"PO-{n}"))
        assert r.status_code == 201

    r = agent_a.post("/api/decisions/", decision(process_a, case_ref="PO-late"))

    assert r.status_code == 429
    assert r.json()["code"] == "throttled"
    assert int(r["Retry-After"]) >= 1
    assert not Decision.objects.filter(case_ref="PO-late").exists()
    # Another key of the same engagement has its own budget.
    _key, secret = agent_api_key_create(
        engagement=world.engagement_a, name="Agent A2", by=world.consultant
    )
    r = agent_client(secret).post("/api/decisions/", decision(process_a, case_ref="PO-other"))
    assert r.status_code == 201


def test_a_batch_counts_once(agent_a, process_a, playbook_a):
    for n in range(3):
        batch = {"decisions": [decision(process_a, case_ref=f"B{n}-{i}") for i in range(10)]}
        r = agent_a.post("/api/decisions/", batch)
        assert r.status_code == 200
        assert r.json()["accepted"] == 10
    assert Decision.objects.count() == 30
    assert agent_a.post("/api/decisions/", batch).status_code == 429


def test_fifty_wrong_keys_from_one_address_end_in_429(key_a, process_a, playbook_a):
    codes = []
    for n in range(50):
        codes.append(
            agent_client(f"mk_wrong{n:04d}_secret").post("/api/decisions/", {}).status_code
        )

    assert codes[:20] == [401] * 20
    assert set(codes[20:]) == {429}
    r = agent_client("mk_wrong_again").post("/api/decisions/", {}, HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert r.status_code == 429
    assert r.json()["code"] == "too_many_bad_credentials"
    assert int(r["Retry-After"]) >= 1
    # Until the window passes, that address's real key waits too; other addresses do not.
    good = agent_client(key_a[1])
    assert good.post("/api/decisions/", decision(process_a)).status_code == 429
    r = good.post("/api/decisions/", decision(process_a), REMOTE_ADDR="203.0.113.9")
    assert r.status_code == 201
