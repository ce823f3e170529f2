import pytest

from maestro.decisions.models import Decision
from maestro.reviews.services import review_tasks_open_for_decisions
from tests.decisions.factories import DecisionFactory
from tests.mapping.factories import ProcessFactory


def open_task(decision: Decision):
    return review_tasks_open_for_decisions(decisions=[decision])[decision.pk]


@pytest.fixture
def task_a(world):
    """An open review task of engagement A, assigned to operator_a (the only operator)."""
    process = ProcessFactory(engagement=world.engagement_a, name="Invoice approval")
    decision = DecisionFactory(process=process, case_ref="INV-1", proposed_outcome="approve")
    return open_task(decision)
