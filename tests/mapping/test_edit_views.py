"""Pages that edit a process's own fields, delete a process, and create or edit decision
types with their risk calibration."""

from decimal import Decimal

import pytest
from django.test import Client as PageClient

from maestro.decisions.models import Decision
from maestro.exceptions import StateConflict
from maestro.mapping import services
from maestro.mapping.models import DecisionPoint, DecisionType, Process, Step
from maestro.training.models import EvaluationDataset
from tests.conftest import client_for
from tests.decisions.factories import DecisionFactory
from tests.harness.isolation import OUTSIDERS, assert_hidden
from tests.mapping.factories import (
    DecisionPointFactory,
    DecisionTypeFactory,
    ProcessFactory,
    StepFactory,
)
from tests.playbooks.factories import EscalationPlaybookFactory

pytestmark = pytest.mark.django_db

PROCESS_FORM = {
    "name": "Invoice matching",
    "description": "Three-way match",
    "volume_per_day": "120",
    "minutes_per_case": "5",
    "owner_team": "AP team",
}
TYPE_FORM = {
    "name": "approve refund",
    "autonomy": "review_below_threshold",
    "confidence_threshold": "0.85",
    "exposure_amount": "2500.00",
    "exposure_currency": "eur",
    "compliance": "on",
    "reputational_note": "Angry customers post online",
    "description": "",
}


def page_client(user) -> PageClient:
    client = PageClient()
    client.force_login(user)
    return client


@pytest.fixture
def mapped(world):
    world.process = ProcessFactory(
        engagement=world.engagement_a,
        name="Procurement approval",
        volume_per_day=40,
        minutes_per_case=3,
    )
    doc = StepFactory(process=world.process, flow="documented", name="Manager approves")
    StepFactory(process=world.process, name="Approve on WhatsApp", documented_step=doc)
    world.type = DecisionTypeFactory(engagement=world.engagement_a, name="route ticket")
    DecisionPointFactory(
        step=StepFactory(process=world.process, name="Route the ticket"),
        decision_type=world.type,
    )
    return world


def _edit_urls(w) -> list[str]:
    return [
        f"/processes/{w.process.pk}/edit/",
        f"/processes/{w.process.pk}/delete/",
        f"/engagements/{w.engagement_a.pk}/decision-types/new/",
        f"/decision-types/{w.type.pk}/edit/",
    ]


# --- Edit process ---


def test_consultant_edits_the_process_and_the_economics_follow(mapped):
    client = page_client(mapped.consultant)
    url = f"/processes/{mapped.process.pk}/edit/"
    form = client.get(url)
    assert form.status_code == 200
    assert 'value="Procurement approval"' in form.content.decode()

    r = client.post(url, PROCESS_FORM)
    assert r.status_code == 302 and r["Location"] == f"/processes/{mapped.process.pk}/"
    mapped.process.refresh_from_db()
    assert (mapped.process.name, mapped.process.volume_per_day) == ("Invoice matching", 120)
    assert (mapped.process.minutes_per_case, mapped.process.owner_team) == (5, "AP team")
    page = client.get(r["Location"]).content.decode()
    # 120 cases × 5 min = 600 min = 10 hours of human work a day (was 40 × 3 = 2 hours).
    assert '<span id="economics-hours">10.0</span> hours/day' in page
    assert "Saved “Invoice matching”." in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("volume_per_day", "-5", "Ensure this value is greater than or equal to 0."),
        ("minutes_per_case", "abc", "Enter a whole number."),
        ("name", "", "This field is required."),
        ("name", "intake triage", "This engagement already has a process named"),
    ],
)
def test_edit_process_refuses_bad_input_field_by_field(mapped, field, value, message):
    ProcessFactory(engagement=mapped.engagement_a, name="Intake triage")
    client = page_client(mapped.consultant)
    r = client.post(f"/processes/{mapped.process.pk}/edit/", PROCESS_FORM | {field: value})
    assert r.status_code == 400
    html = r.content.decode()
    assert message in html
    # The message sits on its field (error list before the input), not only on top.
    assert f'id="id_{field}_error"' in html
    # The heading shows what is saved, and nothing was saved.
    assert "<title>Edit · Procurement approval" in html
    mapped.process.refresh_from_db()
    assert (mapped.process.name, mapped.process.volume_per_day) == ("Procurement approval", 40)


def test_same_name_in_another_engagement_is_fine(mapped):
    ProcessFactory(engagement=mapped.engagement_b, name="Invoice matching")
    r = page_client(mapped.consultant).post(f"/processes/{mapped.process.pk}/edit/", PROCESS_FORM)
    assert r.status_code == 302


# --- Delete process ---


def test_delete_confirmation_lists_what_goes_then_deletes(mapped):
    EvaluationDataset.objects.create(process=mapped.process, name="March tickets")
    client = page_client(mapped.consultant)
    url = f"/processes/{mapped.process.pk}/delete/"
    page = client.get(url).content.decode()
    assert "1 documented step and 2 actual steps" in page
    assert "1 decision point (the engagement's decision types stay)" in page
    assert "1 evaluation dataset with their cases" in page
    assert "Delete process</button>" in page

    r = client.post(url)
    assert r.status_code == 302
    assert r["Location"] == f"/engagements/{mapped.engagement_a.pk}/processes/"
    assert not Process.objects.filter(pk=mapped.process.pk).exists()
    assert not Step.objects.filter(process_id=mapped.process.pk).exists()
    assert not DecisionPoint.objects.exists()
    assert not EvaluationDataset.objects.exists()
    assert DecisionType.objects.filter(pk=mapped.type.pk).exists()
    assert "Deleted “Procurement approval”." in client.get(r["Location"]).content.decode()


def test_delete_is_refused_while_the_process_has_live_decisions(mapped):
    DecisionFactory(process=mapped.process)
    client = page_client(mapped.consultant)
    url = f"/processes/{mapped.process.pk}/delete/"
    page = client.get(url).content.decode()
    assert "This process cannot be deleted" in page
    assert "1 live decision from the agent" in page
    assert "Delete process</button>" not in page

    r = client.post(url)  # a stale confirmation page posts anyway
    assert r.status_code == 409
    assert "has 1 live decision(s) from the agent" in r.content.decode()
    assert Process.objects.filter(pk=mapped.process.pk).exists()
    assert DecisionPoint.objects.filter(step__process=mapped.process).count() == 1


def test_delete_is_refused_while_the_process_has_a_playbook(mapped):
    EscalationPlaybookFactory(process=mapped.process)
    r = page_client(mapped.consultant).post(f"/processes/{mapped.process.pk}/delete/")
    assert r.status_code == 409
    assert "has an escalation playbook" in r.content.decode()
    assert Process.objects.filter(pk=mapped.process.pk).exists()


def test_delete_service_and_api_refuse_with_a_code_not_a_500(mapped):
    DecisionFactory(process=mapped.process)
    with pytest.raises(StateConflict) as exc:
        services.process_delete(process=mapped.process, by=mapped.consultant)
    assert exc.value.code == "process_has_decisions"
    r = client_for(mapped.consultant).delete(f"/api/processes/{mapped.process.pk}/")
    assert r.status_code == 409
    assert r.json()["code"] == "process_has_decisions"
    assert Decision.objects.filter(process=mapped.process).count() == 1


def test_decision_type_with_live_decisions_cannot_be_deleted(mapped):
    other = DecisionTypeFactory(engagement=mapped.engagement_a, name="refund")
    DecisionFactory(process=mapped.process, decision_type=other)
    r = client_for(mapped.consultant).delete(f"/api/decision-types/{other.pk}/")
    assert r.status_code == 409
    assert r.json()["code"] == "decision_type_has_decisions"
    assert DecisionType.objects.filter(pk=other.pk).exists()


# --- Decision types ---


def test_consultant_adds_a_decision_type_with_its_calibration(mapped):
    client = page_client(mapped.consultant)
    url = f"/engagements/{mapped.engagement_a.pk}/decision-types/new/"
    assert client.get(url).status_code == 200
    r = client.post(url, TYPE_FORM)
    assert r.status_code == 302
    assert r["Location"] == f"/engagements/{mapped.engagement_a.pk}/decision-types/"
    created = DecisionType.objects.get(engagement=mapped.engagement_a, name="approve refund")
    assert created.autonomy == "review_below_threshold"
    assert created.confidence_threshold == Decimal("0.85")
    assert (created.exposure_amount, created.exposure_currency) == (Decimal("2500.00"), "EUR")
    assert created.compliance is True

    listing = client.get(r["Location"]).content.decode()
    assert "<caption" in listing
    assert "2,500.00 EUR" in listing and "0.85" in listing
    assert '<span class="badge fail">Compliance</span>' in listing
    assert f'href="/decision-types/{created.pk}/edit/"' in listing
    assert "Add decision type" in listing


def test_consultant_edits_a_decision_type_to_always_human(mapped):
    client = page_client(mapped.consultant)
    url = f"/decision-types/{mapped.type.pk}/edit/"
    assert 'value="route ticket"' in client.get(url).content.decode()
    r = client.post(
        url, {"name": "route ticket", "autonomy": "always_human", "exposure_currency": ""}
    )
    assert r.status_code == 302
    mapped.type.refresh_from_db()
    assert mapped.type.autonomy == "always_human"
    listing = client.get(r["Location"]).content.decode()
    # The level is written out, not only a colour.
    assert '<span class="badge fail">Always human</span>' in listing


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"confidence_threshold": "1.5"}, "confidence_threshold", "less than or equal to 1"),
        ({"confidence_threshold": ""}, "confidence_threshold", "needs a default confidence"),
        (
            {"autonomy": "full"},
            "confidence_threshold",
            "Only review below threshold uses a confidence threshold.",
        ),
        ({"exposure_currency": ""}, "exposure_currency", "A financial exposure needs its"),
        ({"name": ""}, "name", "This field is required."),
        ({"name": "Route Ticket"}, "name", "already has a decision type named"),
        ({"autonomy": "sometimes"}, "autonomy", "Select a valid choice."),
    ],
)
def test_decision_type_forms_refuse_bad_input_field_by_field(mapped, changes, field, message):
    client = page_client(mapped.consultant)
    other = DecisionTypeFactory(engagement=mapped.engagement_a, name="refund")
    before = DecisionType.objects.count()

    r = client.post(
        f"/engagements/{mapped.engagement_a.pk}/decision-types/new/", TYPE_FORM | changes
    )
    assert r.status_code == 400
    assert message in r.content.decode()
    assert f'id="id_{field}_error"' in r.content.decode()
    assert DecisionType.objects.count() == before

    r = client.post(f"/decision-types/{other.pk}/edit/", TYPE_FORM | {"name": "refund"} | changes)
    assert r.status_code == 400
    assert message in r.content.decode()
    assert "Edit decision type “refund”" in r.content.decode()
    other.refresh_from_db()
    assert (other.autonomy, other.confidence_threshold, other.name) == ("full", None, "refund")


# --- Who may ---


def test_only_consultants_see_the_edit_links(mapped):
    pages = [f"/processes/{mapped.process.pk}/", f"/engagements/{mapped.engagement_a.pk}/"]
    types = f"/engagements/{mapped.engagement_a.pk}/decision-types/"
    consultant = page_client(mapped.consultant)
    for url in pages:
        assert f"/processes/{mapped.process.pk}/edit/" in consultant.get(url).content.decode()
    assert f"/decision-types/{mapped.type.pk}/edit/" in consultant.get(types).content.decode()
    for who in ("operator_a", "sponsor_a"):
        client = page_client(getattr(mapped, who))
        for url in pages:
            html = client.get(url).content.decode()
            assert "/edit/" not in html and "/delete/" not in html, (who, url)
        listing = client.get(types)
        assert listing.status_code == 200  # the calibration is readable on the engagement
        assert "route ticket" in listing.content.decode()
        assert "/edit/" not in listing.content.decode()
        assert "Add decision type" not in listing.content.decode()


@pytest.mark.parametrize("who", ["operator_a", "sponsor_a"])
def test_client_side_users_get_403_on_every_edit_page(mapped, who):
    client = page_client(getattr(mapped, who))
    for url in _edit_urls(mapped):
        assert client.get(url).status_code == 403, url
        assert client.post(url, PROCESS_FORM | TYPE_FORM).status_code == 403, url
    mapped.process.refresh_from_db()
    assert mapped.process.name == "Procurement approval"
    assert not DecisionType.objects.filter(name="approve refund").exists()
    assert DecisionType.objects.get(pk=mapped.type.pk).name == "route ticket"


@pytest.mark.parametrize("who", OUTSIDERS)
def test_another_tenant_gets_404(mapped, who):
    client = page_client(getattr(mapped, who))
    urls = [*_edit_urls(mapped), f"/engagements/{mapped.engagement_a.pk}/decision-types/"]
    posts = [("post", url, PROCESS_FORM | TYPE_FORM) for url in _edit_urls(mapped)]
    assert_hidden(client, [*(("get", url) for url in urls), *posts])
    assert Process.objects.filter(pk=mapped.process.pk, name="Procurement approval").exists()
    assert not DecisionType.objects.filter(name="approve refund").exists()


def test_anonymous_is_sent_to_login(mapped):
    for url in _edit_urls(mapped):
        r = PageClient().get(url)
        assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_a_refused_decision_type_edit_still_shows_the_saved_name(mapped):
    # The calibration is checked after the changes are set on the instance: the page must
    # not show the refused name as if it were saved.
    url = f"/decision-types/{mapped.type.pk}/edit/"
    r = page_client(mapped.consultant).post(url, TYPE_FORM | {"autonomy": "full"})
    assert r.status_code == 400
    html = r.content.decode()
    assert "Edit decision type “route ticket”" in html
    assert 'value="approve refund"' in html  # the input keeps what was typed
    mapped.type.refresh_from_db()
    assert mapped.type.name == "route ticket"
