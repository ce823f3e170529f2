"""Daily decision volume: the aggregate selector, the SVG it feeds and the engagement page."""

import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from maestro.decisions import charts
from maestro.decisions.models import Decision
from maestro.decisions.selectors import DailyVolume, decision_daily_volume
from tests.decisions.factories import DecisionFactory

NS = {"svg": "http://www.w3.org/2000/svg"}
UTC = ZoneInfo("UTC")
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def _decision(process, received_at: datetime, route: str = Decision.Route.AUTO) -> Decision:
    decision = DecisionFactory(process=process, route=route)
    # received_at is auto_now_add: set it afterwards.
    Decision.objects.filter(pk=decision.pk).update(received_at=received_at)
    return decision


@pytest.mark.django_db
def test_daily_volume_counts_each_day_by_route_and_fills_empty_days(world, process_a):
    # Today (24 Nov): 2 auto, 1 human. 22 Nov: 1 human. 11 Nov (13 days ago, first day): 1 auto.
    _decision(process_a, NOW - timedelta(hours=1))
    _decision(process_a, NOW.replace(hour=0, minute=0, second=1))
    _decision(process_a, NOW - timedelta(hours=2), Decision.Route.HUMAN)
    _decision(process_a, NOW - timedelta(days=2), Decision.Route.HUMAN)
    _decision(process_a, datetime(2026, 11, 11, 0, 0, tzinfo=UTC))
    # Outside the window: 10 Nov 23:59:59, and another engagement's decision today.
    _decision(process_a, datetime(2026, 11, 10, 23, 59, 59, tzinfo=UTC))
    other = DecisionFactory(
        process__engagement=world.engagement_b, route=Decision.Route.HUMAN, case_ref="B-1"
    )
    Decision.objects.filter(pk=other.pk).update(received_at=NOW)

    with timezone.override(UTC), CaptureQueriesContext(connection) as ctx:
        days = decision_daily_volume(engagement=world.engagement_a, now=NOW)

    assert len(ctx.captured_queries) == 1
    assert [d.day for d in days] == [date(2026, 11, 11) + timedelta(days=i) for i in range(14)]
    by_day = {d.day: (d.auto, d.human) for d in days}
    assert by_day[date(2026, 11, 24)] == (2, 1)
    assert by_day[date(2026, 11, 22)] == (0, 1)
    assert by_day[date(2026, 11, 11)] == (1, 0)
    assert sum(d.total for d in days) == 5
    assert [d for d in days if d.total and d.day not in by_day] == []
    assert days[-1].escalation_rate == Decimal("0.3333")
    assert days[-2].escalation_rate is None  # 23 Nov: nothing to divide by


@pytest.mark.django_db
def test_daily_volume_groups_by_the_local_day(world, process_a):
    # 23:30 UTC on 23 Nov is already 24 Nov in Berlin (UTC+1 in November).
    _decision(process_a, datetime(2026, 11, 23, 23, 30, tzinfo=UTC))
    berlin = ZoneInfo("Europe/Berlin")
    with timezone.override(berlin):
        days = decision_daily_volume(engagement=world.engagement_a, now=NOW)
    assert (days[-1].day, days[-1].auto) == (date(2026, 11, 24), 1)
    with timezone.override(UTC):
        days = decision_daily_volume(engagement=world.engagement_a, now=NOW)
    assert (days[-2].day, days[-2].auto, days[-1].auto) == (date(2026, 11, 23), 1, 0)


@pytest.mark.django_db
def test_daily_volume_days_follow_local_midnights_across_a_dst_change(world, process_a):
    # Berlin moved to summer time on 29 Mar 2026 (a 23-hour day). 21:59 UTC on 29 Mar is 23:59
    # local on the 29th; 22:00 UTC is 00:00 on the 30th.
    _decision(process_a, datetime(2026, 3, 28, 23, 30, tzinfo=UTC))  # 29 Mar 00:30 CET
    _decision(process_a, datetime(2026, 3, 29, 21, 59, tzinfo=UTC))
    _decision(process_a, datetime(2026, 3, 29, 22, 0, tzinfo=UTC), Decision.Route.HUMAN)
    with timezone.override(ZoneInfo("Europe/Berlin")):
        days = decision_daily_volume(
            engagement=world.engagement_a, now=datetime(2026, 3, 30, 12, 0, tzinfo=UTC), days=3
        )
    assert [(d.day, d.auto, d.human) for d in days] == [
        (date(2026, 3, 28), 0, 0),
        (date(2026, 3, 29), 2, 0),
        (date(2026, 3, 30), 0, 1),
    ]


def _days() -> list[DailyVolume]:
    return [
        DailyVolume(day=date(2026, 11, 22), auto=8, human=2),
        DailyVolume(day=date(2026, 11, 23), auto=0, human=0),
        DailyVolume(day=date(2026, 11, 24), auto=3, human=1),
    ]


def test_volume_svg_stacks_auto_under_human_with_totals_dates_and_rates():
    root = ET.fromstring(charts.decision_volume_svg(days=_days()))

    assert root.get("role") == "img"
    assert "last 3 days" in root.find("svg:title", NS).text
    assert root.find("svg:desc", NS).text == (
        "14 decisions in the last 3 days: 11 auto-routed, 3 sent to a human (21.4% escalated). "
        "Busiest day 22 Nov with 10."
    )
    groups = root.findall("svg:g[@class='day']", NS)
    assert [g.get("data-day") for g in groups] == ["2026-11-22", "2026-11-23", "2026-11-24"]
    first = groups[0]
    auto, human = (
        first.find("svg:rect[@class='auto']", NS),
        first.find("svg:rect[@class='human']", NS),
    )
    assert (auto.get("data-count"), human.get("data-count")) == ("8", "2")
    # Stacked: the human segment sits right on top of the auto one, four times shorter.
    assert float(human.get("y")) + float(human.get("height")) == pytest.approx(
        float(auto.get("y")), abs=0.11
    )
    assert float(auto.get("height")) == pytest.approx(4 * float(human.get("height")), abs=0.2)
    # Hatched as well as coloured: colour is not the only cue.
    assert human.get("fill") == "url(#volume-hatch)"
    assert first.find("svg:text[@class='total']", NS).text == "10"
    assert first.find("svg:text[@class='date']", NS).text == "22 Nov"
    assert first.find("svg:text[@class='rate']", NS).text == "20%"
    assert "10 decisions, 8 auto-routed, 2 sent to a human (20% escalated)" in (
        first.find("svg:title", NS).text
    )
    # An empty day: no bars, no total, a dash for the rate.
    empty = groups[1]
    assert empty.findall("svg:rect", NS) == []
    assert empty.find("svg:text[@class='total']", NS) is None
    assert empty.find("svg:text[@class='rate']", NS).text == "—"
    legend = [t.text for t in root.findall("svg:g[@class='legend']/svg:text", NS)]
    assert legend == ["Auto-routed", "Sent to a human"]


def test_volume_svg_and_summary_without_decisions():
    days = [DailyVolume(day=date(2026, 11, 24), auto=0, human=0)]
    root = ET.fromstring(charts.decision_volume_svg(days=days))
    assert root.findall(".//svg:rect[@class='auto']", NS) == []
    assert charts.volume_summary(days) == "No decisions in the last 1 days."


def test_nice_axis_covers_the_busiest_day():
    assert charts._nice_max(0) == (4, 1)
    assert charts._nice_max(3) == (3, 1)
    assert charts._nice_max(28) == (30, 10)
    assert charts._nice_max(137) == (150, 50)


def _engagement_page_queries(user, engagement) -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(engagement.get_absolute_url())
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


@pytest.mark.django_db
def test_engagement_page_shows_the_chart_and_its_queries_do_not_grow_per_day(world, process_a):
    now = timezone.now()
    _decision(process_a, now)
    few, _ = _engagement_page_queries(world.consultant, world.engagement_a)
    for i in range(1, 14):
        for j in range(3):
            _decision(process_a, now - timedelta(days=i), ("auto", "human")[j % 2])
    many, html = _engagement_page_queries(world.consultant, world.engagement_a)

    assert many == few
    assert many <= 19  # and no more than today, with skill transfer's stance steps and plans
    assert html.count('class="day"') == 14
    assert "40 decisions in the last 14 days: 27 auto-routed, 13 sent to a human" in html
    assert "Daily numbers as a table" in html


@pytest.mark.django_db
def test_live_decisions_page_charts_the_filtered_process_only(world, process_a):
    from tests.mapping.factories import ProcessFactory

    other = ProcessFactory(engagement=world.engagement_a, name="Ticket routing")
    now = timezone.now()
    _decision(process_a, now)
    _decision(process_a, now, Decision.Route.HUMAN)
    _decision(other, now - timedelta(days=1))
    client = Client()
    client.force_login(world.operator_a)
    url = f"/engagements/{world.engagement_a.pk}/decisions/"

    everything = client.get(url).content.decode()
    filtered = client.get(url, {"process": process_a.pk}).content.decode()

    assert "3 decisions in the last 14 days: 2 auto-routed, 1 sent to a human" in everything
    assert "2 decisions in the last 14 days: 1 auto-routed, 1 sent to a human" in filtered
    assert "Decision volume, last 14 days: Procurement approval" in filtered
    # Another tenant sees nothing of it.
    client.force_login(world.operator_b)
    assert client.get(url).status_code == 404
