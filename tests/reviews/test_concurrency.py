import threading

import pytest
from django.db import connection

from maestro.decisions.models import Decision
from maestro.exceptions import StateConflict
from maestro.reviews.models import ReviewTask, ReviewTaskEvent
from maestro.reviews.services import review_task_resolve, review_tasks_open_for_decisions
from maestro.tenancy.models import Membership
from tests.factories import EngagementFactory, MembershipFactory
from tests.mapping.factories import ProcessFactory
from tests.reviews.factories import DecisionFactory


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite's shared in-memory test database fails a second writer instead of queueing "
    "it; this race runs in the real (PostgreSQL) run of make test.",
)
@pytest.mark.django_db(transaction=True)
def test_two_operators_resolving_at_once_one_wins_the_other_gets_the_winners_outcome():
    engagement = EngagementFactory()
    first, second = (
        MembershipFactory(client=engagement.client, role=Membership.Role.OPERATOR).user
        for _ in range(2)
    )
    decision = DecisionFactory(process=ProcessFactory(engagement=engagement))
    task = review_tasks_open_for_decisions(decisions=[decision])[decision.pk]
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def resolve(user, outcome: str) -> None:
        try:
            mine = ReviewTask.objects.select_related("engagement", "decision").get(pk=task.pk)
            barrier.wait(timeout=10)  # both hold an OPEN task before either writes
            review_task_resolve(task=mine, final_outcome=outcome, note=outcome, by=user)
            results[outcome] = "won"
        except StateConflict as exc:
            results[outcome] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=resolve, args=(first, "approve")),
        threading.Thread(target=resolve, args=(second, "reject")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

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
