from django.apps import AppConfig


class TrainingConfig(AppConfig):
    """The training loop: evaluation datasets, training rounds, accuracy and failure review."""

    name = "maestro.training"
    label = "training"
