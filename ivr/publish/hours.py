"""Opening hours as a published change (issue 18): `hours:` of a number in directory.yaml,
validated with the rest of the pack, versioned, in the audit log, and undoable like any
other change of a number (its `hours` field is put back alone, see history.py).

Kept apart from publisher.py; ``Publisher.set_hours`` only hands over to ``set_hours`` here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from ..content.files import DIRECTORY
from ..content.hours import Hours, hours_yaml
from . import yamledit
from .audit import change
from .edits import Edit

HOURS_FIELD = "hours"


def _styled(value: Mapping[str, Any] | None) -> CommentedMap | None:
    """The mapping as people write it: zone and place first, each day's times quoted, the
    week and the one-off openings on one line each."""
    if value is None:
        return None
    out = CommentedMap()
    for key in ("zone", "place"):
        out[key] = value[key]
    for key in ("weekly", "open"):
        if key in value:
            inner = CommentedMap(
                (str(k), DoubleQuotedScalarString(v)) for k, v in value[key].items()
            )
            inner.fa.set_flow_style()
            out[key] = inner
    if "closed" in value:
        days = CommentedSeq(DoubleQuotedScalarString(d) for d in value["closed"])
        days.fa.set_flow_style()
        out["closed"] = days
    return out


def describe(value: Mapping[str, Any] | None) -> str:
    """'America/Tijuana (Tijuana); mon 09:00-17:00; closed 2026-12-25' for the history."""
    if not value:
        return "unknown"
    parts = [f"{value.get('zone')} ({value.get('place', '')})"]
    weekly = value.get("weekly")
    if weekly is None:
        parts.append("weekly hours unknown")
    else:
        parts += [f"{day} {times}" for day, times in weekly.items()] or ["closed every day"]
    if value.get("closed"):
        parts.append("closed " + ", ".join(str(d) for d in value["closed"]))
    for day, times in (value.get("open") or {}).items():
        parts.append(f"open {day} {times}")
    return "; ".join(parts)


def set_hours(files: Mapping[str, bytes], number_id: str, hours: Hours | None) -> Edit:
    """Set (or, with None, remove) a number's opening hours. KeyError for an unknown number;
    whether they are valid is the pack's validation's to say (ContentError)."""
    directory = yamledit.load(files[DIRECTORY])
    for org_id, org in (directory.get("organizations") or {}).items():
        if number_id in (org.get("numbers") or {}):
            path = ["organizations", org_id, "numbers", number_id]
            break
    else:
        raise KeyError(f"no number {number_id!r} in {DIRECTORY}")
    value = hours_yaml(hours)
    new, before = yamledit.set_values(files[DIRECTORY], path, {HOURS_FIELD: _styled(value)})
    old = before[HOURS_FIELD]
    summary = change(describe(old), describe(value))
    return Edit({**files, DIRECTORY: new}, f"hours {number_id}", summary)
