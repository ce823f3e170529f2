"""Check-ins through the API and the pages: list (status filter), detail, record (200, 400 with
fields, 409), the calendar feed's endpoints, the check-in page and its record form, and
isolation: another client's people get 404s and change nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from handoff.models import CalendarFeed, CheckIn, Stage
from maestro.reviews.models import ReviewTask
from tests.conftest import client_for
from tests.handoff.check_in_setup import plan_in
from tests.handoff.factories import CheckInFactory, CompetencyFactory, SkillTransferPlanFactory
from tests.harness.isolation import assert_hidden_from_outsiders, page_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(world):
    plan = SkillTransferPlanFactory(engagement=world.engagement_a, operator=world.operator_a)
    for n, name in enumerate(["Monitoring", "Edge-case review"]):
        CompetencyFactory(plan=plan, name=name, order=n)
    return plan


def _state():
    return list(CheckIn.objects.values_list("pk", "status", "notes")), ReviewTask.objects.count()


def test_list_filters_by_status_and_detail_answers(world, plan):
    upcoming = CheckInFactory(plan=plan)
    missed = CheckInFactory(
        plan=plan, scheduled_at=timezone.now() - timedelta(days=7), status=CheckIn.Status.MISSED
    )
    api = client_for(world.sponsor_a)

    everything = api.get(f"/api/skill-plans/{plan.pk}/check-ins/")
    only_missed = api.get(f"/api/skill-plans/{plan.pk}/check-ins/?status=missed")
    bad = api.get(f"/api/skill-plans/{plan.pk}/check-ins/?status=late")
    detail = api.get(f"/api/check-ins/{upcoming.pk}/")

    assert [r["id"] for r in everything.json()["results"]] == [upcoming.pk, missed.pk]
    assert [r["id"] for r in only_missed.json()["results"]] == [missed.pk]
    assert bad.status_code == 400 and "status" in bad.json()
    body = detail.json()
    assert (body["uid"], body["sequence"], body["status"]) == (str(upcoming.uid), 0, "scheduled")
    assert body["readiness"] is None


def test_record_through_the_api(world, plan):
    check_in = CheckInFactory(plan=plan)
    skills = list(plan.competencies.order_by("order"))
    api = client_for(world.consultant)
    due = (timezone.localdate() + timedelta(days=7)).isoformat()
    body = {
        "stages": [{"competency": skills[0].pk, "stage": "solo"}],
        "notes": "Steady.",
        "follow_ups": [{"text": "Close one drift investigation", "due_on": due}],
    }

    answer = api.post(f"/api/check-ins/{check_in.pk}/record/", body, format="json")
    again = api.post(f"/api/check-ins/{check_in.pk}/record/", body, format="json")

    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert (data["status"], data["readiness"], data["notes"]) == ("recorded", "0.5000", "Steady.")
    assert [s["stage"] for s in data["stages"]] == ["solo", "shadow"]
    assert data["follow_ups"][0]["assignee"]["id"] == world.operator_a.pk
    assert (again.status_code, again.json()["code"]) == (409, "check_in_already_recorded")
    assert ReviewTask.objects.filter(kind=ReviewTask.Kind.CHECK_IN_FOLLOW_UP).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"stages": [{"competency": 10**9, "stage": "solo"}]}, "stages"),
        ({"stages": [{"competency": 1, "stage": "expert"}]}, "stages"),
        ({"stages": [], "follow_ups": [{"text": "x", "due_on": "2000-01-01"}]}, "follow_ups"),
        ({"stages": [], "follow_ups": [{"text": "x", "due_on": "2999-01-01"}] * 21}, "follow_ups"),
        ({"stages": [], "colour": "red"}, "colour"),
    ],
)
def test_record_bad_input_is_a_400_naming_the_field(world, plan, body, field):
    check_in = CheckInFactory(plan=plan)
    before = _state()
    answer = client_for(world.consultant).post(
        f"/api/check-ins/{check_in.pk}/record/", body, format="json"
    )
    assert answer.status_code == 400, answer.content
    assert field in answer.json(), answer.json()
    assert _state() == before


def test_operator_and_sponsor_may_not_record(world, plan):
    check_in = CheckInFactory(plan=plan)
    for user in (world.operator_a, world.sponsor_a):
        answer = client_for(user).post(
            f"/api/check-ins/{check_in.pk}/record/", {"stages": []}, format="json"
        )
        assert answer.status_code == 403
    check_in.refresh_from_db()
    assert check_in.status == CheckIn.Status.SCHEDULED


def test_calendar_feed_endpoints(world):
    api = client_for(world.operator_a)
    assert api.get("/api/calendar-feed/").json() == {
        "active": False,
        "created_at": None,
        "url": None,
    }
    made = api.post("/api/calendar-feed/")
    assert made.status_code == 201 and made.json()["url"].endswith(".ics")
    token = made.json()["url"].rsplit("/", 1)[-1].removesuffix(".ics")
    assert api.get("/api/calendar-feed/").json()["active"] is True
    assert client_for(world.operator_a).get(f"/calendar/{token}.ics").status_code == 200
    assert api.delete("/api/calendar-feed/").status_code == 204
    assert api.get(f"/calendar/{token}.ics").status_code == 404
    assert not CalendarFeed.objects.filter(revoked_at__isnull=True).exists()


def test_check_in_endpoints_are_hidden_from_other_clients(world, plan):
    check_in = CheckInFactory(plan=plan)
    assert_hidden_from_outsiders(
        world,
        [
            ("get", f"/api/skill-plans/{plan.pk}/check-ins/"),
            ("get", f"/api/check-ins/{check_in.pk}/"),
            ("post", f"/api/check-ins/{check_in.pk}/record/", {"stages": []}),
        ],
        unchanged=_state,
        format="json",
    )


def test_check_in_page_is_hidden_from_other_clients(world, plan):
    check_in = CheckInFactory(plan=plan)
    assert_hidden_from_outsiders(
        world,
        [
            ("get", f"/check-ins/{check_in.pk}/"),
            ("post", f"/check-ins/{check_in.pk}/", {"notes": "x"}),
        ],
        as_page=True,
        unchanged=_state,
    )


def test_check_in_page_records_with_the_form(world, plan):
    check_in = CheckInFactory(plan=plan)
    skills = list(plan.competencies.order_by("order"))
    browser = page_as(world.consultant)
    page = browser.get(f"/check-ins/{check_in.pk}/")
    assert page.status_code == 200
    assert "Record this check-in" in page.content.decode()
    assert world.engagement_a.client.time_zone in page.content.decode()
    due = (timezone.localdate() + timedelta(days=3)).isoformat()
    form = {
        f"stage_{skills[0].pk}": Stage.SOLO,
        f"stage_{skills[1].pk}": Stage.CO_PILOT,
        "notes": "Good.",
        "follow_ups-TOTAL_FORMS": "3",
        "follow_ups-INITIAL_FORMS": "0",
        "follow_ups-0-text": "Review the escalation chain",
        "follow_ups-0-due_on": due,
    }

    answer = browser.post(f"/check-ins/{check_in.pk}/", form)

    assert answer.status_code == 302
    check_in.refresh_from_db()
    assert (check_in.status, str(check_in.readiness)) == (CheckIn.Status.RECORDED, "0.5000")
    shown = browser.get(f"/check-ins/{check_in.pk}/").content.decode()
    assert "Review the escalation chain" in shown and "Record this check-in" not in shown


def test_check_in_page_form_errors_are_400_and_the_sponsor_reads_only(world, plan):
    check_in = CheckInFactory(plan=plan)
    skills = list(plan.competencies.order_by("order"))
    bad = page_as(world.consultant).post(
        f"/check-ins/{check_in.pk}/",
        {
            f"stage_{skills[0].pk}": "expert",
            f"stage_{skills[1].pk}": Stage.SOLO,
            "follow_ups-TOTAL_FORMS": "1",
            "follow_ups-INITIAL_FORMS": "0",
            "follow_ups-0-text": "x",
            "follow_ups-0-due_on": "2000-01-01",
        },
    )
    assert bad.status_code == 400
    sponsor = page_as(world.sponsor_a)
    assert "Record this check-in" not in sponsor.get(f"/check-ins/{check_in.pk}/").content.decode()
    assert sponsor.post(f"/check-ins/{check_in.pk}/", {}).status_code == 403
    check_in.refresh_from_db()
    assert check_in.status == CheckIn.Status.SCHEDULED


def test_missed_check_in_form_says_recording_keeps_the_flag(world):
    plan = plan_in("UTC", engagement=world.engagement_a, operator=world.operator_a)
    check_in = CheckInFactory(plan=plan, status=CheckIn.Status.MISSED, missed_at=timezone.now())
    page = page_as(world.consultant).get(f"/check-ins/{check_in.pk}/").content.decode()
    assert "recording it now keeps that flag" in page
