from django.apps import AppConfig


class IntakeConfig(AppConfig):
    """The decision intake: route a live agent's decisions, store them, open review tasks for
    the human-routed ones and emit their webhooks (POST /api/decisions/). No models."""

    name = "maestro.intake"
    label = "intake"
