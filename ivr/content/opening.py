"""Open or closed at an instant, and when a place next opens: computed from its ``Hours``
(hours.py) in its own time zone. Pure: the time is always an argument, never read from a clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

from .hours import Hours, Span

#: How far ahead "when does it open" looks; beyond it the caller hears only "closed now".
HORIZON_DAYS = 14


def spans_on(hours: Hours, day: date) -> tuple[Span, ...] | None:
    """The opening times on a local day; None when that day's hours are unknown."""
    if day in hours.closed:
        return ()
    if day in hours.open:
        return hours.open[day]
    if hours.weekly is None:
        return None
    return hours.weekly.get(day.weekday(), ())


def _minute(local: datetime) -> int:
    return local.hour * 60 + local.minute


def is_open(hours: Hours | None, now: datetime) -> bool | None:
    """True or False at the instant ``now`` (timezone-aware); None when nobody knows."""
    if hours is None:
        return None
    local = now.astimezone(hours.tz)
    spans = spans_on(hours, local.date())
    if spans is None:
        return None
    minute = _minute(local)
    return any(start <= minute < end for start, end in spans)


def next_opening(hours: Hours, now: datetime, horizon_days: int = HORIZON_DAYS) -> datetime | None:
    """When the place next opens after ``now``, in its local time; None if that is unknown
    or further away than ``horizon_days``."""
    local = now.astimezone(hours.tz)
    for ahead in range(horizon_days + 1):
        day = local.date() + timedelta(days=ahead)
        spans = spans_on(hours, day)
        if spans is None:
            return None  # a day of unknown hours: it may well open then, nobody can say when
        for start, _ in spans:
            if ahead == 0 and start <= _minute(local):
                continue
            opening = datetime.combine(day, dtime(start // 60, start % 60), hours.tz)
            return opening
    return None


def in_window(hours: Hours | None, now: datetime, default_zone: str) -> bool:
    """May a test call be placed now? During the place's opening hours (30 minutes after it
    opens and before it closes, so a check never lands on a closing door); where the hours
    are unknown, 10:00-16:00 local on weekdays."""
    zone = ZoneInfo(hours.zone) if hours is not None else ZoneInfo(default_zone)
    local = now.astimezone(zone)
    minute = _minute(local)
    spans = spans_on(hours, local.date()) if hours is not None else None
    if spans is None:
        return local.weekday() < 5 and 10 * 60 <= minute < 16 * 60
    return any(start + 30 <= minute < end - 30 for start, end in spans)


def utc(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime (naive values are taken as UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
