"""Writes of live decisions: outcomes and agent API keys (the intake is maestro.intake)."""

from maestro.decisions.services.api_keys import agent_api_key_create, agent_api_key_revoke
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
    "DecisionNotFound",
    "FeedbackResult",
]
