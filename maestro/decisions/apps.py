from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    """Live decisions: agent API keys, the decision intake, outcomes and deployment metrics."""

    name = "maestro.decisions"
    label = "decisions"
