import factory
from factory.django import DjangoModelFactory

from maestro.engagements.models import Engagement
from maestro.tenancy.models import Client, Membership, User


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("pw")


class ClientFactory(DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Client {n}")
    slug = factory.Sequence(lambda n: f"client-{n}")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    client = factory.SubFactory(ClientFactory)
    role = Membership.Role.OPERATOR


class EngagementFactory(DjangoModelFactory):
    """An engagement whose lead is a consultant at its client."""

    class Meta:
        model = Engagement

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Engagement {n}")
    lead = factory.LazyAttribute(
        lambda o: MembershipFactory(client=o.client, role=Membership.Role.CONSULTANT).user
    )
