"""The drift-alert API: rules, alerts (acknowledge), silences — permissions, field errors,
audit entries, constant queries on lists, and other tenants' 404s."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from maestro.audit.models import AuditEntry
from maestro.monitoring.models import AlertEpisode, AlertRule, Silence
from tests.conftest import client_for
from tests.harness.isolation import assert_hidden_from_outsiders
from tests.mapping.factories import ProcessFactory
from tests.monitoring.factories import AlertRuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def process(world):
    return ProcessFactory(engagement=world.engagement_a, name="Invoices")


def _rules_url(engagement) -> str:
    return f"/api/engagements/{engagement.pk}/alert-rules/"


def _episode(rule, *, state="firing", silenced=False, **fields) -> AlertEpisode:
    return AlertEpisode.objects.create(
        engagement=rule.engagement,
        rule=rule,
        state=state,
        started_on=date(2026, 3, 2),
        last_evaluated_on=date(2026, 3, 3),
        value=Decimal("0.8500"),
        silenced=silenced,
        **fields,
    )


# --- rules ----------------------------------------------------------------------------------


def test_a_consultant_creates_a_rule_with_shares_and_it_is_audited(world, process):
    answer = client_for(world.consultant).post(
        _rules_url(world.engagement_a),
        {
            "process": process.pk,
            "kind": "escalation_band",
            "threshold": "0.2",
            "threshold_high": "0.45",
            "for_days": 3,
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["threshold"], body["threshold_high"], body["for_days"], body["category"]) == (
        "0.2000",
        "0.4500",
        3,
        "",
    )
    rule = AlertRule.objects.get()
    assert (rule.threshold, rule.created_by) == (Decimal("0.2000"), world.consultant)
    entry = AuditEntry.objects.get(event="alert_rule.created")
    assert entry.actor_user == world.consultant
    assert entry.changes["threshold_high"] == [None, "0.4500"]


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        ({"threshold": "1.5"}, "threshold", "less than or equal to 1"),
        ({"threshold": "90"}, "threshold", "less than or equal to 1"),
        ({"threshold": "0.12345"}, "threshold", "no more than 4 decimal places"),
        ({"threshold_high": "0.5"}, "threshold_high", "Only an escalation band"),
        ({"kind": "escalation_band"}, "threshold_high", "needs its upper end"),
        (
            {"kind": "escalation_band", "threshold_high": "0.8"},
            "threshold_high",
            "must not be below",
        ),
        ({"for_days": 0}, "for_days", "greater than or equal to 1"),
        ({"for_days": 31}, "for_days", "less than or equal to 30"),
        ({"kind": "sometimes"}, "kind", "not a valid choice"),
        ({"process": 0}, "process", "greater than or equal to 1"),
        ({"colour": "red"}, "colour", "Unknown field"),
    ],
)
def test_bad_rules_are_400s_naming_the_field(world, process, data, field, fragment):
    payload = {"process": process.pk, "kind": "accuracy_floor", "threshold": "0.9", **data}
    answer = client_for(world.consultant).post(
        _rules_url(world.engagement_a), payload, format="json"
    )
    assert answer.status_code == 400
    assert fragment in " ".join(answer.json()[field])
    assert not AlertRule.objects.exists()


def test_a_process_of_another_engagement_and_a_duplicate_rule_are_refused(world, process):
    other = ProcessFactory(engagement=world.engagement_b)
    api = client_for(world.consultant)
    answer = api.post(
        _rules_url(world.engagement_a),
        {"process": other.pk, "kind": "accuracy_floor", "threshold": "0.9"},
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json()["process"] == ["No process with this id in this engagement."]
    AlertRuleFactory(process=process)
    answer = api.post(
        _rules_url(world.engagement_a),
        {"process": process.pk, "kind": "accuracy_floor", "threshold": "0.8"},
        format="json",
    )
    assert answer.status_code == 400
    assert "already has a rule of this kind" in answer.json()["kind"][0]
    assert AlertRule.objects.count() == 1


@pytest.mark.parametrize("who", ["operator_a", "sponsor_a"])
def test_only_consultants_change_rules(world, process, who):
    rule = AlertRuleFactory(process=process)
    api = client_for(getattr(world, who))
    answers = [
        api.post(
            _rules_url(world.engagement_a),
            {"process": process.pk, "kind": "weekly_drop", "threshold": "0.03"},
            format="json",
        ),
        api.patch(f"/api/alert-rules/{rule.pk}/", {"enabled": False}, format="json"),
        api.delete(f"/api/alert-rules/{rule.pk}/"),
    ]
    assert [a.status_code for a in answers] == [403, 403, 403]
    assert answers[0].json()["code"] == "not_consultant"
    assert api.get(f"/api/alert-rules/{rule.pk}/").status_code == 200
    assert AlertRule.objects.get().enabled is True


def test_editing_and_deleting_a_rule_are_audited_with_before_and_after(world, process):
    rule = AlertRuleFactory(process=process)
    api = client_for(world.consultant)
    answer = api.patch(
        f"/api/alert-rules/{rule.pk}/", {"threshold": "0.85", "for_days": 2}, format="json"
    )
    assert answer.status_code == 200
    assert (answer.json()["threshold"], answer.json()["for_days"]) == ("0.8500", 2)
    entry = AuditEntry.objects.get(event="alert_rule.changed")
    assert entry.changes == {"threshold": ["0.9000", "0.8500"], "for_days": [1, 2]}
    assert api.delete(f"/api/alert-rules/{rule.pk}/").status_code == 204
    assert not AlertRule.objects.exists()
    assert AuditEntry.objects.get(event="alert_rule.deleted").changes["kind"] == [
        "accuracy_floor",
        None,
    ]


# --- alerts and acknowledging ---------------------------------------------------------------


def test_alerts_list_filters_by_state_process_kind_and_silenced(world, process):
    other = ProcessFactory(engagement=world.engagement_a)
    floor = _episode(AlertRuleFactory(process=process))
    band = _episode(
        AlertRuleFactory(
            process=other, kind="escalation_band", threshold="0.1", threshold_high="0.3"
        ),
        state="resolved",
        silenced=True,
    )
    api = client_for(world.operator_a)
    url = f"/api/engagements/{world.engagement_a.pk}/alerts/"

    def ids(**query):
        answer = api.get(url, query)
        assert answer.status_code == 200, answer.json()
        return [row["id"] for row in answer.json()["results"]]

    assert ids() == [floor.pk, band.pk]
    assert ids(state="firing") == [floor.pk]
    assert ids(process=other.pk) == [band.pk]
    assert ids(kind="escalation_band") == [band.pk]
    assert ids(silenced="true") == [band.pk]
    assert ids(silenced="false") == [floor.pk]
    row = api.get(url, {"state": "firing"}).json()["results"][0]
    assert (row["value"], row["kind"], row["process"], row["silenced"]) == (
        "0.8500",
        "accuracy_floor",
        process.pk,
        False,
    )
    for bad in ({"state": "open"}, {"silenced": "yes"}, {"process": "x"}):
        answer = api.get(url, bad)
        assert answer.status_code == 400
        assert list(answer.json()) == list(bad)


def test_an_operator_acknowledges_once_and_the_second_is_told_who(world, process):
    episode = _episode(AlertRuleFactory(process=process))
    url = f"/api/alerts/{episode.pk}/acknowledge/"

    answer = client_for(world.operator_a).post(url, {"note": " Looking into it "}, format="json")

    assert answer.status_code == 200
    body = answer.json()
    assert body["acknowledged_by"]["id"] == world.operator_a.pk
    assert body["acknowledgement_note"] == "Looking into it"
    episode.refresh_from_db()
    assert (episode.acknowledged_by, episode.acknowledgement_note) == (
        world.operator_a,
        "Looking into it",
    )
    entry = AuditEntry.objects.get(event="alert.acknowledged")
    assert (entry.actor_user, entry.changes["acknowledgement_note"]) == (
        world.operator_a,
        ["", "Looking into it"],
    )

    again = client_for(world.consultant).post(url, {"note": "Me too"}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "alert_already_acknowledged"
    assert str(world.operator_a) in again.json()["detail"]
    episode.refresh_from_db()
    assert (episode.acknowledged_by, episode.acknowledgement_note) == (
        world.operator_a,
        "Looking into it",
    )
    assert AuditEntry.objects.filter(event="alert.acknowledged").count() == 1


def test_a_sponsor_cannot_acknowledge_and_a_resolved_alert_needs_none(world, process):
    rule = AlertRuleFactory(process=process)
    firing = _episode(rule)
    answer = client_for(world.sponsor_a).post(f"/api/alerts/{firing.pk}/acknowledge/")
    assert answer.status_code == 403
    firing.state = "resolved"
    firing.save()
    answer = client_for(world.operator_a).post(f"/api/alerts/{firing.pk}/acknowledge/")
    assert answer.status_code == 409
    assert answer.json()["code"] == "alert_resolved"
    assert AlertEpisode.objects.get().acknowledged_at is None


# --- silences -------------------------------------------------------------------------------


def _silence_payload(process, **fields):
    return {
        "process": process.pk,
        "ends_at": (timezone.now() + timedelta(days=7)).isoformat(),
        "reason": "Planned policy change",
        **fields,
    }


def test_a_consultant_silences_a_process_and_lifts_it_early(world, process):
    api = client_for(world.consultant)
    answer = api.post(
        f"/api/engagements/{world.engagement_a.pk}/silences/",
        _silence_payload(process),
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    assert (answer.json()["active"], answer.json()["rule"]) == (True, None)
    silence = Silence.objects.get()
    assert AuditEntry.objects.get(event="silence.created").data["reason"] == (
        "Planned policy change"
    )
    listed = api.get(f"/api/engagements/{world.engagement_a.pk}/silences/").json()["results"]
    assert [row["id"] for row in listed] == [silence.pk]

    lifted = api.post(f"/api/silences/{silence.pk}/lift/")
    assert lifted.status_code == 200
    assert lifted.json()["active"] is False
    silence.refresh_from_db()
    assert silence.lifted_at is not None
    assert AuditEntry.objects.filter(event="silence.lifted").count() == 1
    again = api.post(f"/api/silences/{silence.pk}/lift/")
    assert again.status_code == 409
    assert again.json()["code"] == "silence_already_lifted"


@pytest.mark.parametrize(
    ("fields", "field", "fragment"),
    [
        ({"reason": "  "}, "reason", "may not be blank"),
        ({"reason": ""}, "reason", "may not be blank"),
        ({"ends_at": "2020-01-01T00:00:00Z"}, "ends_at", "must end in the future"),
        ({"ends_at": "2099-01-01T00:00:00Z"}, "ends_at", "at most 90 days"),
        ({"ends_at": "tomorrow"}, "ends_at", "Datetime has wrong format"),
        ({"rule": 0}, "rule", "greater than or equal to 1"),
    ],
)
def test_bad_silences_are_400s_naming_the_field(world, process, fields, field, fragment):
    answer = client_for(world.consultant).post(
        f"/api/engagements/{world.engagement_a.pk}/silences/",
        _silence_payload(process, **fields),
        format="json",
    )
    assert answer.status_code == 400
    assert fragment in " ".join(answer.json()[field])
    assert not Silence.objects.exists()


def test_a_silenced_rule_must_be_of_the_silenced_process_and_operators_cannot_silence(
    world, process
):
    rule = AlertRuleFactory(process=ProcessFactory(engagement=world.engagement_a))
    url = f"/api/engagements/{world.engagement_a.pk}/silences/"
    answer = client_for(world.consultant).post(
        url, _silence_payload(process, rule=rule.pk), format="json"
    )
    assert answer.status_code == 400
    assert "rule of the silenced process" in answer.json()["rule"][0]
    answer = client_for(world.operator_a).post(url, _silence_payload(process), format="json")
    assert answer.status_code == 403
    assert not Silence.objects.exists()


# --- lists cost the same at any size --------------------------------------------------------


def _make(world, n: int) -> None:
    for _ in range(n):
        process = ProcessFactory(engagement=world.engagement_a)
        rule = AlertRuleFactory(process=process)
        _episode(rule, acknowledged_by=world.operator_a, acknowledged_at=timezone.now())
        Silence.objects.create(
            engagement=world.engagement_a,
            process=process,
            rule=rule,
            starts_at=timezone.now(),
            ends_at=timezone.now() + timedelta(days=1),
            reason="r",
            created_by=world.consultant,
        )


@pytest.mark.parametrize("path", ["alert-rules", "alerts", "silences"])
def test_lists_cost_the_same_queries_at_two_sizes(world, path):
    api = client_for(world.operator_a)
    url = f"/api/engagements/{world.engagement_a.pk}/{path}/"
    counts = []
    for n in (1, 6):
        _make(world, n)
        with CaptureQueriesContext(connection) as queries:
            answer = api.get(url)
        assert answer.status_code == 200
        counts.append(len(queries))
    assert answer.json()["count"] == 7
    assert counts[0] == counts[1]


# --- other tenants --------------------------------------------------------------------------


def test_other_tenants_get_404s_and_change_nothing(world, process):
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

    assert_hidden_from_outsiders(
        world,
        [
            ("get", f"/api/engagements/{engagement}/alert-rules/"),
            (
                "post",
                f"/api/engagements/{engagement}/alert-rules/",
                {"process": process.pk, "kind": "weekly_drop", "threshold": "0.03"},
            ),
            ("get", f"/api/alert-rules/{rule.pk}/"),
            ("patch", f"/api/alert-rules/{rule.pk}/", {"enabled": False}),
            ("delete", f"/api/alert-rules/{rule.pk}/"),
            ("get", f"/api/engagements/{engagement}/alerts/"),
            ("get", f"/api/alerts/{episode.pk}/"),
            ("post", f"/api/alerts/{episode.pk}/acknowledge/", {"note": "x"}),
            ("get", f"/api/engagements/{engagement}/silences/"),
            ("post", f"/api/engagements/{engagement}/silences/", _silence_payload(process)),
            ("post", f"/api/silences/{silence.pk}/lift/"),
        ],
        unchanged=snapshot,
        format="json",
    )
