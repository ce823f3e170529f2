"""The cadence: every N weeks from the ISO week of `starts_on`, on a weekday at a local time in
the client's zone, the same wall-clock time on both sides of a daylight-saving change, and a
deterministic answer for local times that do not exist or happen twice."""

from datetime import date, time
from itertools import islice

import pytest

from handoff.services.check_ins import check_in_next_at, check_in_occurrences
from tests.handoff.check_in_setup import plan_in, utc

pytestmark = pytest.mark.django_db


def _next(plan, after, n=3):
    return list(islice(check_in_occurrences(plan, after=after), n))


def test_weekly_lisbon_check_in_stays_at_ten_local_across_spring_forward():
    plan = plan_in("Europe/Lisbon")  # Tuesdays 10:00
    # Sunday 29 March 2026: WET (UTC+0) becomes WEST (UTC+1).
    assert _next(plan, utc(2026, 3, 20)) == [
        utc(2026, 3, 24, 10),
        utc(2026, 3, 31, 9),
        utc(2026, 4, 7, 9),
    ]


def test_weekly_lisbon_check_in_stays_at_ten_local_across_fall_back():
    plan = plan_in("Europe/Lisbon")
    # Sunday 25 October 2026: WEST becomes WET.
    assert _next(plan, utc(2026, 10, 19), 2) == [utc(2026, 10, 20, 9), utc(2026, 10, 27, 10)]


def test_every_two_weeks_counts_from_the_first_weeks_monday_and_skips_days_before_the_start():
    # Week 0 is that of Wednesday 7 Jan 2026 (Monday 5 Jan); its Tuesday is before the start.
    plan = plan_in("UTC", every_weeks=2, starts_on=date(2026, 1, 7))
    assert _next(plan, utc(2026, 1, 1), 3) == [
        utc(2026, 1, 20, 10),
        utc(2026, 2, 3, 10),
        utc(2026, 2, 17, 10),
    ]
    # Asked in the middle of the cadence, the next is still on the two-week grid.
    assert _next(plan, utc(2026, 2, 4), 1) == [utc(2026, 2, 17, 10)]


def test_every_three_weeks_on_a_friday():
    plan = plan_in("UTC", every_weeks=3, weekday=4, starts_on=date(2026, 1, 5))
    assert _next(plan, utc(2026, 1, 9, 10), 2) == [utc(2026, 1, 30, 10), utc(2026, 2, 20, 10)]


def test_an_occurrence_is_strictly_after_the_instant_asked():
    plan = plan_in("UTC")
    assert _next(plan, utc(2026, 1, 6, 10), 1) == [utc(2026, 1, 13, 10)]
    assert _next(plan, utc(2026, 1, 6, 9, 59), 1) == [utc(2026, 1, 6, 10)]


def test_local_time_in_the_spring_forward_gap_happens_as_much_later_as_the_gap():
    # New York, Sunday 8 March 2026: 02:00 EST jumps to 03:00 EDT, so 02:30 does not exist.
    # Read with the offset before the change (fold=0): 02:30 EST = 07:30 UTC = 03:30 EDT.
    plan = plan_in("America/New_York", weekday=6, local_time=time(2, 30))
    assert _next(plan, utc(2026, 2, 28), 3) == [
        utc(2026, 3, 1, 7, 30),  # 02:30 EST
        utc(2026, 3, 8, 7, 30),  # 03:30 EDT: the nonexistent 02:30
        utc(2026, 3, 15, 6, 30),  # 02:30 EDT
    ]


def test_local_time_repeated_at_fall_back_is_its_first_occurrence():
    # New York, Sunday 1 November 2026: 01:30 happens twice (EDT, then EST); fold=0 is EDT.
    plan = plan_in("America/New_York", weekday=6, local_time=time(1, 30))
    assert _next(plan, utc(2026, 10, 30), 2) == [utc(2026, 11, 1, 5, 30), utc(2026, 11, 8, 6, 30)]


def test_next_at_is_none_beyond_the_horizon():
    plan = plan_in("UTC", starts_on=date(2026, 6, 1))
    assert check_in_next_at(plan, now=utc(2026, 5, 1)) is None
    assert check_in_next_at(plan, now=utc(2026, 5, 25)) == utc(2026, 6, 2, 10)
