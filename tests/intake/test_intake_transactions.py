"""Which writes of the intake share a transaction. A lone auto-routed decision is one INSERT in
autocommit (no BEGIN/COMMIT round trips); anything with a second write (a review task, a new
counterparty, a batch) stays all-or-nothing."""

import contextlib

import pytest
from django.db import connection

from maestro.decisions.models import Decision
from tests.decisions.conftest import decision

URL = "/api/decisions/"
pytestmark = pytest.mark.django_db(transaction=True)  # no test transaction around the request


@contextlib.contextmanager
def inserts():
    """(table, inside a transaction?) for every INSERT (or COPY, PostgreSQL) the block runs."""
    seen: list[tuple[str, bool]] = []

    def spy(execute, sql, params, many, context):
        words = sql.split()
        if words[0].upper() in ("INSERT", "COPY"):
            table = words[2 if words[0].upper() == "INSERT" else 1].strip('"`')
            seen.append((table, context["connection"].in_atomic_block))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        yield seen


def test_a_lone_auto_routed_decision_is_inserted_without_a_transaction(
    agent_a, process_a, playbook_a
):
    with inserts() as seen:
        r = agent_a.post(URL, decision(process_a, case_ref="A-1"), format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["route"] == "auto"
    assert seen == [(Decision._meta.db_table, False)]
    assert Decision.objects.filter(case_ref="A-1").count() == 1


def test_a_retry_of_a_lone_decision_answers_the_first_one_and_stores_nothing(
    agent_a, process_a, playbook_a
):
    first = agent_a.post(URL, decision(process_a, case_ref="A-2"), format="json").json()
    retry = agent_a.post(URL, decision(process_a, case_ref="A-2", confidence=0.1), format="json")
    assert retry.status_code == 200
    assert retry.json() == first | {"created": False}
    assert Decision.objects.filter(case_ref="A-2").count() == 1


def test_a_human_routed_decision_and_its_task_are_written_in_one_transaction(
    agent_a, process_a, playbook_a
):
    with inserts() as seen:
        r = agent_a.post(URL, decision(process_a, case_ref="H-1", confidence=0.2), format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["review_task"] is not None
    tables = [table for table, _inside in seen]
    assert Decision._meta.db_table in tables
    assert "handoff_reviewtask" in tables
    assert all(inside for _table, inside in seen), seen


def test_a_batch_is_inserted_in_one_transaction(agent_a, process_a, playbook_a):
    items = [decision(process_a, case_ref=f"B-{i}") for i in range(3)]
    with inserts() as seen:
        r = agent_a.post(URL, {"decisions": items}, format="json")
    assert r.json()["accepted"] == 3
    assert seen == [(Decision._meta.db_table, True)]
