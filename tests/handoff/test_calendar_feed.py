"""The private calendar feed: a token URL without a session, parsed back with icalendar; the
events' uid and sequence through a reschedule and a cancellation; regenerating and revoking
(404); only the person's own check-ins at engagements they can see."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from handoff.models import CalendarFeed, CheckIn
from handoff.services.calendar import calendar_feed_create, calendar_feed_revoke
from tests.handoff.check_in_setup import plan_in
from tests.handoff.factories import CheckInFactory
from tests.harness.isolation import page_as

pytestmark = pytest.mark.django_db


def _feed(token: str):
    return Client().get(f"/calendar/{token}.ics")


def _events(token: str) -> dict[str, dict]:
    answer = _feed(token)
    assert answer.status_code == 200, answer.status_code
    assert answer["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(answer.content)
    return {
        str(e["UID"]): {
            "sequence": int(e["SEQUENCE"]),
            "status": str(e["STATUS"]),
            "start": e.decoded("DTSTART"),
            "end": e.decoded("DTEND"),
            "summary": str(e["SUMMARY"]),
            "description": str(e["DESCRIPTION"]),
        }
        for e in calendar.walk("VEVENT")
    }


def test_feed_lists_the_operators_check_ins_and_keeps_uid_through_changes():
    plan = plan_in("UTC")
    soon = CheckInFactory(plan=plan, scheduled_at=timezone.now() + timedelta(days=2))
    gone = CheckInFactory(plan=plan, scheduled_at=timezone.now() + timedelta(days=9))
    CheckInFactory(plan=plan, scheduled_at=timezone.now() + timedelta(days=400))  # too far
    _feed_row, token = calendar_feed_create(user=plan.operator)

    first = _events(token)
    assert set(first) == {str(soon.uid), str(gone.uid)}
    event = first[str(soon.uid)]
    assert event["start"] == soon.scheduled_at.replace(microsecond=0)
    assert event["end"] - event["start"] == timedelta(minutes=45)
    assert (event["sequence"], event["status"]) == (0, "CONFIRMED")
    assert plan.engagement.name in event["summary"]
    assert f"/check-ins/{soon.pk}/" in event["description"]

    CheckIn.objects.filter(pk=gone.pk).update(status=CheckIn.Status.CANCELLED, sequence=1)
    CheckIn.objects.filter(pk=soon.pk).update(
        scheduled_at=soon.scheduled_at + timedelta(hours=1), sequence=1
    )
    second = _events(token)
    assert second[str(gone.uid)]["status"] == "CANCELLED"
    assert second[str(gone.uid)]["sequence"] == 1
    assert second[str(soon.uid)]["start"] == event["start"] + timedelta(hours=1)


def test_consultants_see_their_engagements_check_ins_and_others_see_none():
    plan = plan_in("UTC")
    other = plan_in("UTC")  # another client
    mine = CheckInFactory(plan=plan)
    CheckInFactory(plan=other)
    _f, lead_token = calendar_feed_create(user=plan.engagement.lead)
    _f, outsider_token = calendar_feed_create(user=other.operator)

    assert set(_events(lead_token)) == {str(mine.uid)}
    assert str(mine.uid) not in _events(outsider_token)


def test_regenerating_makes_the_old_url_a_404_and_revoking_the_new_one():
    plan = plan_in("UTC")
    _f, old = calendar_feed_create(user=plan.operator)
    _f, new = calendar_feed_create(user=plan.operator)
    assert _feed(old).status_code == 404
    assert _feed(new).status_code == 200
    assert CalendarFeed.objects.filter(user=plan.operator, revoked_at__isnull=True).count() == 1
    assert calendar_feed_revoke(user=plan.operator) == 1
    assert _feed(new).status_code == 404
    assert _feed("x" * 43).status_code == 404
    assert _feed("x" * 500).status_code == 404


def test_only_the_tokens_hash_is_stored():
    plan = plan_in("UTC")
    feed, token = calendar_feed_create(user=plan.operator)
    assert token not in feed.token_hash and len(feed.token_hash) == 64


def test_feed_of_a_deactivated_person_is_a_404():
    plan = plan_in("UTC")
    _f, token = calendar_feed_create(user=plan.operator)
    plan.operator.is_active = False
    plan.operator.save()
    assert _feed(token).status_code == 404


def test_calendar_page_shows_the_new_url_once_and_revokes():
    plan = plan_in("UTC")
    browser = page_as(plan.operator)
    assert "You have no calendar feed" in browser.get("/calendar/").content.decode()

    answer = browser.post("/calendar/", {"action": "regenerate"}, follow=True)
    page = answer.content.decode()
    assert "/calendar/" in page and ".ics" in page
    url_token = [part for part in page.split('value="') if ".ics" in part.split('"')[0]]
    assert url_token, page
    token = url_token[0].split('"')[0].rsplit("/", 1)[-1].removesuffix(".ics")
    assert _feed(token).status_code == 200
    assert ".ics" not in browser.get("/calendar/").content.decode()  # shown once

    browser.post("/calendar/", {"action": "revoke"})
    assert _feed(token).status_code == 404
    assert browser.post("/calendar/", {"action": "nope"}).status_code == 400


def test_calendar_page_needs_a_session():
    answer = Client().get("/calendar/")
    assert answer.status_code == 302 and "/login/" in answer["Location"]
