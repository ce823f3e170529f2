"""Factories of the decisions models."""

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from maestro.decisions.models import Decision
from tests.mapping.factories import ProcessFactory


class DecisionFactory(DjangoModelFactory):
    """A human-routed decision; pass `process` to pick the engagement."""

    class Meta:
        model = Decision

    process = factory.SubFactory(ProcessFactory)
    engagement = factory.LazyAttribute(lambda o: o.process.engagement)
    case_ref = factory.Sequence(lambda n: f"CASE-{n}")
    category = "invoice"
    proposed_outcome = "approve"
    confidence = Decimal("0.6500")
    route = Decision.Route.HUMAN
    reasons = factory.LazyFunction(
        lambda: [{"code": "below_threshold", "message": "Confidence 0.65 is below 0.80"}]
    )
