from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    """The operator's review queue: review tasks, their events, assignment, the escalation
    chain and the edge-case log."""

    name = "maestro.reviews"
    label = "reviews"
