from django.apps import AppConfig


class TenancyConfig(AppConfig):
    """People and tenants: users, client organisations and memberships, and the scoping layer."""

    name = "maestro.tenancy"
    label = "tenancy"
