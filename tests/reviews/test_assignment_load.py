"""Choosing the least-loaded operator: what it reads (only open tasks, through an index) and
that concurrent escalations spread over the operators instead of piling onto one."""

import json
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from maestro.audit.services import Actor
from maestro.intake.services import decisions_intake
from maestro.intake.services import intake as intake_module
from maestro.reviews.models import ReviewTask
from maestro.reviews.services import review_operator_least_loaded, review_operator_loads
from maestro.tenancy.models import Membership
from tests.engagements.factories import EngagementFactory
from tests.harness.races import barrier, needs_postgresql, run_at_once
from tests.mapping.factories import ProcessFactory
from tests.playbooks.factories import EscalationPlaybookFactory, PlaybookVersionFactory
from tests.tenancy.factories import MembershipFactory

ASSIGNEE_INDEX = ReviewTask._meta.indexes[0]
assert ASSIGNEE_INDEX.fields == ["assignee", "status", "due_at"]


def _operators(client, n):
    return [MembershipFactory(client=client, role=Membership.Role.OPERATOR).user for _ in range(n)]


def _tasks(engagement, assignee, n, status):
    ReviewTask.objects.bulk_create(
        ReviewTask(
            engagement=engagement,
            kind=ReviewTask.Kind.ESCALATED_DECISION,
            title=f"Review {i}",
            assignee=assignee,
            status=status,
            due_at=timezone.now() + timedelta(hours=1),
        )
        for i in range(n)
    )


@pytest.mark.django_db
def test_least_loaded_counts_open_tasks_of_every_engagement_of_the_client():
    engagement = EngagementFactory()
    other_engagement = EngagementFactory(client=engagement.client)
    first, second, third = _operators(engagement.client, 3)
    _tasks(engagement, first, 2, ReviewTask.Status.OPEN)
    _tasks(other_engagement, second, 1, ReviewTask.Status.OPEN)
    _tasks(engagement, third, 5, ReviewTask.Status.RESOLVED)
    _tasks(engagement, third, 1, ReviewTask.Status.OPEN)

    with transaction.atomic():
        loads = review_operator_loads(engagement=engagement)
        picked = review_operator_least_loaded(engagement=engagement)
        without_second = review_operator_least_loaded(engagement=engagement, exclude=[second.pk])

    assert loads == {first.pk: 2, second.pk: 1, third.pk: 1}
    assert picked == second.pk  # tie with third: the lower user id
    assert without_second == third.pk


@pytest.mark.django_db
def test_least_loaded_is_none_without_operators():
    engagement = EngagementFactory()
    MembershipFactory(client=engagement.client, role=Membership.Role.SPONSOR)
    _operators(EngagementFactory().client, 1)  # another client's
    with transaction.atomic():
        assert review_operator_least_loaded(engagement=engagement) is None


def _plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _plan_nodes(child)


@needs_postgresql
@pytest.mark.django_db
def test_the_load_query_reads_only_open_tasks_through_the_assignee_index():
    """EXPLAIN ANALYZE of the query as it runs: with 3,000 resolved tasks and 3 open ones, the
    task table is read through the (assignee, status, due_at) index, 3 rows, nothing filtered
    away (the old query joined every task the operator ever held and counted the open ones)."""
    engagement = EngagementFactory()
    (operator,) = _operators(engagement.client, 1)
    _tasks(engagement, operator, 3000, ReviewTask.Status.RESOLVED)
    _tasks(engagement, operator, 3, ReviewTask.Status.OPEN)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {ReviewTask._meta.db_table}")

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert review_operator_loads(engagement=engagement) == {operator.pk: 3}
    (load_sql,) = [q["sql"] for q in queries if ReviewTask._meta.db_table in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + load_sql)
        explained = cursor.fetchone()[0]
    (plan,) = json.loads(explained) if isinstance(explained, str) else explained

    nodes = [n for n in _plan_nodes(plan["Plan"]) if n.get("Relation Name") == "handoff_reviewtask"]
    assert nodes, plan
    for node in nodes:
        assert node["Node Type"] in ("Index Scan", "Index Only Scan"), node
        assert node["Index Name"] == ASSIGNEE_INDEX.name
        assert node["Actual Rows"] * node["Actual Loops"] == 3
        assert node.get("Rows Removed by Filter", 0) == 0


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_escalations_spread_evenly_over_the_operators(monkeypatch):
    """Six agents' decisions escalated at the same moment, three idle operators: two tasks
    each. Without the client's assignment lock all six read the same loads (all zero) and the
    lowest user id got every task."""
    engagement = EngagementFactory()
    operators = _operators(engagement.client, 3)
    process = ProcessFactory(engagement=engagement)
    PlaybookVersionFactory(
        playbook=EscalationPlaybookFactory(process=process),
        number=1,
        rules=[{"kind": "confidence_below"}],
    )
    agents = 6
    all_stored = barrier(agents)
    open_tasks = intake_module.review_tasks_open_for_decisions

    def open_when_all_stored(**kwargs):
        all_stored.wait()  # every decision inserted, no task chosen yet
        return open_tasks(**kwargs)

    monkeypatch.setattr(intake_module, "review_tasks_open_for_decisions", open_when_all_stored)

    def escalate(n: int):
        item = {
            "process": process.pk,
            "case_ref": f"ESC-{n}",
            "proposed_outcome": "approve",
            "confidence": Decimal("0.1000"),
        }
        (result,) = decisions_intake(
            engagement=engagement, items=[item], actor=Actor.system("test agent")
        )
        return result.review_task_id

    results = run_at_once(*(lambda n=n: escalate(n) for n in range(agents)))

    assert all(isinstance(r, int) for r in results), results
    loads = Counter(ReviewTask.objects.values_list("assignee_id", flat=True))
    assert loads == {operator.pk: 2 for operator in operators}


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_assignment_lock_is_refused_outside_a_transaction():
    """The lock's SQL is compiled once and reused; outside a transaction it would end with its
    own statement, so it is refused every time, as select_for_update is."""
    engagement = EngagementFactory()
    _operators(engagement.client, 1)
    with transaction.atomic():
        review_operator_loads(engagement=engagement)  # compiled here
    for _attempt in range(2):
        with pytest.raises(transaction.TransactionManagementError):
            review_operator_loads(engagement=engagement)
