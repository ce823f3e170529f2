"""Factories of the skill-transfer models."""

from datetime import date, timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from handoff.models import CheckIn, Competency, SkillTransferPlan
from maestro.tenancy.models import Membership
from tests.engagements.factories import EngagementFactory
from tests.tenancy.factories import MembershipFactory


class SkillTransferPlanFactory(DjangoModelFactory):
    """A weekly plan (Tuesdays 10:00, client-local) for a new operator of the client."""

    class Meta:
        model = SkillTransferPlan

    engagement = factory.SubFactory(EngagementFactory)
    operator = factory.LazyAttribute(
        lambda o: MembershipFactory(client=o.engagement.client, role=Membership.Role.OPERATOR).user
    )
    created_by = factory.LazyAttribute(lambda o: o.engagement.lead)
    starts_on = date(2026, 1, 5)


class CompetencyFactory(DjangoModelFactory):
    class Meta:
        model = Competency

    plan = factory.SubFactory(SkillTransferPlanFactory)
    name = factory.Sequence(lambda n: f"Competency {n}")
    order = factory.Sequence(lambda n: n)


class CheckInFactory(DjangoModelFactory):
    class Meta:
        model = CheckIn

    plan = factory.SubFactory(SkillTransferPlanFactory)
    scheduled_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    duration_minutes = 45
