import pytest

from maestro.engagements.models import Engagement, PhaseTransition
from maestro.engagements.services import engagement_transition
from maestro.exceptions import StateConflict
from tests.engagements.factories import EngagementFactory
from tests.harness.races import barrier, run_at_once
from tests.tenancy.factories import ClientFactory


@pytest.mark.django_db(transaction=True)
def test_two_consultants_moving_at_once_one_wins_the_other_gets_a_conflict():
    engagement = EngagementFactory(client=ClientFactory())
    both_read = barrier()

    def move(note: str) -> str:
        mine = Engagement.objects.get(pk=engagement.pk)
        both_read.wait()  # both have read "mapping" before either writes
        try:
            engagement_transition(
                engagement=mine,
                to_phase="training",
                by=engagement.lead,
                note=note,
                override=True,
                override_reason="Concurrent test.",
            )
        except StateConflict:
            return "conflict"
        return "moved"

    outcomes = run_at_once(lambda: move("first"), lambda: move("second"))
    assert sorted(outcomes) == ["conflict", "moved"]
    assert PhaseTransition.objects.count() == 1
    engagement.refresh_from_db()
    assert engagement.phase == "training"
