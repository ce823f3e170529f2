from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    """Live decisions: agent API keys, outcomes and deployment metrics."""

    name = "maestro.decisions"
    label = "decisions"
