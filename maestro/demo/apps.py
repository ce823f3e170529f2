from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo seed data and the `seed_demo` command; no models."""

    name = "maestro.demo"
    label = "demo"
