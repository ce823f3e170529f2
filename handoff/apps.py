from django.apps import AppConfig


class HandoffConfig(AppConfig):
    """The operator side: review tasks, skill transfer, check-ins, handoff PDFs (later issues)."""

    name = "handoff"
