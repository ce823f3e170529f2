"""One format for figures and moments: percentages with one decimal (half up), thousands
separators, and date-times in the engagement's client's zone."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone

from maestro.lib.formats import count, json_pretty, money, pct, points, when
from runbooks.models import RunbookVersion


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (Decimal("0.92345"), "share", "92.3%"),
        (0.85, "share", "85.0%"),
        (Decimal("0.00049"), "share", "0.0%"),
        (33.333, "percent", "33.3%"),
        (33.35, "percent", "33.4%"),  # half up, as the trend sentence rounds
        (12345.6, "percent", "12,345.6%"),
        (None, "share", "—"),
        ("", "percent", "—"),
    ],
)
def test_pct_has_one_decimal_everywhere(value, unit, text):
    assert pct(value, unit) == text


def test_the_page_filters_share_one_format():
    from maestro.decisions.templatetags.decisions import percent
    from maestro.monitoring.templatetags.monitoring import pct as monitoring_pct

    for share in (Decimal("0.8500"), Decimal("0.92345"), None):
        assert percent(share) == monitoring_pct(share) == pct(share)


def test_counts_money_and_points():
    assert count(24000) == "24,000"
    assert money(Decimal("10000")) == "10,000.00"
    assert money(None) == "—"
    assert points(18.0) == "+18.0 points"
    assert points(-2.25) == "−2.3 points"
    assert points(0) == "±0.0 points"


def test_builtin_filters_need_no_load():
    html = Template("{{ n|count }} {{ s|pct }}").render(Context({"n": 1234567, "s": 0.5}))
    assert html == "1,234,567 50.0%"


def test_when_uses_the_active_zone_and_one_format():
    moment = datetime.datetime(2026, 1, 1, 20, 30, tzinfo=datetime.UTC)
    assert when(moment) == "1 Jan 2026, 20:30"
    with timezone.override(ZoneInfo("Asia/Tokyo")):
        assert when(moment) == "2 Jan 2026, 05:30"
    assert when(datetime.date(2026, 3, 4)) == "4 Mar 2026"
    assert when(None) == "—"


def test_json_pretty_indents_and_keeps_text():
    assert json_pretty({"b": 1, "a": "é"}) == '{\n  "a": "é",\n  "b": 1\n}'


@pytest.mark.django_db
def test_runbook_history_reads_in_the_clients_zone_and_the_zone_does_not_leak(client, world):
    from runbooks import services

    world.engagement_a.client.time_zone = "Asia/Tokyo"
    world.engagement_a.client.save(update_fields=["time_zone"])
    runbook = services.runbook_create(
        engagement=world.engagement_a, title="Ops", slug="ops", body="x", by=world.consultant
    )
    RunbookVersion.objects.filter(runbook=runbook).update(
        created_at=datetime.datetime(2026, 1, 1, 20, 30, tzinfo=datetime.UTC)
    )
    client.force_login(world.consultant)
    html = client.get(f"/engagements/{world.engagement_a.pk}/runbooks/ops/history/").content
    assert "2 Jan 2026, 05:30" in html.decode()
    assert timezone.get_current_timezone_name() == "UTC"
