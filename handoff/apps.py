from django.apps import AppConfig


class HandoffConfig(AppConfig):
    """The operator side: review tasks, skill transfer, check-ins and handoff PDFs (later issues)."""

    name = "handoff"
