from django.apps import AppConfig


class RunbooksConfig(AppConfig):
    """Versioned Markdown runbooks and escalation playbooks (later issues)."""

    name = "runbooks"
