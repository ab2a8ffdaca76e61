"""Edits to a pack's files, as pure functions: files in, changed files and a summary out.

They find the key to change and refuse unknown ids or fields; whether the result is a valid
pack is checked afterwards by the same validation as ``python -m ivr validate``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..content.files import DIRECTORY, FLOW, text_file
from . import yamledit
from .audit import change

NUMBER_FIELDS = ("e164", "channels", "dial_from", "label", "source", "decision")
ORGANIZATION_FIELDS = ("name", "region", "helps", "sources", "links", "decision")
# Derived prompts: spoken from the directory's number, not written in text/<lang>.yaml.
DERIVED_PREFIX = "number."


@dataclass(frozen=True)
class Edit:
    files: dict[str, bytes]
    what: str  # "es main.repeat", "number unhcr_whatsapp"
    summary: str  # "before → after"


def set_text(files: Mapping[str, bytes], lang: str, prompt_id: str, text: str) -> Edit:
    name = text_file(lang)
    if name not in files:
        known = sorted(
            n.removeprefix("text/").removesuffix(".yaml") for n in files if n.startswith("text/")
        )
        raise KeyError(f"unknown language {lang!r} (known: {', '.join(known)})")
    if prompt_id.startswith(DERIVED_PREFIX) and prompt_id not in yamledit.load(files[name]):
        raise KeyError(f"{prompt_id} is spoken from directory.yaml; change the number, not a text")
    # Whitespace is not meaningful to the line (the loader joins words with one space).
    text = " ".join(str(text).split())
    try:
        new, before = yamledit.set_values(files[name], [], {prompt_id: text}, must_exist=True)
    except KeyError:
        raise KeyError(f"no prompt {prompt_id!r} in {name}") from None
    return Edit({**files, name: new}, f"{lang} {prompt_id}", change(before[prompt_id], text))


def set_number(files: Mapping[str, bytes], number_id: str, fields: Mapping[str, Any]) -> Edit:
    _known_fields(fields, NUMBER_FIELDS, "a number")
    directory = yamledit.load(files[DIRECTORY])
    for org_id, org in (directory.get("organizations") or {}).items():
        if number_id in (org.get("numbers") or {}):
            path = ["organizations", org_id, "numbers", number_id]
            break
    else:
        raise KeyError(f"no number {number_id!r} in {DIRECTORY}")
    values = {k: _listed(v) if k == "channels" else v for k, v in fields.items()}
    new, before = yamledit.set_values(files[DIRECTORY], path, values)
    return Edit({**files, DIRECTORY: new}, f"number {number_id}", _summary(before, values))


def set_organization(files: Mapping[str, bytes], org_id: str, fields: Mapping[str, Any]) -> Edit:
    _known_fields(fields, ORGANIZATION_FIELDS, "an organization")
    directory = yamledit.load(files[DIRECTORY])
    if org_id not in (directory.get("organizations") or {}):
        raise KeyError(f"no organization {org_id!r} in {DIRECTORY}")
    values = {k: _listed(v) if k in ("sources", "links") else v for k, v in fields.items()}
    new, before = yamledit.set_values(files[DIRECTORY], ["organizations", org_id], values)
    return Edit({**files, DIRECTORY: new}, f"organization {org_id}", _summary(before, values))


def set_checked(files: Mapping[str, bytes], section: str, day: date | str) -> Edit:
    """Mark a section's facts as checked on ``day``: flow.yaml ``nodes.<node>.checked``.

    ``section`` is the node id or the situation's name ("active MPP case"). KeyError for an
    unknown or undated section (only sections that carry a date can be re-dated), ValueError
    for a day that is not a date.
    """
    checked = day if isinstance(day, date) else date.fromisoformat(str(day))
    flow = yamledit.load(files[FLOW])
    nodes = flow.get("nodes") or {}
    node_id = section if section in nodes else None
    if node_id is None:
        node_id = next(
            (nid for nid, node in nodes.items() if (node or {}).get("situation") == section), None
        )
    if node_id is None:
        raise KeyError(f"no section {section!r} in {FLOW}")
    if "checked" not in (nodes[node_id] or {}):
        raise KeyError(f"section {node_id!r} carries no `checked` date in {FLOW}")
    new, before = yamledit.set_values(files[FLOW], ["nodes", node_id], {"checked": checked})
    old = before["checked"]
    return Edit(
        {**files, FLOW: new},
        f"checked {node_id}",
        change(str(old) if old is not None else None, checked.isoformat()),
    )


def _known_fields(fields: Mapping[str, Any], known: tuple[str, ...], what: str) -> None:
    if not fields:
        raise ValueError(f"nothing to change: give one of {', '.join(known)}")
    unknown = sorted(set(fields) - set(known))
    if unknown:
        raise ValueError(
            f"{', '.join(unknown)} is not a field of {what} (fields: {', '.join(known)})"
        )


def _listed(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value  # a string where a list belongs is left for validation to name
    if isinstance(value, set | frozenset):
        return sorted(value)  # a stable order in the file
    return list(value) if isinstance(value, Iterable) else value


def _summary(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    return "; ".join(f"{key}: {change(before.get(key), after[key])}" for key in after)
