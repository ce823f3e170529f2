from django.apps import AppConfig


class MappingConfig(AppConfig):
    """Process archaeology: process maps (documented vs actual), decision points and their
    risk calibration."""

    name = "maestro.mapping"
    label = "mapping"
