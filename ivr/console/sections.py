"""How old each section's facts are, and "checked today" (#10: the line says how old its facts
are). A section's `checked` date is data in the pack (flow.yaml); callers hear it, and past
FACTS_MAX_AGE_DAYS they also hear that things may have changed. Marking a section checked is a
published change like any other: a new version, in the audit log, undoable from Versions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import format_date, gettext

from .common import flash_at
from .pages import _names, _who, live_pack, publisher
from .web import bp


@dataclass(frozen=True)
class Section:
    node: str
    name: str
    checked: date
    age_days: int
    old: bool  # callers also hear that things may have changed


def hotline_today() -> date:
    """Today where the hotline is (HOTLINE_TIMEZONE), not in UTC."""
    zone = ZoneInfo(current_app.config["SETTINGS"].hotline_timezone)
    return datetime.now(zone).date()


def dated_sections(today: date) -> list[Section]:
    """Every section of the live pack that carries a date, oldest facts first."""
    pack = live_pack()
    limit = current_app.config["SETTINGS"].facts_max_age_days
    names = _names()
    found = []
    for node_id, node in pack.flow.nodes.items():
        if not getattr(node, "checked", None):
            continue
        checked = date.fromisoformat(str(node.checked))
        age = (today - checked).days
        found.append(Section(node_id, names.title(node_id), checked, age, age > limit))
    return sorted(found, key=lambda s: (s.checked, s.name))


@bp.get("/sections")
def sections() -> Any:
    today = hotline_today()
    found = dated_sections(today)
    return render_template(
        "console/sections.html",
        sections=found,
        anchors={f"section-{s.node}" for s in found},
        limit=current_app.config["SETTINGS"].facts_max_age_days,
        today=format_date(today, "long"),
        long_date=lambda d: format_date(d, "long"),
    )


@bp.post("/sections/<node_id>/checked")
def mark_checked(node_id: str) -> Any:
    today = hotline_today()
    known = {s.node: s for s in dated_sections(today)}
    if node_id not in known:
        flash(gettext("That part of the call has no date to update."), "error")
        return redirect(url_for("console.sections"))
    version = publisher().mark_checked(node_id, author=_who(), day=today)
    flash_at(
        f"section-{node_id}",
        gettext(
            "Callers now hear that “%(name)s” was checked on %(day)s (version %(id)s). "
            "To undo it, go back a version.",
            name=known[node_id].name,
            day=format_date(today, "long"),
            id=version.id,
        ),
    )
    return redirect(url_for("console.sections") + f"#section-{node_id}")
