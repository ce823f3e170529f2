"""manage.py monitoring_rescore: a process or an engagement over a bounded range of local
days, with a progress bar on stderr."""

import io
import re
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from maestro.monitoring.models import DailyScore, ScoringCursor
from maestro.monitoring.services import scoring
from tests.engagements.factories import EngagementFactory
from tests.mapping.factories import ProcessFactory
from tests.monitoring.factories import DailyScoreFactory
from tests.monitoring.scoring_data import NEW_YORK, day_of_decisions
from tests.tenancy.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def engagement():
    engagement = EngagementFactory(client=ClientFactory(time_zone="America/New_York"))
    for _n in range(2):
        process = ProcessFactory(engagement=engagement)
        day_of_decisions(process, NEW_YORK, 2026, 1, 10)
        day_of_decisions(process, NEW_YORK, 2026, 2, 20)
    return engagement


def _rescore(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("monitoring_rescore", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_rescores_an_engagement_over_a_range_with_a_progress_bar(engagement, monkeypatch):
    monkeypatch.setattr(scoring, "RESCORE_WINDOW_DAYS", 20)
    stale = DailyScoreFactory(process=engagement.processes.first(), day=date(2026, 1, 15))
    outside = DailyScoreFactory(process=engagement.processes.first(), day=date(2026, 3, 1))

    out, err = _rescore("--engagement", str(engagement.pk), "--from", "2026-01-01",
                        "--to", "2026-02-28")  # fmt: skip

    assert "Rescored 2 process(es) over 59 day(s) (America/New_York): 12 row(s) written." in out
    assert "[##############################] 100.0% 59/59 days" in err
    assert "20/59 days" in err and "40/59 days" in err  # one step per window
    days = set(DailyScore.objects.values_list("process_id", "day", "category", "volume"))
    assert len(days) == 13  # 2 processes × 2 days × 3 rows, and the row outside the range
    assert not DailyScore.objects.filter(pk=stale.pk).exists()
    assert DailyScore.objects.filter(pk=outside.pk).exists()
    assert not ScoringCursor.objects.exclude(outcomes_until=None).exists()  # cursors untouched


def test_rescores_one_process(engagement):
    process = engagement.processes.first()

    _rescore("--process", str(process.pk), "--from", "2026-01-10", "--to", "2026-01-10")

    assert set(DailyScore.objects.values_list("process_id", "day", "category", "volume")) == {
        (process.pk, date(2026, 1, 10), "", 8),
        (process.pk, date(2026, 1, 10), "invoice", 5),
        (process.pk, date(2026, 1, 10), "refund", 2),
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-01-01", "--to", "2027-01-02"], "At most 366 days at once (367 asked)"),
        (["--from", "2026-02-01", "--to", "2026-01-01"], "--to is before --from."),
        (["--from", "01/02/2026", "--to", "2026-01-01"], "“01/02/2026” is not a date"),
    ],
)
def test_refuses_a_bad_range(engagement, args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        _rescore("--engagement", str(engagement.pk), *args)
    assert not DailyScore.objects.exists()


def test_refuses_an_unknown_target():
    with pytest.raises(CommandError, match="No process 999999."):
        _rescore("--process", "999999", "--from", "2026-01-01", "--to", "2026-01-02")
    with pytest.raises(CommandError, match="No engagement 999999."):
        _rescore("--engagement", "999999", "--from", "2026-01-01", "--to", "2026-01-02")


def test_a_full_year_is_accepted(engagement):
    out, _err = _rescore("--engagement", str(engagement.pk), "--from", "2025-03-01",
                         "--to", "2026-02-28")  # fmt: skip
    assert "over 365 day(s)" in out and "12 row(s) written" in out
