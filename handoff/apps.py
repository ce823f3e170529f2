from django.apps import AppConfig


class HandoffConfig(AppConfig):
    """The handoff itself: plans, check-ins, the handoff PDF and sign-off (later issues). Its
    migrations keep the history of the review queue's tables, which moved to maestro.reviews."""

    name = "handoff"
