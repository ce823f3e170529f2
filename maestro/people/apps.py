from django.apps import AppConfig


class PeopleConfig(AppConfig):
    """A client's people: invitations, roles, deactivation, "who am I", and the bootstrap of the
    first staff account. Above the review queue: deactivating someone hands their open review
    tasks over."""

    name = "maestro.people"
    label = "people"
