"""How a language says when a closed place opens: ``languages.yaml`` ``clock`` read and
checked, and the sentence "it opens tomorrow at 9 in the morning, Tijuana time" built from it.
Pure: the time is always an argument, never read from a clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from datetime import time as dtime
from typing import Any

from .frozen import frozen_map
from .speech import pronounce, say_date

# The pack's Language is passed in, not imported: the model holds a language's Clock from here,
# and the floors have no circles (tests/test_architecture).
Language = Any  # ivr.content.model.Language

LANGUAGES = "languages.yaml"

# Opening hours fall on these minutes (hours.py refuses others): the ones a clock has words for.
QUARTERS = (0, 15, 30, 45)

CLOCK_FIELDS = ("opens", "today", "tomorrow", "weekday", "date", "days", "hours", "minutes")


@dataclass(frozen=True)
class Clock:
    """``languages.yaml`` ``clock``: the words for "it opens <when> at <time>, <place> time".

    opens     the sentence, with {when}, {time} and {place}
    today, tomorrow
    weekday   a day this week, with {day} ("el {day}")
    date      a day further away, with {date} (said like the language's `date`)
    days      Monday … Sunday
    hours     24 entries, midnight first, each with {min} where the minutes go
              ("las 9{min} de la mañana")
    minutes   the words for 15, 30 and 45 minutes past (" y media")
    """

    opens: str = ""
    today: str = ""
    tomorrow: str = ""
    weekday: str = ""
    date: str = ""
    days: tuple[str, ...] = ()
    hours: tuple[str, ...] = ()
    minutes: Mapping[int, str] = field(default_factory=frozen_map)

    @property
    def complete(self) -> bool:
        return not clock_problems(self)


def read_clock(raw: Any, key: str, reader: Any) -> Clock:
    """A language's `clock:` (empty when the language has none)."""
    if raw is None:
        return Clock()
    if not isinstance(raw, Mapping):
        reader.problem(LANGUAGES, f"{key}.clock", "must be a mapping", "clock_not_a_map")
        return Clock()
    minutes = raw.get("minutes") or {}
    if not isinstance(minutes, Mapping):
        reader.problem(
            LANGUAGES, f"{key}.clock.minutes", "must map 15, 30, 45 to words", "clock_not_a_map"
        )
        minutes = {}

    def text(name: str) -> str:
        value = raw.get(name)
        return str(value) if isinstance(value, str | int) else ""

    def texts(name: str) -> tuple[str, ...]:
        value = raw.get(name)
        return tuple(str(v) for v in value) if isinstance(value, list) else ()

    parsed: dict[int, str] = {}
    for k, v in minutes.items():
        try:
            parsed[int(k)] = str(v)
        except (TypeError, ValueError):
            reader.problem(
                LANGUAGES,
                f"{key}.clock.minutes.{k}",
                "is not a number of minutes",
                "clock_not_a_map",
            )
    return Clock(
        opens=text("opens"),
        today=text("today"),
        tomorrow=text("tomorrow"),
        weekday=text("weekday"),
        date=text("date"),
        days=texts("days"),
        hours=texts("hours"),
        minutes=frozen_map(parsed),
    )


def clock_problems(clock: Clock) -> list[str]:
    """What a clock lacks to say any opening time (English, for the validator)."""
    missing = []
    for name, needs in (
        ("opens", ("{when}", "{time}", "{place}")),
        ("weekday", ("{day}",)),
        ("date", ("{date}",)),
    ):
        value = getattr(clock, name)
        if not value or any(n not in value for n in needs):
            missing.append(f"`{name}` with {' '.join(needs)}")
    for name in ("today", "tomorrow"):
        if not getattr(clock, name).strip():
            missing.append(f"`{name}`")
    if len(clock.days) != 7:
        missing.append("`days` (Monday to Sunday, 7 words)")
    if len(clock.hours) != 24 or any("{min}" not in h for h in clock.hours):
        missing.append("`hours` (24 entries from midnight, each with {min})")
    if any(q not in clock.minutes for q in QUARTERS[1:]):
        missing.append("`minutes` for 15, 30 and 45")
    return missing


def say_time(clock: Clock, at: dtime) -> str:
    return clock.hours[at.hour].replace(
        "{min}", clock.minutes.get(at.minute, "") if at.minute else ""
    )


def say_opening(language: Language, opening: datetime, now: datetime, place: str) -> str:
    """The sentence "Abre mañana a las 9 de la mañana, hora de Tijuana." in ``language``'s
    written words (the caller's language, the place's local time); ``opening`` is local to
    the place."""
    clock = language.clock
    today = now.astimezone(opening.tzinfo).date()
    ahead = (opening.date() - today).days
    if ahead <= 0:
        when = clock.today
    elif ahead == 1:
        when = clock.tomorrow
    elif ahead < 7:
        when = clock.weekday.format(day=clock.days[opening.weekday()])
    else:
        spoken = say_date(opening.date(), language.months, language.date_pattern)
        when = clock.date.format(date=spoken)
    return clock.opens.format(when=when, time=say_time(clock, opening.time()), place=place)


def spoken_opening(language: Language, opening: datetime, now: datetime, place: str) -> str:
    """The same sentence as the line speaks it (the language's pronunciation list applied)."""
    return pronounce(say_opening(language, opening, now, place), language.pronounce)
