"""Translation review: native speakers' marks on the written words (table ``reviews``), and
who last wrote each prompt's words from the console.

A mark is keyed by the sha256 of the written words it was given for, so editing the text
leaves the mark behind: the new words show as "not reviewed yet" with no extra bookkeeping.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..audio.manifest import text_sha256, utc_now
from ..db.schema import reviews
from .audit import clip
from .models import AuditEntry
from .transaction import Transaction

#: Audit actions that write a prompt's words ("restore_audio" only when its summary says so).
_WRITES_WORDS = ("set_text", "undo_version")


@dataclass(frozen=True)
class Review:
    lang: str
    prompt_id: str
    reviewer: str
    reviewed_at: str  # UTC, ISO 8601


class Reviews:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def mark_reviewed(self, lang: str, prompt_id: str, *, reviewer: str) -> Review:
        """Record that ``reviewer`` (a native speaker) checked the prompt's current written
        words, in the audit log too (again: the newer mark wins). An edit to the words leaves
        the mark behind. KeyError for an unknown language or prompt (or one spoken from the
        directory)."""
        if not reviewer or not reviewer.strip():
            raise ValueError("a review needs the reviewer's name")
        text = self.tx.pack().raw_texts(lang)[prompt_id]
        review = Review(lang, prompt_id, reviewer, utc_now())
        sha = text_sha256(text)
        key = (reviews.c.lang == lang, reviews.c.prompt_id == prompt_id)
        with self.tx.db.begin() as conn:
            conn.execute(sa.delete(reviews).where(*key, reviews.c.text_sha256 == sha))
            conn.execute(
                sa.insert(reviews).values(
                    lang=lang,
                    prompt_id=prompt_id,
                    text_sha256=sha,
                    reviewer=reviewer,
                    reviewed_at=review.reviewed_at,
                )
            )
            self.tx.audit.record(
                who=reviewer,
                action="mark_reviewed",
                what=f"{lang} {prompt_id}",
                summary=clip(text),
                conn=conn,
            )
        return review

    def reviews(self) -> dict[tuple[str, str], Review]:
        """(lang, prompt id) -> who reviewed the live words and when (absent: not yet)."""
        pack = self.tx.pack()
        wanted = {
            (language.code, pid): text_sha256(text)
            for language in pack.languages
            for pid, text in pack.raw_texts(language.code).items()
        }
        with self.tx.db.connect() as conn:
            rows = conn.execute(sa.select(reviews)).all()
        found: dict[tuple[str, str], Review] = {}
        for row in rows:
            key = (row.lang, row.prompt_id)
            if wanted.get(key) == row.text_sha256:
                found[key] = Review(row.lang, row.prompt_id, row.reviewer, row.reviewed_at)
        return found

    def text_writers(self) -> dict[tuple[str, str], AuditEntry]:
        """(lang, prompt id) -> the latest audit entry that wrote its words from the console
        (absent: the words came with the installation)."""
        found: dict[tuple[str, str], AuditEntry] = {}
        for entry in self.tx.audit.latest(limit=1_000_000):
            wrote = entry.action in _WRITES_WORDS or (
                entry.action == "restore_audio" and "; text " in entry.summary
            )
            lang, _, pid = entry.what.partition(" ")
            if wrote and pid and " " not in pid:
                found.setdefault((lang, pid), entry)
        return found
