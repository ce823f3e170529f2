"""Writes of live decisions: outcomes, agent API keys and removing test decisions (the intake
is maestro.intake)."""

from maestro.decisions.services.api_keys import agent_api_key_create, agent_api_key_revoke
from maestro.decisions.services.outcomes import (
    DecisionNotFound,
    FeedbackResult,
    decision_outcome_record,
    decision_outcomes_feedback,
)
from maestro.decisions.services.trials import RemovedTestDecisions, decisions_remove_test

__all__ = [
    "agent_api_key_create",
    "agent_api_key_revoke",
    "decision_outcome_record",
    "decision_outcomes_feedback",
    "decisions_remove_test",
    "DecisionNotFound",
    "FeedbackResult",
    "RemovedTestDecisions",
]
