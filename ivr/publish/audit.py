"""The audit log: an append-only list of staff actions, one JSON object a line, in storage.

It records who did what to the content, never anything about callers.
"""

from __future__ import annotations

import json
import logging

from ..audio.manifest import utc_now
from .models import AuditEntry
from .storage import Storage

log = logging.getLogger(__name__)

AUDIT = "audit.jsonl"
SUMMARY_CHARS = 60  # each side of "before → after"


def clip(value: object, limit: int = SUMMARY_CHARS) -> str:
    text = " ".join(str(value).split()) if value is not None else "–"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def change(before: object, after: object) -> str:
    """A short "before → after" for the log."""
    return f"{clip(before)} → {clip(after)}"


class AuditLog:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def record(
        self, *, who: str, action: str, what: str, summary: str, version: str | None = None
    ) -> AuditEntry:
        entry = AuditEntry(
            when=utc_now(), who=who, action=action, what=what, summary=summary, version=version
        )
        line = json.dumps(entry.__dict__, ensure_ascii=False, sort_keys=True) + "\n"
        self.storage.append(AUDIT, line.encode("utf-8"))
        return entry

    def latest(self, limit: int = 200) -> list[AuditEntry]:
        """The newest ``limit`` entries, newest first."""
        try:
            raw = self.storage.read(AUDIT).decode("utf-8")
        except FileNotFoundError:
            return []
        entries = []
        for line in reversed(raw.splitlines()):
            if len(entries) >= limit:
                break
            try:
                entries.append(AuditEntry(**json.loads(line)))
            except (ValueError, TypeError):
                log.warning("skipping an unreadable audit line")  # never lose the others
        return entries
