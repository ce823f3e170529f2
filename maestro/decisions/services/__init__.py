"""Writes of live decisions: outcomes, agent API keys and the decision intake."""

from maestro.decisions.services.api_keys import agent_api_key_create, agent_api_key_revoke
from maestro.decisions.services.intake import IntakeResult, decisions_intake
from maestro.decisions.services.outcomes import (
    DecisionNotFound,
    FeedbackResult,
    decision_outcome_record,
    decision_outcomes_feedback,
)

__all__ = [
    "agent_api_key_create",
    "agent_api_key_revoke",
    "decision_outcome_record",
    "decision_outcomes_feedback",
    "decisions_intake",
    "IntakeResult",
    "DecisionNotFound",
    "FeedbackResult",
]
