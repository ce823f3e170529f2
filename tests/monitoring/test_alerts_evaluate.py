"""Drift alert evaluation: each rule's pending → firing → resolved path, notices sent once,
silences, first evaluations, rescored history, and the query count."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maestro.audit.models import AuditEntry
from maestro.monitoring.models import AlertEpisode, DailyScore, Silence
from maestro.monitoring.services.alert_rules import alert_rule_update
from maestro.monitoring.services.alerts import FIRST_EVALUATION_LOOKBACK_DAYS
from maestro.reviews.models import ReviewTask, ReviewTaskEvent
from tests.mapping.factories import ProcessFactory
from tests.monitoring.alert_setup import (
    BAD,
    FIRST_DAY,
    Notices,
    alert_world,
    episodes,
    evaluate,
    morning_after,
    no_delivery,  # noqa: F401 - fixture
    notices,
    score,
)
from tests.monitoring.factories import AlertRuleFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_delivery")]

RULES = {
    "accuracy_floor": {"threshold": Decimal("0.9000")},
    "override_ceiling": {"threshold": Decimal("0.1000")},
    "escalation_band": {"threshold": Decimal("0.2000"), "threshold_high": Decimal("0.4000")},
}
NOTHING = Notices(tasks=0, fired_hooks=0, resolved_hooks=0, mails=0)
FIRED = Notices(tasks=1, fired_hooks=1, resolved_hooks=0, mails=2)  # consultant + operator
RESOLVED = Notices(tasks=1, fired_hooks=1, resolved_hooks=1, mails=4)


def _day(n: int):
    return FIRST_DAY + timedelta(days=n)


@pytest.mark.parametrize("for_days", [1, 3])
@pytest.mark.parametrize("kind", list(RULES))
def test_a_rule_goes_pending_firing_resolved_with_one_notice_each_way(
    kind, for_days, django_capture_on_commit_callbacks
):
    world = alert_world()
    rule = AlertRuleFactory(process=world.process, kind=kind, for_days=for_days, **RULES[kind])
    score(world.process, _day(0))
    evaluate(world, _day(0), django_capture_on_commit_callbacks)
    assert episodes(world) == []

    for n in range(1, for_days):  # breached, not yet for long enough
        score(world.process, _day(n), **BAD[kind])
        evaluate(world, _day(n), django_capture_on_commit_callbacks)
        assert episodes(world) == [("pending", _day(1), n)]
        assert notices(world) == NOTHING

    score(world.process, _day(for_days), **BAD[kind])
    result = evaluate(world, _day(for_days), django_capture_on_commit_callbacks)
    assert episodes(world) == [("firing", _day(1), for_days)]
    assert notices(world) == FIRED
    (episode,) = AlertEpisode.objects.filter(rule=rule)
    assert result.fired == [episode.pk]
    assert episode.fired_notice_at == morning_after(_day(for_days))
    assert episode.investigation_task.kind == ReviewTask.Kind.DRIFT_INVESTIGATION
    assert episode.investigation_task.assignee == world.operator
    assert sorted(m.to[0] for m in mail.outbox) == [
        "consultant@example.com",
        "operator@example.com",
    ]
    assert mail.outbox[0].alternatives[0].mimetype == "text/html"

    # Ten more days of the same, and the job run twice on the last one: still one alert.
    last = for_days + 10
    for n in range(for_days + 1, last + 1):
        score(world.process, _day(n), **BAD[kind])
        evaluate(world, _day(n), django_capture_on_commit_callbacks)
    evaluate(world, _day(last), django_capture_on_commit_callbacks)
    assert episodes(world) == [("firing", _day(1), last)]
    assert notices(world) == FIRED

    score(world.process, _day(last + 1))
    result = evaluate(world, _day(last + 1), django_capture_on_commit_callbacks)
    evaluate(world, _day(last + 1), django_capture_on_commit_callbacks)
    assert episodes(world) == [("resolved", _day(1), last)]
    assert notices(world) == RESOLVED
    episode.refresh_from_db()
    assert result.resolved == [episode.pk]
    assert (episode.resolved_on, episode.resolved_notice_at) == (
        _day(last + 1),
        morning_after(_day(last + 1)),
    )
    assert mail.outbox[-1].subject.startswith("Resolved: ")
    events = list(
        AuditEntry.objects.filter(target_type="monitoring.AlertEpisode")
        .order_by("pk")
        .values_list("event", "actor_label", "changes")
    )
    assert events == [
        ("alert.fired", "drift alerts", {"state": ["pending", "firing"]}),
        ("alert.resolved", "drift alerts", {"state": ["firing", "resolved"]}),
    ]
    assert AuditEntry.objects.get(event="task.assigned").actor_label == "drift alerts"
    assert ReviewTaskEvent.objects.filter(task=episode.investigation_task).count() == 1


def test_escalation_below_the_band_fires_too(django_capture_on_commit_callbacks):
    world = alert_world()
    AlertRuleFactory(process=world.process, kind="escalation_band", **RULES["escalation_band"])
    score(world.process, _day(0), escalated=10)
    evaluate(world, _day(0), django_capture_on_commit_callbacks)
    assert episodes(world) == [("firing", _day(0), 1)]
    assert AlertEpisode.objects.get().value == Decimal("0.1000")


def test_a_pending_alert_that_clears_before_its_days_is_dropped_silently(
    django_capture_on_commit_callbacks,
):
    world = alert_world()
    AlertRuleFactory(process=world.process, for_days=3)
    for n, counts in enumerate([BAD["accuracy_floor"], BAD["accuracy_floor"], {}]):
        score(world.process, _day(n), **counts)
        evaluate(world, _day(n), django_capture_on_commit_callbacks)
    assert episodes(world) == []
    assert notices(world) == NOTHING
    assert not AuditEntry.objects.filter(event__startswith="alert.").exists()


def test_the_days_of_one_run_are_walked_in_order(django_capture_on_commit_callbacks):
    """A run that finds several new days (the job missed some) plays them in day order: the
    alert that fired and resolved among them is recorded, notified both ways, and the breach
    that follows is pending."""
    world = alert_world()
    AlertRuleFactory(process=world.process, for_days=2)
    score(world.process, _day(0))
    evaluate(world, _day(0), django_capture_on_commit_callbacks)
    for n, counts in enumerate([BAD["accuracy_floor"]] * 2 + [{}, BAD["accuracy_floor"]], 1):
        score(world.process, _day(n), **counts)
    evaluate(world, _day(4), django_capture_on_commit_callbacks)
    assert episodes(world) == [("resolved", _day(1), 2), ("pending", _day(4), 1)]
    assert notices(world) == RESOLVED


def test_the_weekly_drop_compares_this_week_so_far_with_last_week(
    django_capture_on_commit_callbacks,
):
    world = alert_world()
    AlertRuleFactory(process=world.process, kind="weekly_drop", threshold=Decimal("0.0300"))
    for n in range(7):  # last week: 95%
        score(world.process, _day(n))
    monday = _day(7)
    evaluate(world, _day(6), django_capture_on_commit_callbacks)
    # Monday 93% (down 2 points), Tuesday 90% (the week so far 91.5%: down 3.5), Wednesday 90%,
    # Thursday 100% (the week so far 93.25%: down 1.75).
    expected = [[], [("firing", monday + timedelta(1), 1)], [("firing", monday + timedelta(1), 2)]]
    for n, correct in enumerate([93, 90, 90]):
        score(world.process, monday + timedelta(n), correct=correct)
        evaluate(world, monday + timedelta(n), django_capture_on_commit_callbacks)
        assert episodes(world) == expected[n]
    assert AlertEpisode.objects.get().value == Decimal("0.0400")  # (93+90+90)/300 vs 95%
    score(world.process, monday + timedelta(3), correct=100)
    evaluate(world, monday + timedelta(3), django_capture_on_commit_callbacks)
    assert episodes(world) == [("resolved", monday + timedelta(1), 2)]
    assert notices(world) == RESOLVED


def test_the_weekly_drop_waits_for_its_days(django_capture_on_commit_callbacks):
    world = alert_world()
    AlertRuleFactory(
        process=world.process, kind="weekly_drop", threshold=Decimal("0.0300"), for_days=3
    )
    for n in range(7):
        score(world.process, _day(n))
    monday = _day(7)
    for n, correct in enumerate([90, 90, 90]):
        score(world.process, monday + timedelta(n), correct=correct)
        evaluate(world, monday + timedelta(n), django_capture_on_commit_callbacks)
        assert [state for state, *_ in episodes(world)] == ["pending" if n < 2 else "firing"]
    assert notices(world) == FIRED


def test_a_category_rule_reads_its_category_only(django_capture_on_commit_callbacks):
    world = alert_world()
    AlertRuleFactory(process=world.process, category="compliance_exception")
    score(world.process, _day(0))
    score(world.process, _day(0), category="compliance_exception", correct=70)
    score(world.process, _day(0), category="other", correct=10)
    evaluate(world, _day(0), django_capture_on_commit_callbacks)
    assert episodes(world) == [("firing", _day(0), 1)]
    assert AlertEpisode.objects.get().value == Decimal("0.7000")
    assert "compliance_exception" in mail.outbox[0].subject


def test_a_day_without_evidence_neither_extends_nor_clears(django_capture_on_commit_callbacks):
    world = alert_world()
    AlertRuleFactory(process=world.process, for_days=2)
    score(world.process, _day(0), correct=80)
    evaluate(world, _day(0), django_capture_on_commit_callbacks)
    score(world.process, _day(1), with_outcome=0, correct=0)  # no confirmed outcome yet
    evaluate(world, _day(1), django_capture_on_commit_callbacks)
    assert episodes(world) == [("pending", _day(0), 1)]
    score(world.process, _day(2), correct=80)
    evaluate(world, _day(2), django_capture_on_commit_callbacks)
    assert episodes(world) == [("firing", _day(0), 2)]


def test_a_new_rule_reads_only_its_last_for_days_scored_days(django_capture_on_commit_callbacks):
    """It reports the drift under way, not history: the breach of two weeks ago that
    cleared makes no alert; the one of the last three scored days fires."""
    world = alert_world()
    for n in range(14):
        score(world.process, _day(n), **(BAD["accuracy_floor"] if n in (2, 3, 11, 12, 13) else {}))
    rule = AlertRuleFactory(process=world.process, for_days=3)
    evaluate(world, _day(13), django_capture_on_commit_callbacks)
    assert episodes(world) == [("firing", _day(11), 3)]
    rule.refresh_from_db()
    assert rule.evaluated_through == _day(13)


def test_a_rescore_of_a_day_already_read_does_not_reopen_history(
    django_capture_on_commit_callbacks,
):
    world = alert_world()
    AlertRuleFactory(process=world.process)
    score(world.process, _day(0))
    score(world.process, _day(1))
    evaluate(world, _day(1), django_capture_on_commit_callbacks)
    DailyScore.objects.filter(day=_day(0)).update(correct=50)  # late bad feedback
    evaluate(world, _day(1), django_capture_on_commit_callbacks)
    assert episodes(world) == []


def test_other_engagements_and_disabled_rules_are_not_evaluated(
    django_capture_on_commit_callbacks,
):
    world, other = alert_world(), alert_world()
    AlertRuleFactory(process=world.process, enabled=False)
    AlertRuleFactory(process=other.process)
    score(world.process, _day(0), correct=50)
    score(other.process, _day(0), correct=50)
    result = evaluate(world, _day(0), django_capture_on_commit_callbacks)
    assert result.rules == 0
    assert AlertEpisode.objects.count() == 0


# --- silences -------------------------------------------------------------------------------


def _silence(world, *, rule=None, days=(0, 30), lifted=False) -> Silence:
    return Silence.objects.create(
        engagement=world.engagement,
        process=world.process,
        rule=rule,
        starts_at=morning_after(_day(days[0] - 1)),
        ends_at=morning_after(_day(days[1])),
        reason="Planned policy change",
        created_by=world.consultant,
        lifted_at=morning_after(_day(0)) if lifted else None,
    )


@pytest.mark.parametrize("whole_process", [True, False])
def test_a_silenced_alert_is_recorded_and_notifies_nobody(
    whole_process, django_capture_on_commit_callbacks
):
    world = alert_world()
    rule = AlertRuleFactory(process=world.process)
    _silence(world, rule=None if whole_process else rule)
    score(world.process, _day(0), correct=50)
    result = evaluate(world, _day(0), django_capture_on_commit_callbacks)
    episode = AlertEpisode.objects.get()
    assert (episode.state, episode.silenced, episode.fired_notice_at) == ("firing", True, None)
    assert result.silenced == [episode.pk] and result.fired == []
    assert notices(world) == NOTHING
    assert AuditEntry.objects.get(event="alert.fired").data["silenced"] is True

    score(world.process, _day(1))
    evaluate(world, _day(1), django_capture_on_commit_callbacks)
    assert episodes(world) == [("resolved", _day(0), 1)]
    assert notices(world) == NOTHING  # nobody heard it fire, nobody hears it resolve


def test_a_silence_of_another_rule_or_one_lifted_or_ended_silences_nothing(
    django_capture_on_commit_callbacks,
):
    world = alert_world()
    AlertRuleFactory(process=world.process)
    other_rule = AlertRuleFactory(process=world.process, kind="override_ceiling")
    _silence(world, rule=other_rule)
    _silence(world, lifted=True)
    _silence(world, days=(-10, -1))
    score(world.process, _day(0), correct=50)
    evaluate(world, _day(0), django_capture_on_commit_callbacks)
    assert AlertEpisode.objects.get().silenced is False
    assert notices(world) == FIRED


def test_an_alert_still_firing_when_its_silence_ends_notifies_once(
    django_capture_on_commit_callbacks,
):
    world = alert_world()
    AlertRuleFactory(process=world.process)
    _silence(world, days=(0, 1))  # ends the morning after day 1
    for n in range(4):
        score(world.process, _day(n), correct=50)
        evaluate(world, _day(n), django_capture_on_commit_callbacks)
        expected = NOTHING if n < 1 else FIRED
        assert notices(world) == expected, n
    episode = AlertEpisode.objects.get()
    assert episode.silenced is False and episode.state == "firing"


# --- changing rules -------------------------------------------------------------------------


def test_disabling_a_rule_resolves_its_alert_and_re_enabling_starts_afresh(
    django_capture_on_commit_callbacks,
):
    world = alert_world()
    rule = AlertRuleFactory(process=world.process)
    score(world.process, _day(0), correct=50)
    evaluate(world, _day(0), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        alert_rule_update(rule=rule, by=world.consultant, enabled=False)
    assert episodes(world) == [("resolved", _day(0), 1)]
    assert notices(world) == RESOLVED
    entry = AuditEntry.objects.get(event="alert.resolved")
    assert (entry.actor_user, entry.data["rule_changed"]) == (world.consultant, True)
    for n in range(1, 10):
        score(world.process, _day(n), correct=50 if n < 9 else 95)
    with django_capture_on_commit_callbacks(execute=True):
        rule = alert_rule_update(rule=rule, by=world.consultant, enabled=True)
    assert rule.evaluated_through is None
    evaluate(world, _day(9), django_capture_on_commit_callbacks)
    assert episodes(world) == [("resolved", _day(0), 1)]  # only day 9 was read: fine


def test_the_evaluation_costs_the_same_queries_for_more_rules_and_days(
    django_capture_on_commit_callbacks,
):
    def run(rules: int, days: int) -> int:
        world = alert_world()
        for r in range(rules):
            process = world.process if r == 0 else ProcessFactory(engagement=world.engagement)
            AlertRuleFactory(process=process, for_days=2)
            AlertRuleFactory(
                process=process, kind="escalation_band", **RULES["escalation_band"], for_days=2
            )
            AlertRuleFactory(process=process, kind="weekly_drop", threshold=Decimal("0.05"))
            for n in range(days):
                # Alternating breaches: pending episodes opened and dropped, no notice.
                score(process, _day(n), **(BAD["accuracy_floor"] if n % 2 else {}))
        evaluate(world, _day(0), django_capture_on_commit_callbacks)  # first run: day 0 only
        with CaptureQueriesContext(connection) as queries:
            evaluate(world, _day(days - 1), django_capture_on_commit_callbacks)
        assert AlertEpisode.objects.filter(engagement=world.engagement).count() == rules
        assert not mail.outbox
        return len(queries)

    assert run(1, 4) == run(5, 20)


def test_a_new_rule_ignores_scores_older_than_its_lookback(django_capture_on_commit_callbacks):
    world = alert_world()
    score(world.process, _day(0), correct=50)
    rule = AlertRuleFactory(process=world.process)
    evaluate(world, _day(FIRST_EVALUATION_LOOKBACK_DAYS + 1), django_capture_on_commit_callbacks)
    assert episodes(world) == []
    rule.refresh_from_db()
    assert rule.evaluated_through is None
