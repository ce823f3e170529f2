from django.apps import AppConfig


class EngagementsConfig(AppConfig):
    """Engagements and their lifecycle: phases, gates and recorded transitions."""

    name = "maestro.engagements"
    label = "engagements"
