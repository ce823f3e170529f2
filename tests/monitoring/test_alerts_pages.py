"""The drift-alert pages: the alerts list (filterable), acknowledging, rules and silences;
labels without colons, no inline script or style, other tenants' 404s."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from maestro.audit.models import AuditEntry
from maestro.monitoring.models import AlertEpisode, AlertRule, Silence
from tests.engagements.test_views import select, texts
from tests.harness.isolation import assert_hidden, page_as
from tests.mapping.factories import ProcessFactory
from tests.monitoring.factories import AlertRuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def process(world):
    return ProcessFactory(engagement=world.engagement_a, name="Invoices")


def _episode(rule, **fields) -> AlertEpisode:
    return AlertEpisode.objects.create(
        engagement=rule.engagement,
        rule=rule,
        started_on=date(2026, 3, 2),
        last_evaluated_on=date(2026, 3, 4),
        **{"state": "firing", "value": Decimal("0.8520"), **fields},
    )


def _accessible(response) -> None:
    """Labels without a trailing colon, and nothing inline the CSP would block."""
    html = response.content.decode()
    assert "<script>" not in html and "<style" not in html and ' style="' not in html
    for label in texts(response, "label"):
        assert not label.endswith(":"), label


def test_the_alerts_page_lists_state_rule_value_since_and_silenced(world, process):
    rule = AlertRuleFactory(process=process)
    _episode(rule)
    other = AlertRuleFactory(process=process, kind="weekly_drop", threshold=Decimal("0.03"))
    _episode(other, state="resolved", silenced=True, value=Decimal("0.0350"))

    response = page_as(world.sponsor_a).get(
        reverse("monitoring:alerts", args=[world.engagement_a.pk])
    )

    assert response.status_code == 200
    rows = texts(response, "tbody tr")
    assert rows[0].startswith("Firing Accuracy below 90.0% Invoices 85.2%")
    assert "2 Mar 2026" in rows[0]
    assert rows[1].startswith("Resolved Silenced Accuracy down more than 3.0 points")
    assert "down 3.5 points" in rows[1]
    assert not select(response, 'a[href*="/acknowledge/"]')  # sponsors only read
    _accessible(response)


def test_the_alerts_page_filters_and_answers_400_to_a_bad_filter(world, process):
    _episode(AlertRuleFactory(process=process))
    _episode(
        AlertRuleFactory(process=process, kind="override_ceiling", threshold="0.1"), state="pending"
    )
    client = page_as(world.operator_a)
    url = reverse("monitoring:alerts", args=[world.engagement_a.pk])

    pending = client.get(url, {"state": "pending"})
    assert [row.split()[0] for row in texts(pending, "tbody tr")] == ["Pending"]
    assert client.get(url, {"kind": "override_ceiling", "silenced": "no"}).status_code == 200
    assert client.get(url, {"state": "lost"}).status_code == 400


def test_an_operator_acknowledges_from_the_page_and_a_second_time_is_refused(world, process):
    episode = _episode(AlertRuleFactory(process=process))
    client = page_as(world.operator_a)
    url = reverse("monitoring:alert-acknowledge", kwargs={"episode_id": episode.pk})

    form = client.get(url)
    assert form.status_code == 200
    _accessible(form)
    answer = client.post(url, {"note": "On it", "next": "/engagements/"})

    assert answer.status_code == 302
    assert answer["Location"] == "/engagements/"
    episode.refresh_from_db()
    assert (episode.acknowledged_by, episode.acknowledgement_note) == (world.operator_a, "On it")
    again = page_as(world.consultant).post(url, {"note": "Me too"})
    assert again.status_code == 409
    assert "already acknowledged" in again.content.decode()
    assert AuditEntry.objects.filter(event="alert.acknowledged").count() == 1


def test_acknowledging_goes_nowhere_off_site_and_sponsors_get_403(world, process):
    episode = _episode(AlertRuleFactory(process=process))
    url = reverse("monitoring:alert-acknowledge", kwargs={"episode_id": episode.pk})
    answer = page_as(world.operator_a).post(url, {"next": "https://evil.example/"})
    assert answer["Location"] == reverse("monitoring:alerts", args=[world.engagement_a.pk])
    assert page_as(world.sponsor_a).post(url, {}).status_code == 403


def test_a_consultant_adds_and_edits_a_rule_in_percent(world, process):
    client = page_as(world.consultant)
    create = reverse("monitoring:alert-rule-create", args=[world.engagement_a.pk])
    form = client.get(create)
    assert form.status_code == 200
    _accessible(form)

    answer = client.post(
        create,
        {
            "process": process.pk,
            "kind": "accuracy_floor",
            "threshold": "92.5",
            "for_days": 3,
            "enabled": "on",
        },
    )

    assert answer.status_code == 302
    rule = AlertRule.objects.get()
    assert (rule.threshold, rule.for_days, rule.enabled) == (Decimal("0.9250"), 3, True)
    listing = client.get(reverse("monitoring:alert-rules", args=[world.engagement_a.pk]))
    assert "Accuracy below 92.5% for 3 scored days" in texts(listing, "tbody tr")[0]

    edit = reverse("monitoring:alert-rule-edit", args=[rule.pk])
    assert 'value="92.5"' in client.get(edit).content.decode()
    answer = client.post(
        edit, {"process": process.pk, "kind": "accuracy_floor", "threshold": "90", "for_days": 1}
    )
    assert answer.status_code == 302
    rule.refresh_from_db()
    assert (rule.threshold, rule.enabled) == (Decimal("0.9000"), False)


def test_a_bad_rule_form_shows_the_field_error(world, process):
    answer = page_as(world.consultant).post(
        reverse("monitoring:alert-rule-create", args=[world.engagement_a.pk]),
        {"process": process.pk, "kind": "escalation_band", "threshold": "20", "for_days": 1},
    )
    assert answer.status_code == 400
    assert "needs its upper end" in answer.content.decode()
    assert not AlertRule.objects.exists()


def test_operators_read_rules_and_silences_but_cannot_change_them(world, process):
    rule = AlertRuleFactory(process=process)
    client = page_as(world.operator_a)
    engagement = world.engagement_a.pk
    assert client.get(reverse("monitoring:alert-rules", args=[engagement])).status_code == 200
    assert client.get(reverse("monitoring:alert-rule-create", args=[engagement])).status_code == 403
    assert client.get(reverse("monitoring:alert-rule-edit", args=[rule.pk])).status_code == 403
    silences = client.get(reverse("monitoring:silences", args=[engagement]))
    assert silences.status_code == 200 and not select(silences, 'textarea[name="reason"]')
    answer = client.post(
        reverse("monitoring:silences", args=[engagement]),
        {"process": process.pk, "ends_at": "2099-01-01T10:00", "reason": "x"},
    )
    assert answer.status_code == 403
    assert not Silence.objects.exists()


def test_a_consultant_silences_in_the_clients_time_zone_and_lifts_it(world, process):
    world.client_a.time_zone = "Europe/Lisbon"
    world.client_a.save()
    client = page_as(world.consultant)
    url = reverse("monitoring:silences", args=[world.engagement_a.pk])
    form = client.get(url)
    _accessible(form)
    ends = timezone.localtime(timezone.now() + timedelta(days=3), world.client_a.tzinfo)

    blank = client.post(
        url, {"process": process.pk, "ends_at": f"{ends:%Y-%m-%dT%H:%M}", "reason": " "}
    )
    assert blank.status_code == 400
    answer = client.post(
        url, {"process": process.pk, "ends_at": f"{ends:%Y-%m-%dT%H:%M}", "reason": "Policy change"}
    )

    assert answer.status_code == 302
    silence = Silence.objects.get()
    assert silence.ends_at == ends.replace(second=0, microsecond=0)
    listing = client.get(url)
    assert "In force" in texts(listing, "tbody tr")[0]
    lift = client.post(reverse("monitoring:silence-lift", args=[silence.pk]))
    assert lift.status_code == 302
    silence.refresh_from_db()
    assert silence.lifted_at is not None
    assert [e.event for e in AuditEntry.objects.order_by("pk")] == [
        "silence.created",
        "silence.lifted",
    ]


@pytest.mark.parametrize("who", ["operator_b", "consultant_b"])
def test_other_tenants_get_404s_on_every_page(world, process, who):
    rule = AlertRuleFactory(process=process)
    episode = _episode(rule)
    silence = Silence.objects.create(
        engagement=world.engagement_a,
        process=process,
        starts_at=timezone.now(),
        ends_at=timezone.now() + timedelta(days=1),
        reason="r",
        created_by=world.consultant,
    )
    engagement = world.engagement_a.pk

    def snapshot():
        return (
            list(AlertRule.objects.values()),
            list(AlertEpisode.objects.values()),
            list(Silence.objects.values()),
        )

    assert_hidden(
        page_as(getattr(world, who)),
        [
            ("get", reverse("monitoring:alerts", args=[engagement])),
            ("get", reverse("monitoring:alert-acknowledge", args=[episode.pk])),
            ("post", reverse("monitoring:alert-acknowledge", args=[episode.pk]), {"note": "x"}),
            ("get", reverse("monitoring:alert-rules", args=[engagement])),
            ("get", reverse("monitoring:alert-rule-create", args=[engagement])),
            (
                "post",
                reverse("monitoring:alert-rule-create", args=[engagement]),
                {"process": process.pk, "kind": "weekly_drop", "threshold": "3", "for_days": 1},
            ),
            ("get", reverse("monitoring:alert-rule-edit", args=[rule.pk])),
            (
                "post",
                reverse("monitoring:alert-rule-edit", args=[rule.pk]),
                {"process": process.pk, "kind": "accuracy_floor", "threshold": "50", "for_days": 1},
            ),
            ("get", reverse("monitoring:silences", args=[engagement])),
            (
                "post",
                reverse("monitoring:silences", args=[engagement]),
                {"process": process.pk, "ends_at": "2099-01-01T10:00", "reason": "x"},
            ),
            ("post", reverse("monitoring:silence-lift", args=[silence.pk])),
        ],
        unchanged=snapshot,
        absent=["Invoices", "A agents"],
    )
