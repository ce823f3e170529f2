"""Private calendar feeds: each person may have one live iCalendar URL listing the check-ins
they take part in, so a calendar app can poll it without a session.

The token is 32 random bytes (URL-safe base64) shown once when made; only its SHA-256 is
stored, so a database read does not reveal working URLs. Making a new one revokes the old
(one live feed per person, enforced by the database); a revoked or unknown token is a 404.
A feed is a person's, not a client's, so it is not in the (per-client) audit trail.
"""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from icalendar import Calendar, Event

from handoff.models import CalendarFeed, CheckIn
from handoff.selectors.check_ins import FEED_AHEAD, FEED_PAST, calendar_check_ins
from handoff.services.check_ins import check_in_url, plan_url
from maestro.tenancy.models import User

TOKEN_BYTES = 32
# A token in a URL is at most this long; longer is refused before hashing.
TOKEN_MAX_LENGTH = 64
PRODID = "-//Maestro//Skill-transfer check-ins//EN"


def calendar_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_create(*, user: User) -> tuple[CalendarFeed, str]:
    """A new feed for `user` (their live one, if any, is revoked first); the feed and its
    token, which is not stored and cannot be shown again."""
    # Serialise two "regenerate" clicks: the second waits, then revokes the first's feed.
    User.objects.select_for_update().filter(pk=user.pk).first()
    now = timezone.now()
    CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    feed = CalendarFeed.objects.create(user=user, token_hash=calendar_token_hash(token))
    return feed, token


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> int:
    """Revoke the user's live feed; how many were revoked (0 or 1)."""
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def calendar_feed_live(*, user: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()


def calendar_feed_user(*, token: str) -> User | None:
    """Whose live feed `token` opens, or None (unknown, revoked, or an inactive person)."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    feed = (
        CalendarFeed.objects.filter(
            token_hash=calendar_token_hash(token), revoked_at__isnull=True, user__is_active=True
        )
        .select_related("user")
        .first()
    )
    return feed.user if feed is not None else None


def _event(check_in: CheckIn) -> Event:
    plan = check_in.plan
    engagement = plan.engagement
    event = Event()
    event.add("uid", str(check_in.uid))
    event.add("sequence", check_in.sequence)
    event.add("dtstamp", check_in.updated_at.astimezone(UTC))
    event.add("last-modified", check_in.updated_at.astimezone(UTC))
    event.add("dtstart", check_in.scheduled_at.astimezone(UTC))
    event.add(
        "dtend",
        (check_in.scheduled_at + timedelta(minutes=check_in.duration_minutes)).astimezone(UTC),
    )
    event.add("summary", f"Check-in: {plan.operator} · {engagement.name}")
    cancelled = check_in.status == CheckIn.Status.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    state = check_in.get_status_display()
    event.add(
        "description",
        f"Skill-transfer check-in with {plan.operator} ({engagement.client.name} · "
        f"{engagement.name}), {state.lower()}.\nThe plan: {plan_url(check_in)}\n"
        f"The check-in: {check_in_url(check_in)}",
    )
    event.add("url", check_in_url(check_in))
    return event


def calendar_feed_ics(*, user: User, now: datetime | None = None) -> bytes:
    """The iCalendar text of `user`'s feed (see calendar_check_ins for what it lists). Times
    are in UTC; calendar apps show them in the viewer's zone."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Maestro check-ins")
    # How often apps should poll (RFC 7986 REFRESH-INTERVAL, and the older Outlook name).
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for check_in in calendar_check_ins(user=user, now=now):
        calendar.add_component(_event(check_in))
    return calendar.to_ical()


__all__ = [
    "FEED_AHEAD",
    "FEED_PAST",
    "calendar_feed_create",
    "calendar_feed_ics",
    "calendar_feed_live",
    "calendar_feed_revoke",
    "calendar_feed_user",
]
