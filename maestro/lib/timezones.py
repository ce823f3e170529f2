"""A client's local day and ISO week. Every "day" and "week" the product scores, reviews or
schedules is the client's, not UTC's: these helpers turn a local date into the UTC instants that
bound it, across daylight-saving changes (a local day may last 23 or 25 hours)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _


def time_zone_validate(name: str) -> None:
    """An IANA name zoneinfo knows ("Europe/Lisbon"); "local" and file paths are refused."""
    if not name or name != name.strip() or name.startswith(("/", ".")) or ".." in name:
        raise ValidationError(_("Enter an IANA time zone, such as Europe/Lisbon."), code="invalid")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            _("“%(name)s” is not a known IANA time zone, such as Europe/Lisbon."),
            code="invalid",
            params={"name": name[:64]},
        ) from exc


def time_zone_choices() -> list[tuple[str, str]]:
    """Every IANA zone, sorted, for a select box."""
    return [(name, name) for name in sorted(available_timezones()) if "/" in name or name == "UTC"]


def local_today(tz: ZoneInfo, *, now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now(), tz).date()


def local_day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of the local `day` as aware instants (in `tz`; compare them with any aware
    value). Built from each midnight separately, so a DST day is 23 or 25 hours long."""
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def iso_week_start(day: date) -> date:
    """The Monday of `day`'s ISO week."""
    return day - timedelta(days=day.weekday())


def local_week_bounds(monday: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of the local ISO week starting on `monday`."""
    start, _end = local_day_bounds(monday, tz)
    end, _next = local_day_bounds(monday + timedelta(days=7), tz)
    return start, end


def client_time_zone_activate(client) -> None:
    """Show this request's moments in `client`'s zone (a Client: anything with `tzinfo`). Views
    of one engagement call it, so its people read their own clock; TimeZoneResetMiddleware
    puts the default back when the request ends."""
    timezone.activate(client.tzinfo)


class TimeZoneResetMiddleware:
    """The zone a view activated never outlives its request (threads serve many requests)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Restores whatever was active before (nothing, in a server's thread), on any exit.
        with timezone.override(timezone.get_current_timezone()):
            return self.get_response(request)
