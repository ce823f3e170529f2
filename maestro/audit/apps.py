from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The append-only audit trail: who changed what, written by the service that changed it."""

    name = "maestro.audit"
    label = "audit"
