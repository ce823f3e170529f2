from django.apps import AppConfig


class RunbooksConfig(AppConfig):
    """Versioned Markdown runbooks: versions, rendering, runs with checklists."""

    name = "runbooks"
