"""What one version changed compared with its parent, in staff's terms (texts, numbers,
organizations, audio), for the console's history and undo."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from ..audio.manifest import Manifest
from ..content.files import DIRECTORY, TEXT_DIR
from .models import Change


def _yaml(data: bytes) -> Any:
    try:
        return yaml.safe_load(data) or {}
    except yaml.YAMLError:
        return None


def _numbers(directory: Mapping[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for org in (directory.get("organizations") or {}).values():
        if isinstance(org, Mapping):
            found.update(org.get("numbers") or {})
    return found


def _organizations(directory: Mapping[str, Any]) -> dict[str, Any]:
    return {
        org_id: {k: v for k, v in org.items() if k != "numbers"}
        for org_id, org in (directory.get("organizations") or {}).items()
        if isinstance(org, Mapping)
    }


def _compare(kind: str, lang: str | None, before: Mapping, after: Mapping) -> list[Change]:
    return [
        Change(kind, lang, key, before.get(key), after.get(key))
        for key in sorted(set(before) | set(after), key=str)
        if before.get(key) != after.get(key)
    ]


def diff(
    old_files: Mapping[str, bytes],
    new_files: Mapping[str, bytes],
    old_manifest: Manifest,
    new_manifest: Manifest,
) -> list[Change]:
    changes: list[Change] = []
    for name in sorted(set(old_files) | set(new_files)):
        before, after = old_files.get(name), new_files.get(name)
        if before == after:
            continue
        old = _yaml(before) if before is not None else None
        new = _yaml(after) if after is not None else None
        if isinstance(old, Mapping) and isinstance(new, Mapping):
            if name.startswith(f"{TEXT_DIR}/") and name.endswith(".yaml"):
                lang = name[len(TEXT_DIR) + 1 : -len(".yaml")]
                changes += _compare("text", lang, old, new)
                continue
            if name == DIRECTORY:
                found = _compare("number", None, _numbers(old), _numbers(new))
                found += _compare("organization", None, _organizations(old), _organizations(new))
                rest_old = {k: v for k, v in old.items() if k != "organizations"}
                rest_new = {k: v for k, v in new.items() if k != "organizations"}
                if rest_old != rest_new or not found:
                    found.append(Change("other", None, name, None, None))
                changes += found
                continue
        changes.append(Change("other", None, name, None, None))
    for key in sorted(set(old_manifest.entries) | set(new_manifest.entries)):
        before_entry, after_entry = old_manifest.entries.get(key), new_manifest.entries.get(key)
        before_file = before_entry.file if before_entry else None
        after_file = after_entry.file if after_entry else None
        if before_file != after_file:
            changes.append(Change("audio", key[0], key[1], before_file, after_file))
    return changes
