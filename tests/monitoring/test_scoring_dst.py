"""A client's "yesterday" across daylight-saving changes, with the clock travelled (the run
takes no `now`): a decision at 23:30 local lands on its local day, not on UTC's."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from maestro.monitoring.models import AlertEpisode, DailyScore
from maestro.monitoring.services.scoring import engagement_scoring_run
from tests.engagements.factories import EngagementFactory
from tests.mapping.factories import ProcessFactory
from tests.monitoring.factories import AlertRuleFactory
from tests.monitoring.scoring_data import REVIEW, day_of_decisions, decide, local
from tests.tenancy.factories import ClientFactory

pytestmark = pytest.mark.django_db


def _process(zone: str):
    client = ClientFactory(time_zone=zone)
    return ProcessFactory(engagement=EngagementFactory(client=client))


def _volumes(process) -> dict[date, int]:
    return dict(
        DailyScore.objects.filter(process=process, category="").values_list("day", "volume")
    )


def test_new_york_spring_forward_day_is_23_hours():
    process = _process("America/New_York")
    tz = process.engagement.client.tzinfo
    # Sunday 8 March 2026: clocks jump from 02:00 to 03:00 (EST → EDT).
    decide(process, local(tz, 2026, 3, 8, 0, 30))  # 05:30 UTC
    decide(process, local(tz, 2026, 3, 8, 23, 30))  # 03:30 UTC on the 9th
    decide(process, local(tz, 2026, 3, 7, 23, 30))  # 04:30 UTC on the 8th: the 7th
    decide(process, local(tz, 2026, 3, 9, 0, 10))  # the 9th

    # 00:20 local on the 9th is 04:20 UTC: UTC's yesterday would also be the 8th, but an
    # hour earlier (03:40 UTC, 23:40 local on the 8th) it must still be the 7th.
    with time_machine.travel(datetime(2026, 3, 9, 3, 40, tzinfo=UTC), tick=False):
        engagement_scoring_run(engagement=process.engagement)
    assert _volumes(process) == {date(2026, 3, 7): 1}

    with time_machine.travel(local(tz, 2026, 3, 9, 0, 20), tick=False):
        engagement_scoring_run(engagement=process.engagement)
    assert _volumes(process) == {date(2026, 3, 7): 1, date(2026, 3, 8): 2}


def test_new_york_fall_back_day_is_25_hours():
    process = _process("America/New_York")
    tz = process.engagement.client.tzinfo
    # Sunday 1 November 2026: 02:00 EDT becomes 01:00 EST; 01:30 happens twice.
    decide(process, datetime(2026, 11, 1, 5, 30, tzinfo=UTC))  # 01:30 EDT
    decide(process, datetime(2026, 11, 1, 6, 30, tzinfo=UTC))  # 01:30 EST
    decide(process, local(tz, 2026, 11, 1, 23, 30))  # 04:30 UTC on the 2nd
    decide(process, local(tz, 2026, 11, 2, 0, 30))  # the 2nd

    with time_machine.travel(local(tz, 2026, 11, 2, 6), tick=False):
        engagement_scoring_run(engagement=process.engagement)

    assert _volumes(process) == {date(2026, 11, 1): 3}


def test_lisbon_spring_forward_day():
    process = _process("Europe/Lisbon")
    tz = process.engagement.client.tzinfo
    # Sunday 29 March 2026: 01:00 WET becomes 02:00 WEST; 23:30 local is 22:30 UTC.
    decide(process, local(tz, 2026, 3, 29, 23, 30))
    decide(process, local(tz, 2026, 3, 28, 23, 59))  # 23:59 UTC on the 28th (still WET)
    decide(process, datetime(2026, 3, 29, 23, 30, tzinfo=UTC))  # 00:30 local on the 30th

    with time_machine.travel(local(tz, 2026, 3, 30, 0, 45), tick=False):
        engagement_scoring_run(engagement=process.engagement)

    assert _volumes(process) == {date(2026, 3, 29): 1}


def test_for_k_days_counts_the_clients_days_across_the_spring_forward():
    # Lisbon, Sunday 29 March 2026: 01:00 → 02:00 (WET → WEST), a 23-hour day. A floor rule
    # "for 2 scored days" breached on Saturday and on Sunday fires on the run after Sunday
    # ends locally, not on the run after Sunday ends in UTC.
    process = _process("Europe/Lisbon")
    tz = process.engagement.client.tzinfo
    AlertRuleFactory(process=process, for_days=2)  # accuracy below 90%
    for day in (28, 29):
        day_of_decisions(process, tz, 2026, 3, day)  # 4 of 6 correct: 66.7%
    decide(process, local(tz, 2026, 3, 29, 23, 30), final="approve", source=REVIEW, after=60)

    def run(*when: int) -> AlertEpisode | None:
        with time_machine.travel(local(tz, *when), tick=False):
            engagement_scoring_run(engagement=process.engagement)
        return AlertEpisode.objects.filter(rule__process=process).first()

    assert run(2026, 3, 28, 12) is None  # Saturday itself is not scored yet
    pending = run(2026, 3, 29, 0, 30)  # 00:30 WET: Saturday has ended locally
    assert (pending.state, pending.consecutive_days) == (AlertEpisode.State.PENDING, 1)
    # 23:40 WEST on Sunday is 22:40 UTC: UTC's Sunday is over, the client's is not.
    assert run(2026, 3, 29, 23, 40).state == AlertEpisode.State.PENDING
    firing = run(2026, 3, 30, 0, 10)
    assert (firing.state, firing.started_on, firing.consecutive_days) == (
        AlertEpisode.State.FIRING,
        date(2026, 3, 28),
        2,
    )
    assert _volumes(process)[date(2026, 3, 29)] == 9  # the 23:30 decision is Sunday's
