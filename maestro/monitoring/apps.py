from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    """The feedback loops of a deployed agent: daily accuracy scores, the weekly trend, drift
    alerts and silences, the weekly edge-case review and summary e-mail."""

    name = "maestro.monitoring"
    label = "monitoring"
