"""The weekly trend: summed counts of daily scores (never an average of daily rates), in the
client's local weeks, and the article's sentence."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from maestro.decisions.selectors import process_economics
from maestro.monitoring.selectors.trend import (
    engagement_trend,
    percent_one_decimal,
    process_weekly_automation_rates,
    trend_sentence,
)
from tests.mapping.factories import ProcessFactory
from tests.monitoring.factories import DailyScoreFactory

pytestmark = pytest.mark.django_db

# Wednesday 11 March 2026, noon UTC: this week is Mon 9 – Sun 15 March, last week Mon 2 – Sun 8.
NOW = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)
THIS_MONDAY, LAST_MONDAY = date(2026, 3, 9), date(2026, 3, 2)


def _day(process, day, *, volume, with_outcome, correct, auto=0, esc=0, human=0, over=0, cat=""):
    return DailyScoreFactory(
        process=process,
        day=day,
        category=cat,
        volume=volume,
        with_outcome=with_outcome,
        correct=correct,
        auto_routed=auto,
        escalated=esc,
        human_resolved=human,
        overridden=over,
    )


def test_week_figures_are_shares_of_summed_counts_not_averages_of_daily_rates(world):
    process = ProcessFactory(engagement=world.engagement_a, name="Procurement")
    # Last week: a busy good day and a quiet bad one. Sum: 95 of 110 = 86.4%; the average of
    # the daily rates would be (90% + 50%) / 2 = 70.0%.
    _day(process, date(2026, 3, 2), volume=120, with_outcome=100, correct=90, auto=80, esc=40,
         human=40, over=4)  # fmt: skip
    _day(process, date(2026, 3, 5), volume=10, with_outcome=10, correct=5, auto=2, esc=8,
         human=8, over=4)  # fmt: skip
    # This week so far (Mon, Tue, Wed): 188 of 200.
    _day(process, date(2026, 3, 9), volume=110, with_outcome=100, correct=96, auto=99, esc=11,
         human=11, over=1)  # fmt: skip
    _day(process, date(2026, 3, 11), volume=100, with_outcome=100, correct=92, auto=90, esc=10,
         human=10, over=0)  # fmt: skip
    # Outside both weeks: never counted.
    _day(process, date(2026, 2, 27), volume=999, with_outcome=999, correct=0)
    # A category row of a counted day: never added to the process's whole.
    _day(process, date(2026, 3, 9), volume=50, with_outcome=50, correct=0, cat="invoice")

    trend = engagement_trend(engagement=world.engagement_a, now=NOW)

    assert (trend.this_week_start, trend.last_week_start) == (THIS_MONDAY, LAST_MONDAY)
    (p,) = trend.processes
    assert (p.last_week.with_outcome, p.last_week.correct) == (110, 95)
    assert p.last_week.accuracy == Decimal("0.8636")  # 95 / 110
    assert p.last_week.automation_rate == Decimal("0.6308")  # 82 / 130
    assert p.last_week.escalation_rate == Decimal("0.3692")  # 48 / 130
    assert p.last_week.override_rate == Decimal("0.1667")  # 8 / 48
    assert p.this_week.accuracy == Decimal("0.9400")  # 188 / 200
    assert p.this_week.volume == 210
    assert p.this_week.override_rate == Decimal("0.0476")  # 1 / 21
    assert p.sentence == "94.0% correct decisions this week, up from 86.4%"
    accuracy, automation, escalation, override = p.changes
    assert accuracy.points == Decimal("7.6") and accuracy.direction == "up"
    assert accuracy.verdict == "better"
    assert automation.points == Decimal("26.9")  # 189/210 = 90.0 − 63.1
    assert escalation.points == Decimal("-26.9") and escalation.verdict == "better"
    assert override.points == Decimal("-11.9") and override.verdict == "better"  # 4.8 − 16.7


def test_the_engagement_sums_its_processes_counts(world):
    big = ProcessFactory(engagement=world.engagement_a, name="A big one")
    small = ProcessFactory(engagement=world.engagement_a, name="B small one")
    ProcessFactory(engagement=world.engagement_a, name="C not live yet")
    _day(big, date(2026, 3, 3), volume=1000, with_outcome=1000, correct=941)
    _day(big, date(2026, 3, 10), volume=900, with_outcome=900, correct=840)
    _day(small, date(2026, 3, 3), volume=0, with_outcome=0, correct=0)
    _day(small, date(2026, 3, 10), volume=100, with_outcome=100, correct=83)

    trend = engagement_trend(engagement=world.engagement_a, now=NOW)

    # (840 + 83) / 1000 = 92.3%, not the mean of 93.3% and 83.0%.
    assert trend.sentence == "92.3% correct decisions this week, down from 94.1%"
    assert [t.process.name for t in trend.processes] == [
        "A big one",
        "B small one",
        "C not live yet",
    ]
    assert (
        trend.processes[1].sentence == "83.0% correct decisions this week; none scored last week."
    )
    assert trend.processes[2].sentence == "No scored decisions this week or last week."


def test_another_engagements_scores_never_count(world):
    mine = ProcessFactory(engagement=world.engagement_a)
    theirs = ProcessFactory(engagement=world.engagement_b)
    _day(mine, date(2026, 3, 10), volume=10, with_outcome=10, correct=9)
    _day(theirs, date(2026, 3, 10), volume=10, with_outcome=10, correct=1)

    trend = engagement_trend(engagement=world.engagement_a, now=NOW)

    assert trend.overall.this_week.correct == 9
    assert [t.process for t in trend.processes] == [mine]


def test_weeks_are_the_clients_local_weeks(world):
    """Sunday 15 March 23:30 UTC is already Monday 16 March in Tokyo: a new week there."""
    world.client_a.time_zone = "Asia/Tokyo"
    world.client_a.save()
    process = ProcessFactory(engagement=world.engagement_a)
    _day(process, date(2026, 3, 12), volume=10, with_outcome=10, correct=9)
    sunday_night_utc = datetime(2026, 3, 15, 23, 30, tzinfo=UTC)

    tokyo = engagement_trend(engagement=world.engagement_a, now=sunday_night_utc)
    assert tokyo.today == date(2026, 3, 16) and tokyo.this_week_start == date(2026, 3, 16)
    assert tokyo.sentence == "No scored decisions this week yet; 90.0% correct last week."

    world.client_a.time_zone = "America/New_York"
    world.client_a.save()
    world.engagement_a.client.refresh_from_db()
    new_york = engagement_trend(engagement=world.engagement_a, now=sunday_night_utc)
    assert new_york.this_week_start == THIS_MONDAY
    assert new_york.sentence == "90.0% correct decisions this week; none scored last week."


@pytest.mark.parametrize(
    ("this", "last", "sentence"),
    [
        ("0.9230", "0.9410", "92.3% correct decisions this week, down from 94.1%"),
        ("0.9410", "0.9230", "94.1% correct decisions this week, up from 92.3%"),
        # Equal to one decimal: level, never "down from 92.3%" to 92.3%.
        ("0.9234", "0.9226", "92.3% correct decisions this week, level with 92.3%"),
        ("0.9996", "0.5", "100.0% correct decisions this week, up from 50.0%"),
        (None, "0.9410", "No scored decisions this week yet; 94.1% correct last week."),
        ("0.9230", None, "92.3% correct decisions this week; none scored last week."),
        (None, None, "No scored decisions this week or last week."),
    ],
)
def test_the_sentence(this, last, sentence):
    share = lambda v: None if v is None else Decimal(v)  # noqa: E731
    assert trend_sentence(share(this), share(last)) == sentence


def test_one_decimal_rounds_half_up():
    assert percent_one_decimal(Decimal("0.92250")) == Decimal("92.3")
    assert percent_one_decimal(Decimal("0.92349")) == Decimal("92.3")
    assert percent_one_decimal(None) is None


def test_trend_queries_do_not_grow_with_processes_or_days(world, django_assert_num_queries):
    def measure(engagement):
        engagement.client  # noqa: B018 - loaded by the pages' selector too
        with django_assert_num_queries(2):
            engagement_trend(engagement=engagement, now=NOW)

    one = ProcessFactory(engagement=world.engagement_a)
    _day(one, date(2026, 3, 10), volume=1, with_outcome=1, correct=1)
    measure(world.engagement_a)
    for n in range(6):
        process = ProcessFactory(engagement=world.engagement_b)
        for day in range(2, 12):
            _day(process, date(2026, 3, day), volume=n, with_outcome=n, correct=n)
    measure(world.engagement_b)


# --- the economics' measured weekly automation rate -------------------------------------------


def test_economics_use_the_last_full_weeks_measured_automation_rate(world):
    process = ProcessFactory(engagement=world.engagement_a, volume_per_day=200, minutes_per_case=12)
    _day(process, date(2026, 3, 2), volume=100, with_outcome=0, correct=0, auto=80)
    _day(process, date(2026, 3, 8), volume=100, with_outcome=0, correct=0, auto=90)
    _day(process, date(2026, 3, 10), volume=100, with_outcome=0, correct=0, auto=10)

    rates = process_weekly_automation_rates(engagement=world.engagement_a, now=NOW)

    assert rates[process.pk].rate == Decimal("0.8500")  # 170 / 200, not this week's 10%
    assert rates[process.pk].full_week and rates[process.pk].week == LAST_MONDAY


def test_economics_fall_back_to_this_week_so_far(world):
    process = ProcessFactory(engagement=world.engagement_a)
    _day(process, date(2026, 3, 10), volume=40, with_outcome=0, correct=0, auto=30)

    (rate,) = process_weekly_automation_rates(engagement=world.engagement_a, now=NOW).values()

    assert rate.rate == Decimal("0.7500") and not rate.full_week
    assert rate.basis == "this week so far (40 decisions)"


def test_process_economics_read_the_weekly_rate_through_the_hook(world):
    """The hours freed of the article's example: 200 cases × 12 min at 85% automation."""
    from maestro.lib.timezones import iso_week_start, local_today

    process = ProcessFactory(engagement=world.engagement_a, volume_per_day=200, minutes_per_case=12)
    today = local_today(world.client_a.tzinfo)
    last_monday = date.fromordinal(iso_week_start(today).toordinal() - 7)
    _day(process, last_monday, volume=200, with_outcome=0, correct=0, auto=170)

    (row,) = process_economics(engagement=world.engagement_a)

    assert row.automation_rate == Decimal("0.8500")
    assert row.hours_freed_per_day == Decimal(34)
    assert row.automation_basis == f"the week of {last_monday:%-d %b} (200 decisions)"
