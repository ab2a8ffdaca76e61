"""Native speakers' review marks on translations (table ``reviews``).

A mark is keyed by the sha256 of the written words it was given for, so editing the text
leaves the mark behind: the new words show as "not reviewed yet" with no extra bookkeeping.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from ..audio.manifest import text_sha256, utc_now
from ..db import Database
from ..db.schema import reviews


@dataclass(frozen=True)
class Review:
    lang: str
    prompt_id: str
    reviewer: str
    reviewed_at: str  # UTC, ISO 8601


class Reviews:
    def __init__(self, db: Database) -> None:
        self.db = db

    def mark(
        self, lang: str, prompt_id: str, text: str, reviewer: str, conn: sa.Connection
    ) -> Review:
        """Record that ``reviewer`` checked these exact words (again: the newer mark wins)."""
        review = Review(lang, prompt_id, reviewer, utc_now())
        sha = text_sha256(text)
        key = (reviews.c.lang == lang, reviews.c.prompt_id == prompt_id)
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
        return review

    def current(self, texts: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str], Review]:
        """(lang, prompt id) -> the review of the words given as (lang, prompt id, text),
        for those a reviewer checked."""
        wanted = {(lang, pid): text_sha256(text) for lang, pid, text in texts}
        with self.db.connect() as conn:
            rows = conn.execute(sa.select(reviews)).all()
        found: dict[tuple[str, str], Review] = {}
        for row in rows:
            key = (row.lang, row.prompt_id)
            if wanted.get(key) == row.text_sha256:
                found[key] = Review(row.lang, row.prompt_id, row.reviewer, row.reviewed_at)
        return found
