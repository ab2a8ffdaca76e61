"""The audit log: who did what to the content, one row per staff action (table ``audit``).

Publishing writes its row in the same transaction as the version and the live pointer, so a
live version nobody is recorded as publishing cannot exist. Nothing about callers goes here.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..audio.manifest import utc_now
from ..db import Database
from ..db.schema import audit
from .models import AuditEntry

SUMMARY_CHARS = 60  # each side of "before → after"


def clip(value: object, limit: int = SUMMARY_CHARS) -> str:
    text = " ".join(str(value).split()) if value is not None else "–"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def change(before: object, after: object) -> str:
    """A short "before → after" for the log."""
    return f"{clip(before)} → {clip(after)}"


class AuditLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(
        self,
        *,
        who: str,
        action: str,
        what: str,
        summary: str,
        version: str | None = None,
        conn: sa.Connection | None = None,
    ) -> AuditEntry:
        """Add an entry; inside ``conn``'s transaction when given (a publish)."""
        entry = AuditEntry(
            when=utc_now(), who=who, action=action, what=what, summary=summary, version=version
        )
        if conn is None:
            with self.db.begin() as conn:
                return self.record(
                    who=who, action=action, what=what, summary=summary, version=version, conn=conn
                )
        conn.execute(
            sa.insert(audit).values(
                at=entry.when,
                who=who,
                action=action,
                what=what,
                summary=summary,
                version_id=int(version) if version is not None else None,
            )
        )
        return entry

    def latest(self, limit: int = 200) -> list[AuditEntry]:
        """The newest ``limit`` entries, newest first."""
        with self.db.connect() as conn:
            rows = conn.execute(sa.select(audit).order_by(audit.c.id.desc()).limit(limit)).all()
        return [
            AuditEntry(
                when=row.at,
                who=row.who,
                action=row.action,
                what=row.what,
                summary=row.summary,
                version=str(row.version_id) if row.version_id is not None else None,
            )
            for row in rows
        ]
