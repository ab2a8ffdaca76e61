"""Words and numbers staff saved as drafts: kept in the database (table ``text_drafts``) so
every staffer on every machine sees them, and never read by the line until published.

One draft per prompt-and-language (or per number): saving again replaces it.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..audio.manifest import utc_now
from ..db import Database
from ..db.schema import text_drafts

KINDS = ("text", "number")
_ID = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True)
class TextDraft:
    """A text (``value["text"]``) or number fields (``value``: e164, label, ...) not yet live."""

    id: str
    kind: str  # "text" | "number"
    target: str  # prompt id or number id
    lang: str | None  # for a text
    value: dict[str, Any]
    author: str
    created: str  # UTC, ISO 8601


def _draft(row: sa.Row) -> TextDraft:
    return TextDraft(
        row.id, row.kind, row.target, row.lang, dict(row.value), row.author, row.created
    )


class TextDrafts:
    def __init__(self, db: Database) -> None:
        self.db = db

    def save(
        self, kind: str, target: str, lang: str | None, value: dict[str, Any], *, author: str
    ) -> TextDraft:
        if kind not in KINDS:
            raise ValueError(f"a draft is a text or a number, not {kind!r}")
        draft = TextDraft(secrets.token_hex(8), kind, target, lang, value, author, utc_now())
        with self.db.begin() as conn:
            conn.execute(sa.delete(text_drafts).where(*self._same(kind, target, lang)))
            conn.execute(
                sa.insert(text_drafts).values(
                    id=draft.id,
                    kind=kind,
                    target=target,
                    lang=lang,
                    value=value,
                    author=author,
                    created=draft.created,
                )
            )
        return draft

    @staticmethod
    def _same(kind: str, target: str, lang: str | None) -> list[Any]:
        lang_is = text_drafts.c.lang.is_(None) if lang is None else text_drafts.c.lang == lang
        return [text_drafts.c.kind == kind, text_drafts.c.target == target, lang_is]

    def get(self, draft_id: str) -> TextDraft:
        """KeyError if there is no such draft (published, discarded, or never saved)."""
        if not _ID.fullmatch(str(draft_id)):
            raise KeyError(f"no draft {draft_id!r}")
        with self.db.connect() as conn:
            row = conn.execute(
                sa.select(text_drafts).where(text_drafts.c.id == draft_id)
            ).one_or_none()
        if row is None:
            raise KeyError(f"no draft {draft_id!r}")
        return _draft(row)

    def find(self, kind: str, target: str, lang: str | None = None) -> TextDraft | None:
        with self.db.connect() as conn:
            row = conn.execute(
                sa.select(text_drafts).where(*self._same(kind, target, lang))
            ).first()
        return _draft(row) if row is not None else None

    def all(self) -> list[TextDraft]:
        """Every draft, newest first."""
        with self.db.connect() as conn:
            rows = conn.execute(
                sa.select(text_drafts).order_by(text_drafts.c.created.desc(), text_drafts.c.id)
            ).all()
        return [_draft(row) for row in rows]

    def discard(self, draft_id: str) -> bool:
        """True if it was there."""
        with self.db.begin() as conn:
            done = conn.execute(sa.delete(text_drafts).where(text_drafts.c.id == draft_id))
        return bool(done.rowcount)
