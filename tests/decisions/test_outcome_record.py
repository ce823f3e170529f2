import pytest

from maestro.decisions.models import Decision
from maestro.decisions.services import decision_outcome_record
from maestro.exceptions import StateConflict
from tests.decisions.factories import DecisionFactory
from tests.mapping.factories import ProcessFactory

FEEDBACK = Decision.OutcomeSource.FEEDBACK
REVIEW = Decision.OutcomeSource.REVIEW


@pytest.fixture
def decision(world):
    process = ProcessFactory(engagement=world.engagement_a)
    return DecisionFactory(process=process, proposed_outcome="approve", route="auto")


def test_record_sets_outcome_and_override_flag(decision):
    decision_outcome_record(decision=decision, outcome="reject", source=FEEDBACK, by=None)
    decision.refresh_from_db()
    assert decision.final_outcome == "reject"
    assert decision.outcome_source == FEEDBACK
    assert decision.outcome_at is not None
    assert decision.overridden is True


def test_record_same_outcome_as_proposed_is_not_an_override(decision):
    decision_outcome_record(decision=decision, outcome="Approve ", source=FEEDBACK, by=None)
    decision.refresh_from_db()
    assert decision.final_outcome == "Approve"
    assert decision.overridden is False


def test_record_same_outcome_again_is_idempotent(decision):
    decision_outcome_record(decision=decision, outcome="reject", source=FEEDBACK, by=None)
    first_at = Decision.objects.get(pk=decision.pk).outcome_at
    stale = Decision.objects.get(pk=decision.pk)
    decision_outcome_record(decision=stale, outcome="reject", source=FEEDBACK, by=None)
    assert Decision.objects.get(pk=decision.pk).outcome_at == first_at


def test_feedback_after_review_outcome_conflicts(decision, world):
    decision_outcome_record(
        decision=decision, outcome="escalate", source=REVIEW, by=world.operator_a
    )
    with pytest.raises(StateConflict) as err:
        decision_outcome_record(decision=decision, outcome="escalate", source=FEEDBACK, by=None)
    assert err.value.code == "outcome_already_recorded"
    assert err.value.extra["recorded_outcome"] == "escalate"


def test_different_feedback_after_feedback_conflicts(decision):
    decision_outcome_record(decision=decision, outcome="reject", source=FEEDBACK, by=None)
    with pytest.raises(StateConflict) as err:
        decision_outcome_record(decision=decision, outcome="approve", source=FEEDBACK, by=None)
    assert err.value.code == "outcome_already_recorded"
    assert Decision.objects.get(pk=decision.pk).final_outcome == "reject"
