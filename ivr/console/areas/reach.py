"""Console pages for issue 18: missed-call callbacks, opening hours, destination checks.

    /admin/callbacks                   what the callbacks did (totals only), pause and limits
    /admin/destinations                each transfer number: hours, open now, check results,
                                       flags (two failures in a row), "check every number"
    /admin/destinations/<id>/hours     a number's opening hours: published like any other
                                       directory change (validated, a version, undoable)

Routes on the console's blueprint (its login and CSRF guard). Pausing callbacks and setting
their limits is for administrators; until accounts carry roles every logged-in staffer may.
The home page and the directory show flagged numbers through ``destination_flags()``.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext

from ...content import ContentError
from ...content.hours import (
    DAYS,
    Hours,
    default_place,
    format_spans,
    parse_spans,
)
from ...content.model import frozen_map
from ...content.opening import is_open
from ..i18n import when
from ..problems import Refusal, refusals
from ..web import bp

#: Time zones offered first for a transfer number (any IANA name can be typed).
ZONES = (
    "America/Tijuana",
    "America/Hermosillo",
    "America/Mazatlan",
    "America/Chihuahua",
    "America/Ciudad_Juarez",
    "America/Ojinaga",
    "America/Matamoros",
    "America/Monterrey",
    "America/Mexico_City",
    "America/Los_Angeles",
    "America/Phoenix",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
)
LINE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*(.*)$")


def _who() -> str:
    return str(g.staff_user)


def _pack() -> Any:
    return current_app.extensions["content"].current()


def _checks() -> Any:
    return current_app.extensions["destinations"]


def _callbacks() -> Any:
    return current_app.extensions["callbacks"]


def moment(timestamp: float | None) -> str:
    """An instant for staff: the hotline's time zone, the staffer's language."""
    if not timestamp:
        return ""
    return when(datetime.fromtimestamp(timestamp, UTC).isoformat())


def result_names() -> dict[str | None, str]:
    return {
        "human": gettext("a person answered"),
        "machine": gettext("an answering machine answered"),
        "busy": gettext("busy"),
        "no_answer": gettext("no answer"),
        "failed": gettext("the call failed"),
        "invalid": gettext("not a valid number"),
        None: gettext("waiting for a result"),
    }


def event_names() -> dict[str, str]:
    return {
        "asked": gettext("Missed calls from a number we can call back"),
        "queued": gettext("Callbacks waiting to be made"),
        "duplicate": gettext("Extra missed calls while a callback was already waiting"),
        "refused_number": gettext("Refused: that caller already had the day’s callbacks"),
        "refused_line": gettext("Refused: the line already made the hour’s callbacks"),
        "refused_paused": gettext("Refused: callbacks were paused"),
        "not_callable": gettext("Missed calls from hidden, foreign or wrong numbers"),
        "placed": gettext("Callbacks made"),
        "answered": gettext("Answered by the caller"),
        "machine": gettext("Answered by voicemail (hung up at once)"),
        "busy": gettext("Busy"),
        "no_answer": gettext("Not answered"),
        "failed": gettext("Could not be made"),
        "retried": gettext("Tried a second time"),
        "given_up": gettext("Given up"),
        "place_failed": gettext("The phone company refused or did not answer"),
    }


@bp.app_context_processor
def _reach_helpers() -> dict[str, Any]:
    return {"destination_flags": destination_flags, "moment": moment}


def destination_flags() -> dict[str, Any]:
    """Flagged transfer numbers by id (two failed checks in a row, or not a valid number);
    empty where the checks cannot be read (a page must still show)."""
    try:
        return {d.number.id: d for d in _checks().flagged()}
    except Exception:  # noqa: BLE001 — a flag is extra information on another page
        current_app.logger.warning("destination flags not shown", exc_info=True)
        return {}


# -- callbacks ----------------------------------------------------------------------------------


@bp.get("/callbacks")
def callbacks() -> Any:
    service = _callbacks()
    now = time.time()
    periods = [
        (gettext("Last 24 hours"), service.queue.totals(now - 24 * 3600, now)),
        (gettext("Last 7 days"), service.queue.totals(now - 7 * 24 * 3600, now)),
        (gettext("Last 30 days"), service.queue.totals(now - 30 * 24 * 3600, now)),
    ]
    return render_template(
        "console/reach/callbacks.html",
        missing=service.missing(),
        limits=service.queue.limits(),
        waiting=service.queue.waiting(),
        periods=periods,
        events=event_names(),
        settings=current_app.config["SETTINGS"],
    )


def _whole(name: str, largest: int) -> int | None:
    value = request.form.get(name, "").strip()
    return int(value) if value.isdigit() and int(value) <= largest else None


@bp.post("/callbacks/limits")
def callback_limits() -> Any:
    per_number = _whole("per_number_day", 100)
    per_hour = _whole("per_hour", 10000)
    if per_number is None or per_hour is None:
        flash(gettext("Write whole numbers: at most 100 a day per caller, 10000 an hour."), "error")
        return redirect(url_for("console.callbacks"))
    paused = request.form.get("paused") == "1"
    _callbacks().queue.set_limits(
        paused=paused,
        per_number_day=per_number,
        per_hour=per_hour,
        author=_who(),
        now=time.time(),
    )
    current_app.logger.info("callback limits changed by %s", _who())
    if paused:
        flash(gettext("Callbacks are paused. Missed calls are still turned away for free."))
    else:
        flash(gettext("Saved. Callbacks are on."))
    return redirect(url_for("console.callbacks"))


# -- destinations and their hours ---------------------------------------------------------------


def _open_now(hours: Hours | None) -> bool | None:
    return is_open(hours, datetime.now(UTC))


@bp.get("/destinations")
def destinations() -> Any:
    checks = _checks()
    found = checks.destinations()
    return render_template(
        "console/reach/destinations.html",
        destinations=found,
        open_now={d.number.id: _open_now(d.number.hours) for d in found},
        weeks={d.number.id: week_of(d.number.hours) for d in found},
        results=result_names(),
        missing=checks.missing(),
        day_names=day_names(),
        every=current_app.config["SETTINGS"].destination_check_hours,
    )


@bp.post("/destinations/check")
def check_destinations() -> Any:
    asked = _checks().request(f"console: {_who()}", time.time())
    flash(
        gettext(
            "%(num)d checks asked for. Each number is called during its opening hours; the "
            "results appear here within a few minutes.",
            num=asked,
        )
    )
    return redirect(url_for("console.destinations"))


def week_of(hours: Hours | None) -> list[tuple[str, str]]:
    """(day name, "09:00-13:00, 14:00-17:00" or "" when closed) for a known week."""
    weekly = (hours.weekly if hours is not None else None) or {}
    return [(name, format_spans(weekly.get(i, ()))) for i, (_, name) in enumerate(day_names())]


def day_names() -> list[tuple[str, str]]:
    names = (
        gettext("Monday"),
        gettext("Tuesday"),
        gettext("Wednesday"),
        gettext("Thursday"),
        gettext("Friday"),
        gettext("Saturday"),
        gettext("Sunday"),
    )
    return list(zip(DAYS, names, strict=True))


def _number(number_id: str) -> Any:
    number = _pack().numbers.get(number_id)
    if number is None or not number.voice:
        abort(404)
    return number


def form_of(hours: Hours | None) -> dict[str, Any]:
    """The form's fields for these hours."""
    if hours is None:
        return {"zone": "", "place": "", "known": False, "closed": "", "open": ""}
    weekly = hours.weekly or {}
    fields: dict[str, Any] = {
        "zone": hours.zone,
        "place": hours.place,
        "known": hours.weekly is not None,
        "closed": "\n".join(d.isoformat() for d in sorted(hours.closed)),
        "open": "\n".join(
            f"{d.isoformat()} {format_spans(s)}" for d, s in sorted(hours.open.items())
        ),
    }
    for index, day in enumerate(DAYS):
        fields[day] = format_spans(weekly.get(index, ()))
    return fields


def read_form(form: Any) -> tuple[Hours | None, dict[str, Any], list[Refusal]]:
    """Hours from the form, the fields as typed (to show again), and what is wrong."""
    kept = {key: form.get(key, "").strip() for key in ("zone", "place", "closed", "open", *DAYS)}
    kept["known"] = form.get("known") == "1"
    problems: list[Refusal] = []
    zone = kept["zone"]
    if not zone:
        return None, kept, []  # no time zone: the hours are removed (unknown)
    try:
        ZoneInfo(zone)
    except (ValueError, KeyError, OSError):
        problems.append(Refusal(gettext("“%(zone)s” is not a time zone.", zone=zone), ""))
    weekly: dict[int, tuple] | None = None
    if kept["known"]:
        weekly = {}
        for index, (day, name) in enumerate(day_names()):
            text = kept[day]
            if not text or text.lower() in ("closed", "cerrado"):
                continue
            spans, why = parse_spans(text)
            if why:
                problems.append(Refusal(_times_refusal(name, text), why))
            else:
                weekly[index] = spans
    closed: set[date] = set()
    for line in kept["closed"].splitlines():
        if line.strip():
            try:
                closed.add(date.fromisoformat(line.strip()))
            except ValueError:
                problems.append(Refusal(_date_refusal(line.strip()), ""))
    opened: dict[date, tuple] = {}
    for line in kept["open"].splitlines():
        if not line.strip():
            continue
        match = LINE.match(line)
        try:
            day = date.fromisoformat(match[1]) if match else None
        except ValueError:
            day = None
        if day is None:
            problems.append(Refusal(_date_refusal(line.strip()), ""))
            continue
        spans, why = parse_spans(match[2])
        if why:
            problems.append(Refusal(_times_refusal(day.isoformat(), match[2]), why))
            continue
        opened[day] = spans
    if problems:
        return None, kept, problems
    hours = Hours(
        zone=zone,
        place=" ".join(kept["place"].split()) or default_place(zone),
        weekly=frozen_map(weekly) if weekly is not None else None,
        closed=frozenset(closed),
        open=frozen_map(opened),
    )
    return hours, kept, []


def _times_refusal(day: str, text: str) -> str:
    return gettext(
        "%(day)s: “%(text)s” is not an opening time. Write it like 09:00-13:00, 14:00-17:30 "
        "(on the hour, or at :15, :30 or :45).",
        day=day,
        text=text,
    )


def _date_refusal(text: str) -> str:
    return gettext("“%(text)s” is not a date. Write it like 2026-12-25.", text=text)


def _hours_page(number: Any, kept: dict[str, Any], problems: list, status: int = 200) -> Any:
    pack = _pack()
    return render_template(
        "console/reach/hours.html",
        number=number,
        org=pack.organizations[number.org].name if number.org in pack.organizations else "",
        kept=kept,
        problems=problems,
        zones=ZONES,
        day_names=day_names(),
    ), status


@bp.get("/destinations/<number_id>/hours")
def hours(number_id: str) -> Any:
    number = _number(number_id)
    return _hours_page(number, form_of(number.hours), [])


@bp.post("/destinations/<number_id>/hours")
def save_hours(number_id: str) -> Any:
    number = _number(number_id)
    hours_, kept, problems = read_form(request.form)
    if problems:
        return _hours_page(number, kept, problems, 422)
    try:
        version = current_app.extensions["publisher"].set_hours(number_id, hours_, author=_who())
    except (ContentError, KeyError, ValueError) as exc:
        return _hours_page(number, kept, refusals(exc, _pack()), 422)
    flash(
        gettext(
            "Opening hours saved (version %(id)s). Callers hear them from the next call; to "
            "undo it, go back a version.",
            id=version.id,
        )
    )
    return redirect(url_for("console.destinations") + f"#number-{number_id}")
