import threading

import pytest
from django.db import connection

from maestro.engagements.models import Engagement, PhaseTransition
from maestro.engagements.services import engagement_transition
from maestro.exceptions import StateConflict
from tests.factories import ClientFactory, EngagementFactory


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite's shared in-memory test database fails a second writer instead of queueing "
    "it; this race runs in the real (PostgreSQL) run of make test.",
)
@pytest.mark.django_db(transaction=True)
def test_two_consultants_moving_at_once_one_wins_the_other_gets_a_conflict():
    engagement = EngagementFactory(client=ClientFactory())
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def move(note: str) -> None:
        try:
            mine = Engagement.objects.get(pk=engagement.pk)
            barrier.wait(timeout=10)  # both have read "mapping" before either writes
            engagement_transition(
                engagement=mine,
                to_phase="training",
                by=engagement.lead,
                note=note,
                override=True,
                override_reason="Concurrent test.",
            )
            outcomes.append("moved")
        except StateConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=move, args=(n,)) for n in ("first", "second")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "moved"]
    assert PhaseTransition.objects.count() == 1
    engagement.refresh_from_db()
    assert engagement.phase == "training"
