"""Factories of the engagements models."""

import factory
from factory.django import DjangoModelFactory

from maestro.engagements.models import Engagement
from maestro.tenancy.models import Membership
from tests.tenancy.factories import ClientFactory, MembershipFactory


class EngagementFactory(DjangoModelFactory):
    """An engagement whose lead is a consultant at its client."""

    class Meta:
        model = Engagement

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Engagement {n}")
    lead = factory.LazyAttribute(
        lambda o: MembershipFactory(client=o.client, role=Membership.Role.CONSULTANT).user
    )
