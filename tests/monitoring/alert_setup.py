"""What the drift-alert tests share: an engagement with a consultant (its lead) and an
operator who both have e-mail addresses, a process, a webhook endpoint subscribed to the drift
events, and helpers writing daily scores and running the evaluation as the daily job would."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest

from maestro.engagements.models import Engagement
from maestro.mapping.models import Process
from maestro.monitoring.models import AlertEpisode, DailyScore
from maestro.monitoring.services.alerts import AlertEvaluation, alerts_evaluate
from maestro.reviews.models import ReviewTask
from maestro.tenancy.models import Membership, User
from maestro.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from tests.engagements.factories import EngagementFactory
from tests.mapping.factories import ProcessFactory
from tests.monitoring.factories import DailyScoreFactory
from tests.tenancy.factories import MembershipFactory

FIRST_DAY = date(2026, 3, 2)  # a Monday

# Counts of a day that keeps within every rule of the tests, and of one that breaks each.
GOOD = {"with_outcome": 100, "correct": 95, "escalated": 30, "human_resolved": 30, "overridden": 1}
BAD = {
    "accuracy_floor": {"correct": 80},
    "override_ceiling": {"overridden": 9},
    "escalation_band": {"escalated": 55},
}


@dataclass
class AlertWorld:
    engagement: Engagement
    process: Process
    consultant: User
    operator: User
    endpoint: WebhookEndpoint


def alert_world() -> AlertWorld:
    engagement = EngagementFactory()
    consultant = engagement.lead
    consultant.email = "consultant@example.com"
    consultant.save(update_fields=["email"])
    operator = MembershipFactory(
        client=engagement.client, role=Membership.Role.OPERATOR, user__email="operator@example.com"
    ).user
    endpoint = WebhookEndpoint.objects.create(
        engagement=engagement,
        url="https://hooks.example.com/maestro",
        secret="whsec_test",
        events=[WebhookEvent.DRIFT_ALERT_FIRED, WebhookEvent.DRIFT_ALERT_RESOLVED],
    )
    process = ProcessFactory(engagement=engagement)
    return AlertWorld(engagement, process, consultant, operator, endpoint)


def score(process: Process, day: date, *, category: str = "", **counts) -> DailyScore:
    return DailyScoreFactory(process=process, day=day, category=category, **{**GOOD, **counts})


def morning_after(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(6), tzinfo=UTC)


def evaluate(world: AlertWorld, day: date, capture) -> AlertEvaluation:
    """The daily job's run the morning after `day` was scored, its on-commit work done."""
    engagement = Engagement.objects.select_related("client").get(pk=world.engagement.pk)
    with capture(execute=True):
        return alerts_evaluate(engagement=engagement, now=morning_after(day))


@dataclass(frozen=True)
class Notices:
    tasks: int
    fired_hooks: int
    resolved_hooks: int
    mails: int


def notices(world: AlertWorld) -> Notices:
    from django.core import mail

    return Notices(
        tasks=ReviewTask.objects.filter(
            engagement=world.engagement, kind=ReviewTask.Kind.DRIFT_INVESTIGATION
        ).count(),
        fired_hooks=WebhookDelivery.objects.filter(
            endpoint=world.endpoint, event=WebhookEvent.DRIFT_ALERT_FIRED
        ).count(),
        resolved_hooks=WebhookDelivery.objects.filter(
            endpoint=world.endpoint, event=WebhookEvent.DRIFT_ALERT_RESOLVED
        ).count(),
        mails=len(mail.outbox),
    )


def episodes(world: AlertWorld) -> list[tuple[str, date, int]]:
    return list(
        AlertEpisode.objects.filter(engagement=world.engagement)
        .order_by("pk")
        .values_list("state", "started_on", "consecutive_days")
    )


@pytest.fixture
def no_delivery(monkeypatch):
    """Webhook deliveries are written, not sent: the worker is not under test here."""
    from maestro.webhooks import tasks

    monkeypatch.setattr(tasks.webhook_delivery_send_task, "delay", lambda *a, **k: None)
