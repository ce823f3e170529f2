"""The demo's timeline reads like a live deployment whatever the hour it is seeded at: nothing
happens before what caused it or after the moment of seeding."""

from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from maestro.decisions.models import AgentApiKey, Decision
from maestro.decisions.selectors import decision_daily_volume
from maestro.demo.seed import demo_seed
from maestro.demo.timeline import demo_go_live
from maestro.engagements.models import Engagement, Phase
from maestro.playbooks.models import KnownCounterparty, PlaybookVersion
from maestro.reviews.models import EdgeCase, ReviewTask, ReviewTaskEvent
from maestro.training.models import TrainingRound

pytestmark = pytest.mark.django_db

# Seeding clocks: a Tuesday evening, just after midnight (today has no working hours yet),
# and a Saturday noon.
CLOCKS = [
    datetime(2026, 11, 24, 19, 30, tzinfo=UTC),
    datetime(2026, 11, 24, 0, 20, tzinfo=UTC),
    datetime(2026, 11, 28, 12, 0, tzinfo=UTC),
]


@pytest.fixture
def clock(monkeypatch):
    """Stops Django's clock at a given instant (every timezone.now() and auto_now_add)."""

    def set_clock(at: datetime) -> datetime:
        monkeypatch.setattr(timezone, "now", lambda: at)
        return at

    return set_clock


@pytest.mark.parametrize("seeded_at", CLOCKS, ids=["evening", "after-midnight", "saturday"])
def test_demo_timeline_is_coherent(clock, seeded_at):
    now = clock(seeded_at)
    demo_seed()
    engagement = Engagement.objects.get(name="Procurement & support agents")
    live_since = demo_go_live(now)
    decisions = list(
        Decision.objects.filter(engagement=engagement).select_related("playbook_version")
    )
    assert decisions
    received = [d.received_at for d in decisions]

    # Every phase's evidence predates its move: each gate passed on the data, none overridden.
    for transition in engagement.transitions.all():
        assert transition.override_reason == ""
        assert transition.gate_results and all(c["passed"] for c in transition.gate_results)

    # Go-live: after training and the playbooks, before the first decision.
    deployed = engagement.transitions.get(to_phase=Phase.DEPLOYMENT)
    assert deployed.at == live_since < min(received)
    assert engagement.transitions.get(to_phase=Phase.TRAINING).at < deployed.at
    # Handoff: the day after go-live, on olivia's plan (maestro/demo/handoff.py).
    handed = engagement.transitions.get(to_phase=Phase.HANDOFF)
    assert live_since < handed.at < timezone.now()
    assert engagement.phase_changed_at == handed.at
    last_round = TrainingRound.objects.latest("number")
    assert last_round.date < timezone.localdate(live_since)
    assert all(
        v.created_at < live_since
        for v in PlaybookVersion.objects.filter(playbook__process__engagement=engagement)
    )

    # Decisions: received after the version that routed them and never after now.
    for decision in decisions:
        assert decision.playbook_version.created_at <= decision.received_at <= now
        if decision.outcome_at is not None:
            assert decision.received_at <= decision.outcome_at <= now

    # The key was made at go-live and last used by the newest decision.
    key = AgentApiKey.objects.get(engagement=engagement)
    assert key.created_at == live_since
    assert key.last_used_at == max(received)

    # Counterparties were first seen with their first decision.
    for known in KnownCounterparty.objects.filter(process__engagement=engagement):
        assert known.first_seen_at == min(
            d.received_at
            for d in decisions
            if d.process_id == known.process_id and d.counterparty == known.name
        )

    # Tasks: opened when their decision arrived, due after the playbook's SLA, resolved within
    # it and before now; the open ones overdue exactly when their SLA has run out.
    # (Escalated decisions' tasks: the demo's drift investigation has no decision.)
    tasks = ReviewTask.objects.filter(
        engagement=engagement, kind=ReviewTask.Kind.ESCALATED_DECISION
    ).select_related("decision__playbook_version")
    assert tasks.count() == sum(d.route == Decision.Route.HUMAN for d in decisions)
    overdue = 0
    for task in tasks:
        decision = task.decision
        sla = timedelta(minutes=decision.playbook_version.sla_minutes)
        assert task.created_at == decision.received_at
        assert task.due_at == task.created_at + sla
        if task.status == ReviewTask.Status.RESOLVED:
            assert task.created_at < task.resolved_at <= min(task.due_at, now)
            assert decision.outcome_at == task.resolved_at
        else:
            assert task.status == ReviewTask.Status.OPEN
            overdue += task.is_overdue(now)
        for event in task.events.all():
            expected = (
                task.resolved_at if event.kind == ReviewTaskEvent.Kind.RESOLVED else task.created_at
            )
            assert event.at == expected
    assert overdue >= 1
    assert tasks.filter(status=ReviewTask.Status.OPEN).count() >= 3

    # Edge cases: flagged after their decision arrived, before now.
    edge_cases = EdgeCase.objects.filter(engagement=engagement).select_related("decision")
    assert edge_cases.count() == 2
    for edge_case in edge_cases:
        assert edge_case.decision.received_at < edge_case.flagged_at <= now

    # The 14-day chart holds every decision, and weekends are quieter than full weekdays.
    days = decision_daily_volume(engagement=engagement, now=now)
    assert sum(day.total for day in days) == len(decisions)
    past = days[:-1]  # today is partial
    weekdays = [day.total for day in past if day.day.weekday() < 5]
    weekends = [day.total for day in past if day.day.weekday() >= 5]
    assert weekends and max(weekends) < min(weekdays)


def _snapshot() -> dict[str, list]:
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.app_label not in {"sessions", "contenttypes", "auth", "admin"}
    }


def test_seeding_again_hours_later_changes_nothing(clock):
    clock(CLOCKS[0])
    demo_seed()
    first = _snapshot()

    clock(CLOCKS[0] + timedelta(hours=5))
    demo_seed()

    assert _snapshot() == first
