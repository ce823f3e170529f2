import factory
from factory.django import DjangoModelFactory

from maestro.playbooks.models import EscalationPlaybook, PlaybookVersion
from tests.mapping.factories import ProcessFactory
from tests.tenancy.factories import UserFactory


class EscalationPlaybookFactory(DjangoModelFactory):
    class Meta:
        model = EscalationPlaybook
        django_get_or_create = ["process"]

    process = factory.SubFactory(ProcessFactory)


class PlaybookVersionFactory(DjangoModelFactory):
    class Meta:
        model = PlaybookVersion

    playbook = factory.SubFactory(EscalationPlaybookFactory)
    number = factory.Sequence(lambda n: n + 1)
    created_by = factory.SubFactory(UserFactory)
