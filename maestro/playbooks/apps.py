from django.apps import AppConfig


class PlaybooksConfig(AppConfig):
    """Escalation playbooks: versions, the routing engine and its compiled-playbook cache,
    dry runs, and the counterparties routing has already seen."""

    name = "maestro.playbooks"
    label = "playbooks"
