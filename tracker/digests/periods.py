"""The digest's periods: an ISO week in DIGEST_TIME_ZONE, named like 2026-W48, and when each is sent."""

import datetime
import re
import zoneinfo

from django.conf import settings

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_PERIOD = re.compile(r"(\d{4})-W(\d{1,2})")


# Periods: an ISO week, Monday 00:00 to Monday 00:00 in DIGEST_TIME_ZONE, sent on DIGEST_WEEKDAY at DIGEST_HOUR of
# the week after it.


def digest_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.DIGEST_TIME_ZONE)


def period_of(moment: datetime.datetime) -> str:
    year, week, _day = moment.astimezone(digest_zone()).isocalendar()
    return f"{year}-W{week:02d}"


def parse_period(text: str) -> str:
    """'2026-W48' (or '2026-w48'); ValueError with a readable message otherwise."""
    match = _PERIOD.fullmatch(text.strip().upper())
    if not match:
        raise ValueError(f"a period is an ISO week such as 2026-W48, not {text!r}")
    year, week = int(match[1]), int(match[2])
    try:
        datetime.date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"{year} has no ISO week {week}") from None
    return f"{year}-W{week:02d}"


def period_bounds(period: str) -> tuple[datetime.datetime, datetime.datetime]:
    """The period's start (inclusive) and end (exclusive), aware, in DIGEST_TIME_ZONE."""
    monday = datetime.date.fromisocalendar(int(period[:4]), int(period[6:]), 1)
    zone = digest_zone()
    start = datetime.datetime.combine(monday, datetime.time(), tzinfo=zone)
    return start, datetime.datetime.combine(monday + datetime.timedelta(days=7), datetime.time(), tzinfo=zone)


def send_moment(period: str) -> datetime.datetime:
    """When the period's digest is due: DIGEST_WEEKDAY at DIGEST_HOUR in the following week."""
    _start, end = period_bounds(period)
    day = end.date() + datetime.timedelta(days=WEEKDAYS.index(settings.DIGEST_WEEKDAY))
    return datetime.datetime.combine(day, datetime.time(settings.DIGEST_HOUR), tzinfo=digest_zone())


def previous_period(now: datetime.datetime) -> str:
    """The last complete week before `now`."""
    return period_of(now.astimezone(digest_zone()) - datetime.timedelta(days=7))


def due_period(now: datetime.datetime) -> str:
    """The latest period whose digest is due at `now`."""
    period = previous_period(now)
    if send_moment(period) <= now:
        return period
    return period_of(now.astimezone(digest_zone()) - datetime.timedelta(days=14))


def next_period(now: datetime.datetime) -> str:
    """The period of the next digest to go out after `now`."""
    period = previous_period(now)
    return period if send_moment(period) > now else period_of(now)


def period_label(period: str) -> str:
    start, end = period_bounds(period)
    last = (end - datetime.timedelta(days=1)).date()
    first = start.date()
    # ASCII: a subject with any other character is sent encoded, and some readers show it with a leading space.
    if first.year != last.year:
        return f"{first:%-d %B %Y} - {last:%-d %B %Y}"
    if first.month != last.month:
        return f"{first:%-d %B} - {last:%-d %B %Y}"
    return f"{first:%-d}-{last:%-d %B %Y}"
