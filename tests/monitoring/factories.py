"""Factories of the monitoring models."""

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from maestro.monitoring.models import AlertRule, DailyScore
from tests.mapping.factories import ProcessFactory


class DailyScoreFactory(DjangoModelFactory):
    """A process-wide day: 100 decisions, 90 with an outcome, 81 correct (90%)."""

    class Meta:
        model = DailyScore

    process = factory.SubFactory(ProcessFactory)
    engagement = factory.LazyAttribute(lambda o: o.process.engagement)
    day = factory.Sequence(lambda n: date(2026, 1, 1) + timedelta(days=n))
    category = DailyScore.ALL
    volume = 100
    with_outcome = 90
    correct = 81
    auto_routed = 70
    escalated = 30
    human_resolved = 30
    overridden = 3
    computed_at = factory.LazyFunction(timezone.now)


class AlertRuleFactory(DjangoModelFactory):
    """Accuracy below 90% for one scored day."""

    class Meta:
        model = AlertRule

    process = factory.SubFactory(ProcessFactory)
    engagement = factory.LazyAttribute(lambda o: o.process.engagement)
    kind = AlertRule.Kind.ACCURACY_FLOOR
    threshold = Decimal("0.9000")
    for_days = 1
