"""One definition of the rates: the daily row, the summed counts and the alerts agree."""

from datetime import date
from decimal import Decimal

from maestro.monitoring.models import AlertRule, DailyScore
from maestro.monitoring.rates import Counts, share
from maestro.monitoring.services.alerts import rule_check


def test_a_share_is_four_decimals_rounded_half_up_and_none_without_a_whole():
    # 1/32 = 0.03125: half up gives 0.0313 (banker's rounding would give 0.0312).
    assert share(1, 32) == Decimal("0.0313")
    assert share(0, 0) is None
    assert share(3, 4) == Decimal("0.7500")


def test_the_daily_row_the_summed_counts_and_an_alert_see_the_same_accuracy():
    figures = {"volume": 40, "with_outcome": 32, "correct": 31, "auto_routed": 30}
    row = DailyScore(**figures, escalated=10, human_resolved=10, overridden=1)
    summed = Counts(**figures, escalated=10, human_resolved=10, overridden=1)
    day = date(2026, 11, 2)
    rule = AlertRule(kind=AlertRule.Kind.ACCURACY_FLOOR, threshold=Decimal("0.97"))

    breached, value = rule_check(rule, day=day, series={day: summed})

    assert row.accuracy == summed.accuracy == value == Decimal("0.9688")
    assert breached is True
    assert row.automation_rate == summed.automation_rate == Decimal("0.7500")
    assert row.override_rate == summed.override_rate == Decimal("0.1000")
