import pytest

from maestro.decisions.models import Decision
from maestro.exceptions import StateConflict
from maestro.reviews.models import ReviewTask, ReviewTaskEvent
from maestro.reviews.services import review_task_resolve, review_tasks_open_for_decisions
from maestro.tenancy.models import Membership
from tests.decisions.factories import DecisionFactory
from tests.engagements.factories import EngagementFactory
from tests.harness.races import barrier, run_at_once
from tests.mapping.factories import ProcessFactory
from tests.tenancy.factories import MembershipFactory


@pytest.mark.django_db(transaction=True)
def test_two_operators_resolving_at_once_one_wins_the_other_gets_the_winners_outcome():
    engagement = EngagementFactory()
    first, second = (
        MembershipFactory(client=engagement.client, role=Membership.Role.OPERATOR).user
        for _ in range(2)
    )
    decision = DecisionFactory(process=ProcessFactory(engagement=engagement))
    task = review_tasks_open_for_decisions(decisions=[decision])[decision.pk]
    both_read = barrier()

    def resolve(user, outcome: str) -> str:
        mine = ReviewTask.objects.select_related("engagement", "decision").get(pk=task.pk)
        both_read.wait()  # both hold an OPEN task before either writes
        review_task_resolve(task=mine, final_outcome=outcome, note=outcome, by=user)
        return "won"

    results = dict(
        zip(
            ("approve", "reject"),
            run_at_once(lambda: resolve(first, "approve"), lambda: resolve(second, "reject")),
            strict=True,
        )
    )

    assert sorted(str(type(r).__name__) for r in results.values()) == ["StateConflict", "str"]
    winner = next(outcome for outcome, r in results.items() if r == "won")
    loser = next(outcome for outcome, r in results.items() if r != "won")
    conflict = results[loser]
    assert isinstance(conflict, StateConflict)
    assert conflict.code == "task_already_resolved"
    assert conflict.extra["resolved_outcome"] == winner
    assert conflict.extra["your_outcome"] == loser
    task.refresh_from_db()
    assert (task.status, task.final_outcome, task.note) == ("resolved", winner, winner)
    assert Decision.objects.get(pk=decision.pk).final_outcome == winner
    assert ReviewTaskEvent.objects.filter(task=task, kind="resolved").count() == 1
