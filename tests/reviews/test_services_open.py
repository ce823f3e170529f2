from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from maestro.decisions.models import Decision
from maestro.reviews.models import ReviewTask, ReviewTaskEvent
from maestro.reviews.services import review_tasks_open_for_decisions
from maestro.tenancy.models import Membership
from tests.decisions.factories import DecisionFactory
from tests.engagements.factories import EngagementFactory
from tests.mapping.factories import ProcessFactory
from tests.playbooks.factories import PlaybookVersionFactory
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _operators(client, n):
    return [MembershipFactory(client=client, role=Membership.Role.OPERATOR).user for _ in range(n)]


def _decisions(process, n, **kwargs):
    return [DecisionFactory(process=process, **kwargs) for _ in range(n)]


def test_open_splits_a_batch_evenly_over_idle_operators():
    engagement = EngagementFactory()
    ops = _operators(engagement.client, 2)
    decisions = _decisions(ProcessFactory(engagement=engagement), 10)

    tasks = review_tasks_open_for_decisions(decisions=decisions)

    assert set(tasks) == {d.pk for d in decisions}
    assert Counter(t.assignee_id for t in tasks.values()) == {ops[0].pk: 5, ops[1].pk: 5}
    assert ReviewTaskEvent.objects.filter(kind=ReviewTaskEvent.Kind.ASSIGNED).count() == 10


def test_open_assigns_least_loaded_operator_first_ties_by_user_id():
    engagement = EngagementFactory()
    busy, idle_a, idle_b = _operators(engagement.client, 3)
    process = ProcessFactory(engagement=engagement)
    review_tasks_open_for_decisions(decisions=_decisions(process, 1))  # → busy (lowest id)
    assert ReviewTask.objects.get().assignee == busy

    tasks = review_tasks_open_for_decisions(decisions=_decisions(process, 2))

    assert sorted(t.assignee_id for t in tasks.values()) == sorted([idle_a.pk, idle_b.pk])


def test_open_counts_only_open_tasks_as_load():
    engagement = EngagementFactory()
    first, second = _operators(engagement.client, 2)
    process = ProcessFactory(engagement=engagement)
    review_tasks_open_for_decisions(decisions=_decisions(process, 1))
    ReviewTask.objects.update(status=ReviewTask.Status.RESOLVED)

    tasks = review_tasks_open_for_decisions(decisions=_decisions(process, 1))

    assert [t.assignee_id for t in tasks.values()] == [first.pk]


def test_open_ignores_operators_of_other_clients_and_sponsors():
    engagement = EngagementFactory()
    MembershipFactory(client=engagement.client, role=Membership.Role.SPONSOR)
    MembershipFactory(role=Membership.Role.OPERATOR)  # another client
    decisions = _decisions(ProcessFactory(engagement=engagement), 2)

    tasks = review_tasks_open_for_decisions(decisions=decisions)

    assert {t.assignee_id for t in tasks.values()} == {engagement.lead_id}


def test_open_sets_title_kind_and_due_from_the_playbook_sla():
    engagement = EngagementFactory()
    _operators(engagement.client, 1)
    process = ProcessFactory(engagement=engagement, name="Invoice approval")
    version = PlaybookVersionFactory(playbook__process=process, sla_minutes=30)
    with_version = DecisionFactory(process=process, case_ref="INV-7", playbook_version=version)
    without = DecisionFactory(process=process, case_ref="INV-8")
    before = timezone.now()

    tasks = review_tasks_open_for_decisions(decisions=[with_version, without])

    after = timezone.now()
    task = ReviewTask.objects.get(pk=tasks[with_version.pk].pk)
    assert task.title == "Review: Invoice approval case INV-7"
    assert task.kind == ReviewTask.Kind.ESCALATED_DECISION
    assert task.status == ReviewTask.Status.OPEN
    assert before + timedelta(minutes=30) <= task.due_at <= after + timedelta(minutes=30)
    other = tasks[without.pk]
    assert before + timedelta(minutes=240) <= other.due_at <= after + timedelta(minutes=240)


def test_open_skips_auto_routed_decisions_and_returns_existing_tasks():
    engagement = EngagementFactory()
    _operators(engagement.client, 1)
    process = ProcessFactory(engagement=engagement)
    auto = DecisionFactory(process=process, route=Decision.Route.AUTO)
    human = DecisionFactory(process=process)
    first = review_tasks_open_for_decisions(decisions=[auto, human])

    again = review_tasks_open_for_decisions(decisions=[auto, human])

    assert list(first) == [human.pk]
    assert again[human.pk].pk == first[human.pk].pk
    assert ReviewTask.objects.count() == 1


def test_open_refuses_decisions_of_two_engagements():
    a = DecisionFactory()
    b = DecisionFactory()
    with pytest.raises(ValueError):
        review_tasks_open_for_decisions(decisions=[a, b])


@pytest.mark.parametrize("size", [1, 20])
def test_open_costs_the_same_queries_for_any_batch_size(size, django_assert_num_queries):
    engagement = EngagementFactory()
    _operators(engagement.client, 3)
    process = ProcessFactory(engagement=engagement)
    version = PlaybookVersionFactory(playbook__process=process)
    # As the intake hands them over: fresh rows, engagement known, relations not loaded.
    ids = [DecisionFactory(process=process, playbook_version=version).pk for _ in range(size)]
    decisions = list(Decision.objects.filter(pk__in=ids).select_related("engagement"))

    # existing tasks, the client's assignment lock, operator loads, SLA versions, process names,
    # tasks, events
    with django_assert_num_queries(7):
        tasks = review_tasks_open_for_decisions(decisions=decisions)

    assert len(tasks) == size


def test_fresh_decisions_with_their_slas_skip_the_lookups(django_assert_num_queries):
    engagement = EngagementFactory()
    _operators(engagement.client, 2)
    process = ProcessFactory(engagement=engagement)
    version = PlaybookVersionFactory(playbook__process=process, sla_minutes=15)
    ids = [DecisionFactory(process=process, playbook_version=version).pk for _ in range(3)]
    decisions = list(Decision.objects.filter(pk__in=ids).select_related("engagement", "process"))
    before = timezone.now()

    # the client's assignment lock, operator loads, tasks, events: no look for earlier tasks
    # (the caller just stored them) and none for the SLA (the caller has it)
    with django_assert_num_queries(4):
        tasks = review_tasks_open_for_decisions(
            decisions=decisions, fresh=True, sla_minutes={version.pk: 15}
        )

    assert len(tasks) == 3
    assert all(
        before + timedelta(minutes=15) <= t.due_at <= timezone.now() + timedelta(minutes=15)
        for t in tasks.values()
    )
