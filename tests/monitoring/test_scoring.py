"""Daily scoring against hand-counted figures: categories, the process-wide row, late
outcomes, idempotence, replacement, and the query count across 1 and many processes."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maestro.monitoring.models import AlertEpisode, DailyScore, ScoringCursor
from maestro.monitoring.services import scoring
from maestro.monitoring.services.scoring import engagement_scoring_run
from tests.engagements.factories import EngagementFactory
from tests.mapping.factories import ProcessFactory
from tests.monitoring.factories import AlertRuleFactory, DailyScoreFactory
from tests.monitoring.scoring_data import (
    FEEDBACK,
    NEW_YORK,
    REVIEW,
    day_of_decisions,
    decide,
    local,
    outcome_set,
)
from tests.tenancy.factories import ClientFactory

pytestmark = pytest.mark.django_db

FIELDS = [
    "volume",
    "with_outcome",
    "correct",
    "auto_routed",
    "escalated",
    "human_resolved",
    "overridden",
    "resolution_median_seconds",
    "resolution_p90_seconds",
]
JAN_10 = date(2026, 1, 10)


def figures(process, day: date) -> dict[str, tuple]:
    return {
        s.category: tuple(getattr(s, f) for f in FIELDS)
        for s in DailyScore.objects.filter(process=process, day=day)
    }


@pytest.fixture
def process():
    client = ClientFactory(time_zone="America/New_York")
    return ProcessFactory(engagement=EngagementFactory(client=client))


def test_scores_yesterday_per_category_and_process_wide(process):
    day_of_decisions(process, NEW_YORK, 2026, 1, 10)
    decide(process, local(NEW_YORK, 2026, 1, 11, 0, 30))  # today: not scored yet

    result = engagement_scoring_run(
        engagement=process.engagement, now=local(NEW_YORK, 2026, 1, 11, 9)
    )

    # volume, with outcome, correct, auto, escalated, human-resolved, overridden, median, p90
    assert figures(process, JAN_10) == {
        "": (8, 6, 4, 4, 4, 3, 1, 600, 1080),
        "invoice": (5, 4, 2, 3, 2, 2, 1, 900, 1140),
        "refund": (2, 1, 1, 0, 2, 1, 0, 60, 60),
    }
    assert DailyScore.objects.count() == 3
    assert result == scoring.ScoringResult(days=1, rows=3)
    whole = DailyScore.objects.get(process=process, category="")
    assert whole.engagement_id == process.engagement_id
    assert str(whole.accuracy) == "0.6667"  # 4 of 6
    assert str(whole.automation_rate) == "0.5000"
    assert str(whole.override_rate) == "0.3333"  # 1 of 3 human-resolved


def test_running_twice_changes_nothing(process):
    day_of_decisions(process, NEW_YORK, 2026, 1, 10)
    now = local(NEW_YORK, 2026, 1, 11, 9)
    engagement_scoring_run(engagement=process.engagement, now=now)
    first = figures(process, JAN_10)
    ids = set(DailyScore.objects.values_list("pk", flat=True))

    engagement_scoring_run(engagement=process.engagement, now=now + timedelta(minutes=30))

    assert figures(process, JAN_10) == first
    assert DailyScore.objects.count() == 3
    assert set(DailyScore.objects.values_list("pk", flat=True)) != ids  # replaced, not added


def test_a_day_without_decisions_leaves_no_rows(process):
    engagement_scoring_run(engagement=process.engagement, now=local(NEW_YORK, 2026, 1, 11, 9))

    assert not DailyScore.objects.exists()
    assert ScoringCursor.objects.get(process=process).last_run_at is not None


def test_recomputing_a_day_drops_its_stale_rows_and_keeps_other_days(process):
    day_of_decisions(process, NEW_YORK, 2026, 1, 10)
    stale = DailyScoreFactory(process=process, day=JAN_10, category="obsolete")
    other_day = DailyScoreFactory(process=process, day=date(2026, 1, 9), category="invoice")
    other_process = DailyScoreFactory(day=JAN_10)

    engagement_scoring_run(engagement=process.engagement, now=local(NEW_YORK, 2026, 1, 11, 9))

    assert not DailyScore.objects.filter(pk=stale.pk).exists()
    kept = DailyScore.objects.get(pk=other_day.pk)
    assert (kept.volume, kept.computed_at) == (100, other_day.computed_at)
    assert DailyScore.objects.filter(pk=other_process.pk).exists()
    assert set(DailyScore.objects.filter(process=process, day=JAN_10).values_list(
        "category", flat=True)) == {"", "invoice", "refund"}  # fmt: skip


def test_a_late_outcome_rescores_its_day_and_only_that_day(process):
    made = day_of_decisions(process, NEW_YORK, 2026, 1, 10)
    decide(process, local(NEW_YORK, 2026, 1, 9, 12), route="auto")
    engagement_scoring_run(engagement=process.engagement, now=local(NEW_YORK, 2026, 1, 10, 9))
    engagement_scoring_run(engagement=process.engagement, now=local(NEW_YORK, 2026, 1, 11, 9))
    jan_9 = DailyScore.objects.get(process=process, day=date(2026, 1, 9), category="")
    # Feedback for the auto-routed #3 (a correct proposal) and a human resolves #7, two
    # days later; nothing was received on Jan 12.
    outcome_set(made["3"], final="approve", source=FEEDBACK, at=local(NEW_YORK, 2026, 1, 13, 8))
    outcome_set(made["7"], final="refund", source=REVIEW, at=local(NEW_YORK, 2026, 1, 13, 8))

    result = engagement_scoring_run(
        engagement=process.engagement, now=local(NEW_YORK, 2026, 1, 13, 9)
    )

    # #7 waited from Jan 10 14:00 to Jan 13 08:00 (237,600 s) before a human resolved it.
    assert figures(process, JAN_10) == {
        "": (8, 8, 6, 4, 4, 4, 1, 900, 166680),
        "invoice": (5, 5, 3, 3, 2, 2, 1, 900, 1140),
        "refund": (2, 2, 2, 0, 2, 2, 0, 118830, 213846),
    }
    assert result.days == 2  # Jan 12 (yesterday, empty) and Jan 10 (late outcomes)
    assert not DailyScore.objects.filter(day=date(2026, 1, 12)).exists()
    untouched = DailyScore.objects.get(pk=jan_9.pk)
    assert untouched.computed_at == jan_9.computed_at


def test_the_cursor_advances_and_an_old_outcome_is_not_read_again(process):
    made = day_of_decisions(process, NEW_YORK, 2026, 1, 10)
    now = local(NEW_YORK, 2026, 1, 11, 9)
    engagement_scoring_run(engagement=process.engagement, now=now)
    cursor = ScoringCursor.objects.get(process=process)
    assert cursor.outcomes_until == now - scoring.OUTCOME_LAG
    outcome_set(made["3"], final="approve", source=FEEDBACK, at=local(NEW_YORK, 2026, 1, 11, 10))

    engagement_scoring_run(engagement=process.engagement, now=local(NEW_YORK, 2026, 1, 13, 9))
    assert figures(process, JAN_10)["invoice"][1] == 5
    # Next run: the outcome is behind the cursor, Jan 10 is not recomputed.
    before = DailyScore.objects.get(process=process, day=JAN_10, category="").computed_at
    result = engagement_scoring_run(
        engagement=process.engagement, now=local(NEW_YORK, 2026, 1, 14, 9)
    )
    assert result.days == 1  # yesterday only
    assert DailyScore.objects.get(process=process, day=JAN_10, category="").computed_at == before


def test_a_cursor_never_moves_back(process):
    engagement_scoring_run(engagement=process.engagement, now=local(NEW_YORK, 2026, 1, 11, 9))
    until = ScoringCursor.objects.get(process=process).outcomes_until

    engagement_scoring_run(engagement=process.engagement, now=local(NEW_YORK, 2026, 1, 10, 9))

    assert ScoringCursor.objects.get(process=process).outcomes_until == until


def test_an_outcome_for_today_waits_for_the_day_to_end(process):
    today = decide(process, local(NEW_YORK, 2026, 1, 11, 1), route="auto")
    engagement_scoring_run(engagement=process.engagement, now=local(NEW_YORK, 2026, 1, 11, 2))
    outcome_set(today, final="approve", source=FEEDBACK, at=local(NEW_YORK, 2026, 1, 11, 3))

    engagement_scoring_run(engagement=process.engagement, now=local(NEW_YORK, 2026, 1, 11, 9))
    assert not DailyScore.objects.exists()

    engagement_scoring_run(engagement=process.engagement, now=local(NEW_YORK, 2026, 1, 12, 0, 30))
    assert figures(process, date(2026, 1, 11))[""][:3] == (1, 1, 1)


def test_runs_without_now_score_the_clients_yesterday(process):
    day_of_decisions(process, NEW_YORK, 2026, 1, 10)
    # 02:00 UTC on Jan 11 is still Jan 10 in New York: yesterday there is Jan 9.
    with time_machine.travel(local(NEW_YORK, 2026, 1, 10, 21), tick=False):
        engagement_scoring_run(engagement=process.engagement)
    assert not DailyScore.objects.exists()
    with time_machine.travel(local(NEW_YORK, 2026, 1, 11, 0, 5), tick=False):
        engagement_scoring_run(engagement=process.engagement)
    assert figures(process, JAN_10)[""][0] == 8


def _engagement_with(processes: int):
    engagement = EngagementFactory(client=ClientFactory(time_zone="America/New_York"))
    for _n in range(processes):
        process = ProcessFactory(engagement=engagement)
        day_of_decisions(process, NEW_YORK, 2026, 1, 10)
    return engagement


def _queries(engagement, now) -> int:
    with CaptureQueriesContext(connection) as queries:
        engagement_scoring_run(engagement=engagement, now=now)
    return len(queries)


def test_queries_do_not_grow_with_processes_or_decisions():
    now = local(NEW_YORK, 2026, 1, 11, 9)
    one, many = _engagement_with(1), _engagement_with(12)
    for engagement in (one, many):  # cursors exist: the next run reads late outcomes too
        engagement_scoring_run(engagement=engagement, now=now)
    later = now + timedelta(hours=1)

    assert _queries(one, later) == _queries(many, later)
    assert DailyScore.objects.filter(process__engagement=many, day=JAN_10).count() == 36


def test_queries_grow_with_batches_only(monkeypatch):
    now = local(NEW_YORK, 2026, 1, 11, 9)
    engagement = _engagement_with(5)
    engagement_scoring_run(engagement=engagement, now=now)  # the cursors exist from now on
    monkeypatch.setattr(scoring, "BATCH_PROCESSES", 5)
    one_batch = _queries(engagement, now)
    monkeypatch.setattr(scoring, "BATCH_PROCESSES", 2)  # 3 batches

    three_batches = _queries(engagement, now)

    per_batch = (three_batches - one_batch) // 2
    assert three_batches == one_batch + 2 * per_batch
    # cursors (create, lock), late days, two aggregates, delete, insert, cursor update, and
    # the savepoint around them (inside the test's transaction).
    assert per_batch <= 10
    assert DailyScore.objects.filter(day=JAN_10).count() == 15


def test_the_scoring_run_evaluates_the_drift_rules_on_the_days_it_scored(process):
    AlertRuleFactory(process=process)  # accuracy below 90% for one scored day
    day_of_decisions(process, NEW_YORK, 2026, 1, 10)  # 4 of 6 correct: 66.7%
    now = local(NEW_YORK, 2026, 1, 11, 9)

    engagement_scoring_run(engagement=process.engagement, now=now)
    engagement_scoring_run(engagement=process.engagement, now=now + timedelta(hours=1))

    episode = AlertEpisode.objects.get()
    assert (episode.state, episode.started_on, str(episode.value)) == (
        AlertEpisode.State.FIRING,
        JAN_10,
        "0.6667",
    )
