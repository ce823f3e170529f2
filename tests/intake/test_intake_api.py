import pytest
from django.db import connection

from maestro.decisions.models import Decision
from maestro.decisions.services import agent_api_key_revoke
from maestro.playbooks.models import KnownCounterparty
from maestro.playbooks.selectors import compiled_playbooks_clear
from maestro.reviews.models import ReviewTask
from tests.conftest import client_for
from tests.decisions.conftest import agent_client, decision
from tests.mapping.factories import ProcessFactory
from tests.playbooks.factories import EscalationPlaybookFactory, PlaybookVersionFactory

URL = "/api/decisions/"


def test_confident_small_purchase_goes_auto(agent_a, process_a, playbook_a):
    r = agent_a.post(URL, decision(process_a), format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["route"] == "auto"
    assert body["reasons"] == []
    assert body["playbook_version"] == 1
    assert body["review_task"] is None
    assert body["created"] is True
    stored = Decision.objects.get(pk=body["id"])
    assert stored.engagement == process_a.engagement
    assert stored.playbook_version == playbook_a
    assert str(stored.confidence) == "0.9300"
    assert stored.payload == {"lines": 3}


def test_every_matching_reason_is_returned_and_a_task_opened(
    agent_a, process_a, playbook_a, world, contract_type
):
    r = agent_a.post(
        URL,
        decision(
            process_a,
            confidence=0.5,
            category="Compliance",
            amount="75000",
            counterparty="New Supplier Ltd",
            decision_type="contract",
        ),
        format="json",
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["route"] == "human"
    assert [reason["code"] for reason in body["reasons"]] == [
        "confidence_below",
        "category_always_human",
        "amount_above",
        "new_counterparty",
        "decision_type_always_human",
    ]
    task = ReviewTask.objects.get(pk=body["review_task"])
    assert task.decision_id == body["id"]
    assert task.assignee == world.operator_a
    assert Decision.objects.get(pk=body["id"]).decision_type == contract_type


def test_process_without_playbook_fails_closed(agent_a, process_a):
    r = agent_a.post(URL, decision(process_a), format="json")
    assert r.status_code == 201
    body = r.json()
    assert body["route"] == "human"
    assert [reason["code"] for reason in body["reasons"]] == ["no_playbook"]
    assert body["playbook_version"] is None
    assert body["review_task"] is not None


def test_same_case_ref_returns_the_first_answer_and_writes_nothing(agent_a, process_a, playbook_a):
    first = agent_a.post(URL, decision(process_a, confidence=0.5), format="json").json()
    again = agent_a.post(URL, decision(process_a, confidence=0.99), format="json")
    assert again.status_code == 200
    assert again.json() == first | {"created": False}
    assert Decision.objects.count() == 1
    assert ReviewTask.objects.count() == 1


def test_new_playbook_version_routes_the_next_decision(agent_a, process_a, playbook_a, world):
    agent_a.post(URL, decision(process_a, case_ref="A", confidence=0.85), format="json")
    PlaybookVersionFactory(
        playbook=playbook_a.playbook,
        number=2,
        rules=[{"kind": "confidence_below", "threshold": "0.90"}],
        created_by=world.consultant,
    )
    r = agent_a.post(URL, decision(process_a, case_ref="B", confidence=0.85), format="json")
    assert r.json()["route"] == "human"
    assert r.json()["playbook_version"] == 2


def test_counterparty_is_new_once(agent_a, process_a, playbook_a):
    first = agent_a.post(URL, decision(process_a, case_ref="1", counterparty="Acme"), format="json")
    second = agent_a.post(
        URL, decision(process_a, case_ref="2", counterparty="Acme"), format="json"
    )
    assert [r["code"] for r in first.json()["reasons"]] == ["new_counterparty"]
    assert second.json()["route"] == "auto"
    assert KnownCounterparty.objects.filter(process=process_a, name="Acme").count() == 1


# --- authentication and scope -------------------------------------------------------------------


def test_no_key_is_401(api_client, process_a):
    r = api_client.post(URL, decision(process_a), format="json")
    assert r.status_code == 401
    assert "API key" in r.json()["detail"]
    assert r["WWW-Authenticate"].startswith("Bearer")


def test_a_users_session_cannot_post_decisions(world, process_a):
    r = client_for(world.consultant).post(URL, decision(process_a), format="json")
    assert r.status_code in (401, 403)
    assert Decision.objects.count() == 0


def test_unknown_key_is_401(process_a):
    r = agent_client("mk_000000000000_notarealkey").post(URL, decision(process_a), format="json")
    assert r.status_code == 401
    assert r.json()["code"] == "invalid_api_key"


def test_wrong_secret_with_a_real_prefix_is_401(key_a, process_a):
    key, secret = key_a
    r = agent_client(secret[:-2] + "xx").post(URL, decision(process_a), format="json")
    assert r.status_code == 401
    assert r.json()["code"] == "invalid_api_key"


def test_revoked_key_is_401_with_a_clear_message(key_a, process_a, world):
    key, secret = key_a
    agent_api_key_revoke(key=key, by=world.consultant)
    r = agent_client(secret).post(URL, decision(process_a), format="json")
    assert r.status_code == 401
    assert r.json()["code"] == "api_key_revoked"
    assert "revoked" in r.json()["detail"]


def test_x_api_key_header_works(key_a, process_a):
    client = agent_client("")
    client.credentials(HTTP_X_API_KEY=key_a[1])
    assert client.post(URL, decision(process_a), format="json").status_code == 201


def test_key_of_a_cannot_post_to_a_process_of_b(agent_a, world):
    process_b = ProcessFactory(engagement=world.engagement_b, name="Secret B process")
    EscalationPlaybookFactory(process=process_b)
    r = agent_a.post(URL, decision(process_b), format="json")
    assert r.status_code == 400
    message = r.json()["process"][0]
    assert message == f"There is no process {process_b.pk} in this API key's engagement."
    assert "Secret B" not in r.content.decode()
    missing = agent_a.post(URL, decision(process_b, process=999999), format="json")
    assert missing.json()["process"][0].replace("999999", str(process_b.pk)) == message
    assert Decision.objects.count() == 0


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"confidence": 1.5}, "confidence", "less than or equal to 1"),
        ({"confidence": -0.1}, "confidence", "greater than or equal to 0"),
        ({"confidence": "high"}, "confidence", "valid number"),
        ({"process": "x"}, "process", "valid integer"),
        ({"case_ref": ""}, "case_ref", "blank"),
        ({"proposed_outcome": "x" * 201}, "proposed_outcome", "200"),
        ({"payload": [1, 2]}, "payload", "JSON object"),
        ({"payload": {"blob": "x" * 17000}}, "payload", "limit is 16384"),
        ({"currency": "dollars"}, "currency", "three-letter"),
        ({"amount": "1.234"}, "amount", "decimal places"),
        ({"decision_type": "nope"}, "decision_type", "no decision type named “nope”"),
        ({"surprise": 1}, "surprise", "Unknown field"),
    ],
)
def test_single_invalid_decision_is_400_with_field_message(
    agent_a, process_a, playbook_a, overrides, field, fragment
):
    r = agent_a.post(URL, decision(process_a, **overrides), format="json")
    assert r.status_code == 400
    assert fragment in " ".join(r.json()[field])
    assert Decision.objects.count() == 0


def test_missing_required_fields_are_named(agent_a):
    r = agent_a.post(URL, {}, format="json")
    assert r.status_code == 400
    assert set(r.json()) == {"process", "case_ref", "proposed_outcome", "confidence"}


def test_malformed_json_is_400(agent_a):
    r = agent_a.post(URL, data='{"process": ', content_type="application/json")
    assert r.status_code == 400
    assert "JSON parse error" in r.json()["detail"]


def test_a_bare_list_is_400_with_the_expected_shapes(agent_a, process_a):
    r = agent_a.post(URL, [decision(process_a)], format="json")
    assert r.status_code == 400
    assert '{"decisions"' in r.json()["non_field_errors"][0]


# --- batches ------------------------------------------------------------------------------------


def test_batch_accepts_valid_items_and_rejects_bad_ones_by_index(agent_a, process_a, playbook_a):
    items = [
        decision(process_a, case_ref="B-0"),
        decision(process_a, case_ref="B-1", confidence=7),
        decision(process_a, case_ref="B-2", confidence=0.2),
        decision(process_a, case_ref="B-3", process=123456),
    ]
    r = agent_a.post(URL, {"decisions": items}, format="json")
    assert r.status_code == 200
    body = r.json()
    assert (body["accepted"], body["rejected"]) == (2, 2)
    results = body["results"]
    assert [row["index"] for row in results] == [0, 1, 2, 3]
    assert [row["status"] for row in results] == ["accepted", "rejected", "accepted", "rejected"]
    assert "confidence" in results[1]["errors"]
    assert "process" in results[3]["errors"]
    assert results[0]["route"] == "auto" and results[2]["route"] == "human"
    assert results[2]["review_task"] is not None
    assert set(Decision.objects.values_list("case_ref", flat=True)) == {"B-0", "B-2"}


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (1, "Expected a dictionary, but got int."),
        ("PO-9", "Expected a dictionary, but got str."),
        ([], "Expected a dictionary, but got list."),
        (None, "This field may not be null."),
    ],
)
def test_an_item_that_is_not_an_object_rejects_only_itself(
    agent_a, process_a, playbook_a, item, message
):
    items = [decision(process_a, case_ref="N-0"), item, decision(process_a, case_ref="N-2")]
    r = agent_a.post(URL, {"decisions": items}, format="json")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert (body["accepted"], body["rejected"]) == (2, 1)
    assert body["results"][1]["index"] == 1
    assert message in body["results"][1]["errors"]["non_field_errors"][0]
    assert set(Decision.objects.values_list("case_ref", flat=True)) == {"N-0", "N-2"}


def test_case_ref_repeated_in_a_batch_answers_with_the_first(agent_a, process_a, playbook_a):
    items = [
        decision(process_a, case_ref="R", confidence=0.3),
        decision(process_a, case_ref="R", confidence=0.99),
    ]
    results = agent_a.post(URL, {"decisions": items}, format="json").json()["results"]
    assert results[0]["created"] is True and results[1]["created"] is False
    assert results[1]["id"] == results[0]["id"]
    assert results[1]["route"] == "human" and results[1]["review_task"] == results[0]["review_task"]
    assert Decision.objects.count() == 1


def test_batch_retry_answers_every_item_with_its_first_answer(agent_a, process_a, playbook_a):
    items = [decision(process_a, case_ref=f"S-{i}", confidence=0.5 + i / 10) for i in range(5)]
    first = agent_a.post(URL, {"decisions": items}, format="json").json()
    again = agent_a.post(URL, {"decisions": items}, format="json").json()
    assert [r | {"created": True} for r in again["results"]] == first["results"]
    assert Decision.objects.count() == 5
    assert ReviewTask.objects.count() == sum(r["route"] == "human" for r in first["results"])


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"decisions": []}, "at least 1"),
        ({"decisions": "x"}, "list"),
        ({"decisions": [{}] * 1001}, "no more than 1000"),
        ({"decisions": [], "extra": 1}, "Unknown field"),
    ],
)
def test_invalid_batch_envelope_is_400(agent_a, body, fragment):
    r = agent_a.post(URL, body, format="json")
    assert r.status_code == 400
    assert fragment in str(r.json())


def test_batch_of_1000_is_accepted(agent_a, process_a, playbook_a):
    items = [decision(process_a, case_ref=f"K-{i}") for i in range(1000)]
    r = agent_a.post(URL, {"decisions": items}, format="json")
    assert r.status_code == 200
    assert r.json()["accepted"] == 1000


# --- query counts -------------------------------------------------------------------------------


def _count_queries(client, payload, django_assert_max_num_queries) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        r = client.post(URL, payload, format="json")
    assert r.status_code in (200, 201), r.json()
    return len(ctx.captured_queries)


def test_queries_do_not_grow_with_rules(agent_a, process_a, playbook_a, world):
    """Compared cold (the first decision after a new version: the playbook is compiled) and
    warm (this worker compiled it for the same routing stamp), a playbook of 41 rules costs
    what a playbook of 5 does."""
    agent_a.post(URL, decision(process_a, case_ref="warm"), format="json")  # last_used_at written
    compiled_playbooks_clear()
    cold_few = _count_queries(agent_a, decision(process_a, case_ref="few-1"), None)
    warm_few = _count_queries(agent_a, decision(process_a, case_ref="few-2"), None)
    PlaybookVersionFactory(
        playbook=playbook_a.playbook,
        number=2,
        rules=[{"kind": "category_in", "categories": [f"c{i}" for i in range(10)]}] * 10
        + [
            {"kind": "amount_above", "amount": str(1_000_000 + i), "currency": "USD"}
            for i in range(30)
        ],
        created_by=world.consultant,
    )
    cold_many = _count_queries(agent_a, decision(process_a, case_ref="many-1"), None)
    warm_many = _count_queries(agent_a, decision(process_a, case_ref="many-2"), None)
    assert (cold_few, warm_few) == (cold_many, warm_many)
    assert warm_few == cold_few - 2  # no version, no decision types query when warm
    assert cold_many <= 7  # and no more than today


def test_a_busy_agents_auto_routed_decision_costs_two_queries(agent_a, process_a, playbook_a):
    """Once the agent's key is cached and the playbook compiled: the process with its routing
    stamp, and the insert. The key is not looked up again. (The test's own transaction adds a
    savepoint around the insert, which a lone decision in autocommit does not take.)"""
    from django.test.utils import CaptureQueriesContext

    agent_a.post(URL, decision(process_a, case_ref="warm"), format="json")
    with CaptureQueriesContext(connection) as ctx:
        r = agent_a.post(URL, decision(process_a, case_ref="busy"), format="json")
    statements = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 2, statements
    assert statements[0].startswith('SELECT "mapping_process"."id"')
    assert statements[1].startswith('INSERT INTO "decisions_decision"')
    assert r.status_code == 201 and r.json()["route"] == "auto"
    assert Decision.objects.filter(case_ref="busy").count() == 1


@pytest.mark.parametrize("route_confidence", [0.95, 0.3])
def test_queries_do_not_grow_with_batch_size(agent_a, process_a, playbook_a, route_confidence):
    def batch(prefix, n):
        return {
            "decisions": [
                decision(
                    process_a,
                    case_ref=f"{prefix}-{i}",
                    confidence=route_confidence,
                    counterparty=f"{prefix}{i}",
                )
                for i in range(n)
            ]
        }

    agent_a.post(URL, batch("warm", 1), format="json")
    five = _count_queries(agent_a, batch("five", 5), None)
    fifty = _count_queries(agent_a, batch("fifty", 50), None)
    assert five == fifty
    # No more than today: 2 for the audit trail's entries of the tasks, 1 for the client's
    # assignment lock, and on PostgreSQL 1 for the ids taken before the decisions are copied in.
    assert fifty <= 17 + (connection.vendor == "postgresql")


def test_a_body_over_the_upload_limit_is_413_json(agent_a, process_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    items = [decision(process_a, case_ref=f"L-{i}", payload={"x": "y" * 500}) for i in range(40)]
    r = agent_a.post(URL, {"decisions": items}, format="json")
    assert r.status_code == 413
    assert r.json()["code"] == "request_too_large"
    assert Decision.objects.count() == 0


def test_queries_do_not_grow_with_batch_size_when_webhooks_listen(
    agent_a, process_a, playbook_a, world
):
    from maestro.webhooks.models import WebhookDelivery, WebhookEndpoint

    WebhookEndpoint.objects.create(
        engagement=world.engagement_a,
        url="https://example.com/hook",
        secret="s",
        events=["decision.escalated"],
    )

    def batch(prefix, n):
        items = [decision(process_a, case_ref=f"{prefix}-{i}", confidence=0.3) for i in range(n)]
        return {"decisions": items}

    agent_a.post(URL, batch("warm", 1), format="json")
    five = _count_queries(agent_a, batch("five", 5), None)
    fifty = _count_queries(agent_a, batch("fifty", 50), None)
    assert five == fifty
    # No more than today: 2 for the audit trail's entries of the tasks, 1 for the client's
    # assignment lock, and on PostgreSQL 1 for the ids taken before the decisions are copied in.
    assert fifty <= 17 + (connection.vendor == "postgresql")
    assert WebhookDelivery.objects.count() == 56


def test_a_batch_of_only_rejected_items_is_200_with_each_rejection(agent_a, process_a):
    r = agent_a.post(URL, {"decisions": [None, 1, {"process": process_a.pk}]}, format="json")
    assert r.status_code == 200, r.content[:300]
    body = r.json()
    assert (body["accepted"], body["rejected"]) == (0, 3)
    assert [row["status"] for row in body["results"]] == ["rejected"] * 3
    assert not Decision.objects.exists()
