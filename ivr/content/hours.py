"""Opening hours of a transfer number: the `hours:` of ``directory.yaml``, read, written back
and checked.

Hours are directory data (``directory.yaml``, under a number)::

    hours:
      zone: America/Tijuana        # the office's IANA time zone
      place: Tijuana               # what callers hear: "... hora de Tijuana"
      weekly:                      # leave it out: hours unknown, the transfer is always offered
        mon: "09:00-13:00, 14:00-17:00"
        sat: "10:00-14:00"         # a day not listed is closed (once `weekly` is given)
      closed: [2026-12-25]         # whole days closed (holidays), whatever the week says
      open: {2026-12-24: "09:00-12:00"}   # one-off hours for a day, in place of the week's

The flyers give no hours, so the seed gives each transfer number only its zone and place;
unknown hours mean "offer the transfer" as before. Times are the place's local time and fall
on the quarter hour (every language says 15, 30 and 45 minutes in words; see ``Clock`` in
clock.py).

Whether a place is open at an instant and when it next opens is in opening.py; how a language
says it (``languages.yaml`` ``clock``) in clock.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .clock import LANGUAGES, QUARTERS, clock_problems
from .errors import Problem
from .frozen import frozen_map

# The pack's ContentPack is passed in, not imported: the model holds a number's Hours from
# here, and the floors have no circles (tests/test_architecture).
ContentPack = Any  # ivr.content.model.ContentPack

DIRECTORY = "directory.yaml"
FLOW = "flow.yaml"

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # date.weekday() order
RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

Span = tuple[int, int]  # minutes after local midnight: [start, end)


@dataclass(frozen=True)
class Hours:
    zone: str
    place: str
    weekly: Mapping[int, tuple[Span, ...]] | None = None  # None: the weekly hours are unknown
    closed: frozenset[date] = frozenset()
    open: Mapping[date, tuple[Span, ...]] = field(default_factory=frozen_map)

    @property
    def known(self) -> bool:
        """Some opening time is known (weekly hours, or a one-off opening)."""
        return self.weekly is not None or bool(self.open)

    @property
    def used(self) -> bool:
        """These hours can close the transfer some day (weekly hours, openings, closures)."""
        return self.known or bool(self.closed)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)


# -- reading directory.yaml --------------------------------------------------------------------


class _Problems:
    """Where problems go while reading: the loader's reader (``problem(file, key, ...)``)."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader

    def __call__(self, key: str, message: str, code: str, **params: Any) -> None:
        self.reader.problem(DIRECTORY, key, message, code, **params)


def format_span(span: Span) -> str:
    start, end = span
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def format_spans(spans: tuple[Span, ...]) -> str:
    return ", ".join(format_span(s) for s in spans)


def parse_spans(text: Any) -> tuple[tuple[Span, ...], str | None]:
    """'09:00-13:00, 14:00-17:00' -> ((540, 780), (840, 1020)), or an English reason."""
    if not isinstance(text, str):
        return (), f'must be times like "09:00-17:00", not {text!r}'
    spans: list[Span] = []
    for part in text.split(","):
        match = RANGE.match(part)
        if match is None:
            return (), f"{part.strip()!r} is not a time range like 09:00-17:00"
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
            return (), f"{part.strip()!r} is not a time of day"
        if m1 not in QUARTERS or m2 not in QUARTERS:
            return (
                (),
                f"{part.strip()!r}: opening hours fall on the quarter hour (:00, :15, :30, :45)",
            )
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if start >= end:
            return (), f"{part.strip()!r} ends before it starts"
        spans.append((start, end))
    spans.sort()
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        if start < end:
            return (), f"{text.strip()!r} has times that overlap"
    return tuple(spans), None


def default_place(zone: str) -> str:
    """'America/Los_Angeles' -> 'Los Angeles' (staff usually give the city callers know)."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def _date(value: Any) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def read_hours(raw: Any, key: str, reader: Any) -> Hours | None:
    """The `hours:` of one number (``key`` is the number's key in directory.yaml); problems
    go to the loader's reader, so staff see them with every other mistake."""
    if raw is None:
        return None
    problem = _Problems(reader)
    where = f"{key}.hours"
    if not isinstance(raw, Mapping):
        problem(where, "must be a mapping with zone, weekly, closed, open", "hours_not_a_map")
        return None
    unknown = sorted(str(k) for k in raw if k not in ("zone", "place", "weekly", "closed", "open"))
    if unknown:
        problem(
            where,
            f"unknown field(s) {', '.join(unknown)} (fields: zone, place, weekly, closed, open)",
            "hours_field_unknown",
            fields=", ".join(unknown),
        )
    zone = raw.get("zone")
    if not isinstance(zone, str) or not zone.strip():
        problem(
            f"{where}.zone", "is missing (a time zone like America/Tijuana)", "hours_zone_missing"
        )
        return None
    zone = zone.strip()
    try:
        ZoneInfo(zone)
    except (ValueError, ZoneInfoNotFoundError):
        problem(
            f"{where}.zone",
            f"{zone!r} is not a time zone name (like America/Tijuana)",
            "hours_zone_invalid",
            zone=zone,
        )
        return None
    place = raw.get("place")
    place = " ".join(str(place).split()) if place is not None else default_place(zone)
    if not place:
        place = default_place(zone)
    weekly: dict[int, tuple[Span, ...]] | None = None
    if raw.get("weekly") is not None:
        weekly = {}
        days = raw["weekly"]
        if not isinstance(days, Mapping):
            problem(
                f"{where}.weekly", "must map days (mon … sun) to times", "hours_weekly_not_a_map"
            )
            days = {}
        for day, text in days.items():
            name = str(day).lower()
            if name not in DAYS:
                problem(
                    f"{where}.weekly.{day}",
                    f"{day!r} is not a day (mon, tue, wed, thu, fri, sat, sun)",
                    "hours_day_unknown",
                    day=str(day),
                )
                continue
            if text is None or (isinstance(text, str) and text.strip().lower() in ("", "closed")):
                weekly[DAYS.index(name)] = ()
                continue
            spans, why = parse_spans(text)
            if why:
                problem(f"{where}.weekly.{day}", why, "hours_range_invalid", text=str(text))
                continue
            weekly[DAYS.index(name)] = spans
    closed: set[date] = set()
    raw_closed = raw.get("closed") or []
    if not isinstance(raw_closed, list):
        problem(
            f"{where}.closed", "must be a list of dates like 2026-12-25", "hours_closed_not_a_list"
        )
        raw_closed = []
    for value in raw_closed:
        day = _date(value)
        if day is None:
            problem(
                f"{where}.closed",
                f"{value!r} is not a date like 2026-12-25",
                "date_invalid",
                value=str(value),
            )
            continue
        closed.add(day)
    opened: dict[date, tuple[Span, ...]] = {}
    raw_open = raw.get("open") or {}
    if not isinstance(raw_open, Mapping):
        problem(
            f"{where}.open",
            "must map dates to times (2026-12-24: 09:00-12:00)",
            "hours_open_not_a_map",
        )
        raw_open = {}
    for value, text in raw_open.items():
        day = _date(value)
        if day is None:
            problem(
                f"{where}.open",
                f"{value!r} is not a date like 2026-12-24",
                "date_invalid",
                value=str(value),
            )
            continue
        spans, why = parse_spans(text)
        if why:
            problem(f"{where}.open.{value}", why, "hours_range_invalid", text=str(text))
            continue
        opened[day] = spans
    return Hours(
        zone=zone,
        place=place,
        weekly=frozen_map(weekly) if weekly is not None else None,
        closed=frozenset(closed),
        open=frozen_map(opened),
    )


def hours_yaml(hours: Hours | None) -> dict[str, Any] | None:
    """The `hours:` mapping to write back for these hours (the publisher's edit)."""
    if hours is None:
        return None
    out: dict[str, Any] = {"zone": hours.zone, "place": hours.place}
    if hours.weekly is not None:
        out["weekly"] = {
            DAYS[d]: format_spans(hours.weekly[d]) if hours.weekly[d] else "closed"
            for d in sorted(hours.weekly)
        }
    if hours.closed:
        out["closed"] = [d.isoformat() for d in sorted(hours.closed)]
    if hours.open:
        out["open"] = {d.isoformat(): format_spans(hours.open[d]) for d in sorted(hours.open)}
    return out


# -- the content rules for hours ----------------------------------------------------------------


def check_hours(pack: ContentPack) -> Iterator[Problem]:
    """Hours only where a call can go, words to say them, and the prompt that says "closed"."""
    with_hours = [n for n in pack.numbers.values() if getattr(n, "hours", None) is not None]
    for number in with_hours:
        if not number.voice:
            yield Problem(
                DIRECTORY,
                f"organizations.{number.org}.numbers.{number.id}.hours",
                "only a number that takes calls (channels: voice) can have opening hours",
                "hours_not_voice",
                {"number": number.id},
            )
    if not any(n.hours.used for n in with_hours):
        return
    for name in [n for n in ("closed", "closed_number") if n not in pack.flow.prompts]:
        yield Problem(
            FLOW,
            f"prompts.{name}",
            "is missing (a number has opening hours: callers hear when it is closed)",
            "shared_prompt_missing",
            {"name": name},
        )
    for language in pack.languages:
        for what in clock_problems(language.clock):
            yield Problem(
                LANGUAGES,
                f"languages[{language.code}].clock",
                f"needs {what} (a number has opening hours: callers hear when it opens)",
                "clock_incomplete",
                {"lang": language.code, "what": what},
            )
