from django.apps import AppConfig


class SystemConfig(AppConfig):
    """Operational plumbing: worker heartbeats and the status page."""

    name = "maestro.system"
    label = "system"
