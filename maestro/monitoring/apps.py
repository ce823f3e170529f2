from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    """The feedback loops of a deployed agent: daily accuracy scores, the weekly trend, drift
    alerts and silences, the weekly edge-case review and summary e-mail."""

    name = "maestro.monitoring"
    label = "monitoring"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from maestro.lib.percentiles import sqlite_functions_register

        # Scoring's percentiles on SQLite (PostgreSQL has percentile_cont).
        connection_created.connect(
            sqlite_functions_register, dispatch_uid="maestro-sqlite-percentile"
        )
