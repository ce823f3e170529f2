from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from maestro.mapping.models import DecisionPoint
from maestro.reviews.models import ReviewTask
from maestro.reviews.selectors import (
    decision_outcome_choices,
    edge_case_list,
    review_queue_counts,
    review_queue_for_user,
    review_task_list_for_engagement,
    review_task_list_for_user,
    user_has_review_queue,
)
from maestro.reviews.services import (
    edge_case_flag,
    edge_case_mark_reviewed,
    review_task_resolve,
    review_tasks_escalate_overdue,
)
from maestro.training.models import EvaluationCase, EvaluationDataset
from tests.decisions.factories import DecisionFactory
from tests.mapping.factories import (
    DecisionPointFactory,
    DecisionTypeFactory,
    ProcessFactory,
    StepFactory,
)
from tests.reviews.conftest import open_task

pytestmark = pytest.mark.django_db


def _tasks(world, n):
    process = ProcessFactory(engagement=world.engagement_a)
    return [open_task(DecisionFactory(process=process)) for _ in range(n)]


def test_queue_is_my_open_tasks_oldest_due_first(world):
    late, early, done = _tasks(world, 3)
    now = timezone.now()
    ReviewTask.objects.filter(pk=late.pk).update(due_at=now + timedelta(hours=2))
    ReviewTask.objects.filter(pk=early.pk).update(due_at=now - timedelta(hours=1))
    review_task_resolve(task=done, final_outcome="x", note="", by=world.operator_a)
    open_task(DecisionFactory(process=ProcessFactory(engagement=world.engagement_b)))

    queue = list(review_queue_for_user(user=world.operator_a))

    assert [t.pk for t in queue] == [early.pk, late.pk]
    assert review_queue_counts(user=world.operator_a, now=now) == {"open": 2, "overdue": 1}
    assert list(review_queue_for_user(user=world.operator_b)) != queue


@pytest.mark.parametrize("size", [2, 20])
def test_queue_costs_one_query_whatever_its_length(world, size, django_assert_num_queries):
    _tasks(world, size)
    with django_assert_num_queries(1):
        rows = [
            (t.title, t.decision.process.name, t.engagement.client.name, t.assignee.username)
            for t in review_queue_for_user(user=world.operator_a)
        ]
    assert len(rows) == size


def test_task_lists_are_tenant_scoped(world):
    task_a = _tasks(world, 1)[0]
    assert list(review_task_list_for_user(user=world.sponsor_a)) == [task_a]
    assert list(review_task_list_for_user(user=world.operator_b)) == []
    assert list(review_task_list_for_user(user=world.consultant_b)) == []


def test_engagement_list_filters_status_assignee_and_overdue(world):
    a, b, c = _tasks(world, 3)
    now = timezone.now()
    ReviewTask.objects.filter(pk=a.pk).update(due_at=now - timedelta(minutes=5))
    ReviewTask.objects.filter(pk=b.pk).update(assignee=world.consultant)
    review_task_resolve(task=c, final_outcome="x", note="", by=world.operator_a)

    def ids(**kw):
        return [t.pk for t in review_task_list_for_engagement(engagement=world.engagement_a, **kw)]

    assert ids(now=now)[-1] == c.pk  # open first
    assert ids(status="resolved") == [c.pk]
    assert ids(assignee_id=world.consultant.pk) == [b.pk]
    assert ids(overdue=True, now=now) == [a.pk]
    assert sorted(ids(overdue=False, now=now)) == sorted([b.pk, c.pk])


def test_engagement_list_puts_open_by_due_then_the_latest_resolved(world):
    first, second, open_late, open_early = _tasks(world, 4)
    now = timezone.now()
    ReviewTask.objects.filter(pk=open_late.pk).update(due_at=now + timedelta(hours=2))
    ReviewTask.objects.filter(pk=open_early.pk).update(due_at=now + timedelta(hours=1))
    review_task_resolve(task=first, final_outcome="x", note="", by=world.operator_a)
    review_task_resolve(task=second, final_outcome="x", note="", by=world.operator_a)
    # Resolved an hour apart, and due the other way round: the resolution time decides.
    ReviewTask.objects.filter(pk=first.pk).update(
        resolved_at=now - timedelta(hours=1), due_at=now + timedelta(hours=3)
    )

    tasks = review_task_list_for_engagement(engagement=world.engagement_a, now=now)

    assert [t.pk for t in tasks] == [open_early.pk, open_late.pk, second.pk, first.pk]


def _ticket_process(world):
    """A process whose map says billing/technical while its agent (and its training data)
    answer finance/it-support: the demo's two taxonomies."""
    process = ProcessFactory(engagement=world.engagement_a)
    route = DecisionTypeFactory(engagement=world.engagement_a, name="route ticket")
    DecisionPointFactory(
        step=StepFactory(process=process), decision_type=route, outcomes=["billing", "technical"]
    )
    dataset = EvaluationDataset.objects.create(process=process, name="past")
    for ref, outcome in (("1", "finance"), ("2", "it-support")):
        EvaluationCase.objects.create(
            dataset=dataset, case_ref=ref, correct_outcome=outcome, category="c"
        )
    DecisionFactory(process=process, proposed_outcome="hr")
    return process, route


def test_outcome_choices_keep_to_the_agents_taxonomy_when_the_map_does_not_know_the_proposal(
    world,
):
    process, _route = _ticket_process(world)
    decision = DecisionFactory(process=process, proposed_outcome="security")

    assert decision_outcome_choices(decision=decision) == [
        "security",
        "finance",
        "it-support",
        "hr",
    ]


def test_outcome_choices_follow_the_decision_type_the_decision_names(world):
    process, route = _ticket_process(world)
    decision = DecisionFactory(process=process, proposed_outcome="Billing", decision_type=route)

    # "Billing" is the map's "billing" (outcomes compare case-insensitively): listed once.
    assert decision_outcome_choices(decision=decision) == ["Billing", "technical"]


def test_outcome_choices_take_the_type_whose_outcomes_hold_the_proposal(world):
    process = ProcessFactory(engagement=world.engagement_a)
    step = StepFactory(process=process)
    DecisionPointFactory(step=step, outcomes=["approve", "reject", "ask for a second quote"])
    DecisionPointFactory(step=StepFactory(process=process), outcomes=["grant", "refuse"])
    decision = DecisionFactory(process=process, proposed_outcome="approve")

    assert decision_outcome_choices(decision=decision) == [
        "approve",
        "reject",
        "ask for a second quote",
    ]


def test_outcome_choices_cost_at_most_three_queries(world, django_assert_max_num_queries):
    process, route = _ticket_process(world)
    decision = DecisionFactory(process=process, proposed_outcome="zzz", decision_type=route)
    DecisionPoint.objects.filter(decision_type=route).update(outcomes=[])
    with django_assert_max_num_queries(3):
        assert decision_outcome_choices(decision=decision) == ["zzz"]


def test_edge_case_log_lists_unreviewed_first(world):
    process = ProcessFactory(engagement=world.engagement_a)
    old = edge_case_flag(decision=DecisionFactory(process=process), note="a", by=world.operator_a)
    new = edge_case_flag(decision=DecisionFactory(process=process), note="b", by=world.operator_a)
    edge_case_mark_reviewed(edge_case=new, by=world.consultant)

    assert list(edge_case_list(engagement=world.engagement_a)) == [old, new]


def test_a_task_exactly_at_its_due_time_is_not_overdue_yet(world):
    # The rule (README "Escalation"): a task is overdue once it is *past* its due time.
    [task] = _tasks(world, 1)
    due = task.due_at
    just_after = due + timedelta(microseconds=1)
    assert not task.is_overdue(now=due) and task.is_overdue(now=just_after)
    assert review_queue_counts(user=world.operator_a, now=due) == {"open": 1, "overdue": 0}
    assert review_queue_counts(user=world.operator_a, now=just_after)["overdue"] == 1
    engagement = world.engagement_a
    assert not review_task_list_for_engagement(engagement=engagement, overdue=True, now=due)
    assert list(review_task_list_for_engagement(engagement=engagement, overdue=False, now=due)) == [
        task
    ]
    assert list(
        review_task_list_for_engagement(engagement=engagement, overdue=True, now=just_after)
    ) == [task]
    assert review_tasks_escalate_overdue(now=due) == 0
    task.refresh_from_db()
    assert (task.due_at, task.escalation_level) == (due, 0)


def test_review_queue_in_the_nav_for_operators_and_task_holders_in_one_query(
    world, task_a, django_assert_num_queries
):
    ReviewTask.objects.filter(pk=task_a.pk).update(assignee=world.consultant)
    with django_assert_num_queries(1):
        assert user_has_review_queue(user=world.operator_a)  # operator, no task of their own
    with django_assert_num_queries(1):
        assert user_has_review_queue(user=world.consultant)  # holds an open task
    ReviewTask.objects.filter(pk=task_a.pk).update(status=ReviewTask.Status.RESOLVED)
    assert not user_has_review_queue(user=world.consultant)  # only closed tasks
    assert not user_has_review_queue(user=world.sponsor_a)
    with django_assert_num_queries(0):
        assert not user_has_review_queue(user=AnonymousUser())
    world.operator_a.is_active = False
    assert not user_has_review_queue(user=world.operator_a)
