"""The sponsor's executive summary of an engagement: the key figures first (accuracy against the
target, hours freed, automation and override rates, open risks), the phase and its dates, the
trend with its charts, the risks and the economics; readiness and the handoff document only
when a layer provides them; everyone on the engagement reads it, nobody else; constant queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from maestro.engagements import hooks
from maestro.lib.timezones import iso_week_start, local_today
from maestro.monitoring.models import AlertEpisode
from maestro.reviews.models import ReviewTask
from tests.engagements.test_views import select, text, texts
from tests.harness.isolation import assert_hidden, outsiders, page_as
from tests.mapping.factories import ProcessFactory
from tests.monitoring.factories import AlertRuleFactory, DailyScoreFactory

pytestmark = pytest.mark.django_db


def summary_url(engagement) -> str:
    return reverse("engagements:summary", args=[engagement.pk])


def figures(response) -> dict[str, dict[str, str]]:
    """Figure key → its label, value, tone words and detail, in the page's order."""
    out = {}
    for li in select(response, ".key-figures > li"):
        parts = {
            name: text(e)
            for name in ("label", "value", "tone", "detail")
            for e in li.iter()
            if e.get("class") == f"key-figure-{name}"
        }
        out[li.get("data-testid").removeprefix("figure-")] = parts
    return out


def live(engagement, *, processes=1, alerts=1, overdue=1):
    """Scored days this week and last week for each process (200 cases/day × 12 min), firing
    alerts and overdue review tasks."""
    monday = iso_week_start(local_today(engagement.client.tzinfo))
    made = []
    for _i in range(processes):
        process = ProcessFactory(engagement=engagement, volume_per_day=200, minutes_per_case=12)
        # This week 90.0% (81 of 90), 70% automated, 10% overridden; last week 94.4%, 85%.
        DailyScoreFactory(process=process, day=monday)
        DailyScoreFactory(
            process=process, day=monday - timedelta(days=7), correct=85, auto_routed=85
        )
        made.append(process)
    for i in range(alerts):
        rule = AlertRuleFactory(process=made[i % len(made)], threshold=Decimal("0.95"))
        AlertEpisode.objects.create(
            engagement=engagement,
            rule=rule,
            state="firing",
            value=Decimal("0.9000"),
            started_on=monday,
            last_evaluated_on=monday,
        )
    for i in range(overdue):
        ReviewTask.objects.create(
            engagement=engagement,
            kind=ReviewTask.Kind.DRIFT_INVESTIGATION,
            title=f"Investigate the drop {i}",
            due_at=timezone.now() - timedelta(hours=2 + i),
        )
    return made


def test_the_key_figures_come_first_with_accuracy_against_the_target(client, world):
    engagement = world.engagement_a  # target 85%
    live(engagement)
    ReviewTask.objects.create(
        engagement=engagement,
        kind=ReviewTask.Kind.RUNBOOK_REVIEW,
        title="Not late yet",
        due_at=timezone.now() + timedelta(days=1),
    )
    client.force_login(world.sponsor_a)

    response = client.get(summary_url(engagement))

    assert response.status_code == 200
    shown = figures(response)
    assert list(shown) == ["accuracy", "hours_freed", "automation_rate", "override_rate", "risks"]
    assert shown["accuracy"] == {
        "label": "Accuracy this week",
        "value": "90.0%",
        "tone": "meets the target",
        "detail": "target 85.0% · down 4.4 points on last week",
    }
    # Hours freed from the last full week's measured automation (85%): 40 h × 0.85.
    assert shown["hours_freed"]["value"] == "34.0"
    assert shown["hours_freed"]["detail"] == "4.25 FTE · of 40.0 hours/day of human work"
    assert shown["automation_rate"]["value"] == "70.0%"
    assert shown["automation_rate"]["tone"] == "worse"
    assert shown["automation_rate"]["detail"] == "down 15.0 points on last week"
    assert shown["override_rate"]["value"] == "10.0%"
    assert shown["risks"]["value"] == "2"
    assert shown["risks"]["detail"] == "1 firing drift alert · 1 overdue review task"
    # Then the phase and its dates, the trend with a chart per process, the risks, economics.
    headings = texts(response, "main h2")
    assert headings[:1] == ["Key figures"]
    assert headings[1:] == [
        "Phase and dates",
        "This week against last week",
        "Open risks",
        "Hours freed",
    ]
    assert texts(response, "[data-testid=trend-sentence]") == [
        "90.0% correct decisions this week, down from 94.4%"
    ]
    assert len(select(response, ".summary-chart svg.accuracy-daily-chart")) == 1
    assert select(response, "ol.timeline li[aria-current=step]")
    assert "Mapping" in text(select(response, "[data-testid=summary-phase]")[0])
    assert [text(e) for e in select(response, "[data-testid=risk-task] a")] == [
        "Investigate the drop 0"
    ]
    assert len(select(response, "[data-testid=risk-alert]")) == 1
    html = response.content.decode()
    assert ' style="' not in html and "<script" not in html  # the CSP allows neither


def test_an_engagement_not_live_yet_says_so_without_charts(client, world):
    client.force_login(world.sponsor_a)

    response = client.get(summary_url(world.engagement_a))

    shown = figures(response)
    assert shown["accuracy"]["value"] == "—"
    assert shown["accuracy"]["detail"] == "target 85.0% · no live decision scored yet"
    assert shown["hours_freed"] == {
        "label": "Hours freed per day",
        "value": "—",
        "detail": "no process mapped yet",
    }
    assert shown["risks"]["value"] == "0" and shown["risks"]["tone"] == "none open"
    assert not select(response, ".summary-chart")
    assert "Hours freed" not in texts(response, "main h2")  # no process, no economics panel


def test_readiness_and_the_handoff_document_show_only_when_provided(client, world, monkeypatch):
    client.force_login(world.sponsor_a)
    response = client.get(summary_url(world.engagement_a))
    assert "readiness" not in figures(response)
    assert not select(response, "#documents-title")

    def skill_transfer(engagement):
        return hooks.SummaryParts(
            figures=[
                hooks.KeyFigure("readiness", "Readiness", "75%", "3 of 4 competencies", order=60)
            ],
            documents=[hooks.SummaryDocument("handoff-pdf", "Handoff document v2", "/pdf/2/")],
        )

    monkeypatch.setattr(hooks, "_summary", [*hooks._summary, skill_transfer])
    response = client.get(summary_url(world.engagement_a))
    shown = figures(response)
    assert list(shown)[-1] == "readiness"
    assert shown["readiness"]["value"] == "75%"
    assert [a.get("href") for a in select(response, "[data-testid=document-handoff-pdf] a")] == [
        "/pdf/2/"
    ]


@pytest.mark.parametrize("who", ["consultant", "operator_a", "sponsor_a", "staff"])
def test_everyone_on_the_engagement_reads_the_summary(client, world, who):
    client.force_login(getattr(world, who))
    response = client.get(summary_url(world.engagement_a))
    assert response.status_code == 200
    nav = select(response, 'nav[aria-label="Engagement sections"] a[aria-current=page]')
    assert [text(a) for a in nav] == ["Summary"]


def test_another_clients_people_get_404_and_no_figure(world):
    (process,) = live(world.engagement_a)
    for user in outsiders(world):
        assert_hidden(
            page_as(user),
            [("get", summary_url(world.engagement_a)), ("head", summary_url(world.engagement_a))],
            absent=[process.name, "A agents", "Investigate the drop"],
        )


def test_the_summary_only_reads(client, world):
    client.force_login(world.sponsor_a)
    assert client.post(summary_url(world.engagement_a)).status_code == 405


def test_the_summary_costs_the_same_queries_whatever_its_size(client, world):
    engagement = world.engagement_a
    client.force_login(world.sponsor_a)

    def measure() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(summary_url(engagement))
        assert response.status_code == 200
        return len(queries)

    live(engagement, processes=1, alerts=1, overdue=1)
    small = measure()
    live(engagement, processes=6, alerts=5, overdue=12)
    assert measure() == small
    assert small <= 20, small
