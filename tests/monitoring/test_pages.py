"""The Monitoring page, the engagement page's trend and the weekly summary preview: who reads
them, what they show, and that they cost a constant number of queries."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, reverse

from maestro.lib.timezones import iso_week_start, local_today
from maestro.monitoring.models import AlertEpisode
from tests.harness.isolation import OUTSIDERS, assert_hidden, page_as
from tests.mapping.factories import ProcessFactory
from tests.monitoring.factories import AlertRuleFactory, DailyScoreFactory

pytestmark = pytest.mark.django_db


def _url(engagement) -> str:
    return f"/engagements/{engagement.pk}/monitoring/"


@pytest.fixture
def scored(world):
    """Client A's process with two weeks of scores (94.1% then 92.3% so far), a floor rule, a
    firing episode and a resolved one, and a category."""
    process = ProcessFactory(engagement=world.engagement_a, name="Procurement approval")
    today = local_today(world.client_a.tzinfo)
    monday = iso_week_start(today)
    last_monday = monday - timedelta(days=7)
    DailyScoreFactory(process=process, day=last_monday, volume=1000, with_outcome=1000, correct=941)
    DailyScoreFactory(process=process, day=today, volume=1000, with_outcome=1000, correct=923)
    DailyScoreFactory(process=process, day=today, category="compliance_exception", volume=10,
                      with_outcome=10, correct=7)  # fmt: skip
    rule = AlertRuleFactory(process=process, threshold=Decimal("0.9300"))
    AlertEpisode.objects.create(
        engagement=world.engagement_a, rule=rule, state=AlertEpisode.State.RESOLVED,
        started_on=last_monday, last_evaluated_on=last_monday + timedelta(days=1),
        resolved_on=last_monday + timedelta(days=1), value=Decimal("0.9200"),
    )  # fmt: skip
    firing = AlertEpisode.objects.create(
        engagement=world.engagement_a, rule=rule, state=AlertEpisode.State.FIRING,
        started_on=today, last_evaluated_on=today, value=Decimal("0.9230"),
    )  # fmt: skip
    return {"process": process, "rule": rule, "firing": firing, "today": today}


@pytest.mark.parametrize("who", ["consultant", "operator_a", "sponsor_a", "staff"])
def test_everyone_on_the_engagement_reads_monitoring(world, scored, who):
    r = page_as(getattr(world, who)).get(_url(world.engagement_a))
    assert r.status_code == 200
    body = r.content.decode()
    assert "92.3% correct decisions this week, down from 94.1%" in body
    assert 'aria-current="page">Monitoring<' in body


def test_the_page_shows_the_chart_with_floor_and_episodes_and_the_cards(world, scored):
    body = page_as(world.consultant).get(_url(world.engagement_a)).content.decode()

    svg = re.search(r"<svg[^>]*accuracy-daily-chart.*?</svg>", body, re.S).group(0)
    root = ET.fromstring(svg)
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert root.find(".//s:line[@class='floor']", ns).get("data-floor") == "0.9300"
    assert len(root.findall(".//s:rect[@class='episode']", ns)) == 2
    # Text alternatives: the chart's title/desc, the summary sentence and the data table.
    assert 'data-testid="chart-summary"' in body and "Daily numbers as a table" in body
    # Weekly cards with their change, the category with its sparkline, the volume.
    assert re.search(r'data-testid="card-accuracy".*?92\.3%.*?down 1\.8 points', body, re.S)
    assert "compliance_exception" in body and 'class="sparkline"' in body
    assert re.search(r'data-testid="card-volume".*?1000', body, re.S)
    # The open alert, with what fired and since when.
    (alert,) = re.findall(r'data-testid="open-alert".*?</li>', body, re.S)
    assert "Firing" in alert and "Accuracy below a floor" in alert and "92.3%" in alert


def test_acknowledge_form_and_alerts_link_appear_once_their_urls_exist(world, scored):
    body = page_as(world.operator_a).get(_url(world.engagement_a)).content.decode()
    try:
        ack = reverse("monitoring:alert-acknowledge", kwargs={"episode_id": scored["firing"].pk})
    except NoReverseMatch:
        assert "Acknowledge</button>" not in body  # the acknowledge view has not landed yet
    else:
        assert f'action="{ack}"' in body
    # Sponsors only read: never an acknowledge button.
    sponsor = page_as(world.sponsor_a).get(_url(world.engagement_a)).content.decode()
    assert "Acknowledge</button>" not in sponsor


@pytest.mark.parametrize("days", ["14", "28", "90"])
def test_day_range_choices(world, scored, days):
    r = page_as(world.consultant).get(_url(world.engagement_a), {"days": days})
    assert r.status_code == 200
    assert f"Daily accuracy, last {days} days" in r.content.decode()


@pytest.mark.parametrize("days", ["7", "365", "abc", "-1"])
def test_day_range_outside_the_choices_is_a_400_with_the_field_named(world, scored, days):
    r = page_as(world.consultant).get(_url(world.engagement_a), {"days": days})
    assert r.status_code == 400
    assert "Select a valid choice" in r.content.decode()


def test_a_process_filter_of_another_engagement_is_refused(world, scored):
    other = ProcessFactory(engagement=world.engagement_b)
    r = page_as(world.consultant).get(_url(world.engagement_a), {"process": other.pk})
    assert r.status_code == 400


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_404_for_every_page(world, scored, who):
    assert_hidden(
        page_as(getattr(world, who)),
        [
            ("get", _url(world.engagement_a)),
            ("get", f"/engagements/{world.engagement_a.pk}/monitoring/summary-preview/"),
            ("get", f"/engagements/{world.engagement_a.pk}/monitoring/summary-preview/email.html"),
        ],
        absent=["Procurement approval", "A agents"],
    )


def test_the_page_costs_the_same_queries_whatever_the_processes_days_and_episodes(
    world, django_assert_max_num_queries
):
    client = page_as(world.consultant)
    client.get(_url(world.engagement_a))  # warm the session

    def measure() -> int:
        with django_assert_max_num_queries(30) as queries:
            assert client.get(_url(world.engagement_a), {"days": "90"}).status_code == 200
        return len(queries)

    today = local_today(world.client_a.tzinfo)
    first = ProcessFactory(engagement=world.engagement_a)
    DailyScoreFactory(process=first, day=today)
    one = measure()
    for n in range(4):
        process = ProcessFactory(engagement=world.engagement_a)
        rule = AlertRuleFactory(process=process)
        for back in range(20):
            DailyScoreFactory(process=process, day=today - timedelta(days=back))
            DailyScoreFactory(process=process, day=today - timedelta(days=back), category=f"c{n}")
        AlertEpisode.objects.create(
            engagement=world.engagement_a, rule=rule, state=AlertEpisode.State.FIRING,
            started_on=today, last_evaluated_on=today, value=Decimal("0.8"),
        )  # fmt: skip
    assert measure() == one


def test_engagement_page_shows_the_trend_sentence_and_links_to_monitoring(world, scored):
    body = page_as(world.sponsor_a).get(f"/engagements/{world.engagement_a.pk}/").content.decode()
    assert re.search(
        r'data-testid="engagement-trend"><strong>92\.3% correct decisions this week, down from '
        r"94\.1%</strong>",
        body,
    )
    assert f'href="{_url(world.engagement_a)}"' in body


# --- the weekly summary preview ---------------------------------------------------------------


def test_consultant_previews_the_weekly_summary_email(world, scored):
    url = f"/engagements/{world.engagement_a.pk}/monitoring/summary-preview/"
    r = page_as(world.consultant).get(url)
    assert r.status_code == 200
    body = r.content.decode()
    assert "A agents" in body and 'data-testid="summary-subject"' in body
    assert f'src="{url}email.html"' in body
    html = page_as(world.consultant).get(url + "email.html")
    assert html.status_code == 200
    # The e-mail's own CSP: its inline styles and nothing else; framed by this site only.
    csp = html["Content-Security-Policy"]
    assert "style-src 'unsafe-inline'" in csp and "default-src 'none'" in csp
    assert "frame-ancestors 'self'" in csp and "script-src" not in csp
    assert html["X-Frame-Options"] == "SAMEORIGIN"
    assert "Weekly summary" in html.content.decode()


@pytest.mark.parametrize("who", ["operator_a", "sponsor_a"])
def test_only_consultants_preview_the_summary(world, scored, who):
    url = f"/engagements/{world.engagement_a.pk}/monitoring/summary-preview/"
    client = page_as(getattr(world, who))
    assert client.get(url).status_code == 403
    assert client.get(url + "email.html").status_code == 403
