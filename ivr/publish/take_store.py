"""Takes and skips in the database: a take's life from ``pending`` to ``draft``, and reading them.

Takes are checked (ivr/audio/takes.py) and kept in the database (table ``voice_takes``):
``pending`` while the speaker hears it back, ``draft`` once kept, ``published`` once the
speaker or an editor publishes the session (ivr/publish/spliced_prompts.py). Where a speaker
stopped is what they have not kept yet, so the session resumes on any device; skipped clips
(table ``voice_progress``) come back once the rest are done.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ..audio.manifest import utc_now
from ..audio.takes import CheckedTake
from ..db import Database
from ..db.schema import voice_progress, voice_takes
from .recording_session import Item

STATUSES = ("pending", "draft", "published")
KEPT = ("draft", "published")
#: A phone or browser take nobody kept or dropped (the call ended) is forgotten after this.
PENDING_FOR = timedelta(hours=6)


@dataclass(frozen=True)
class Take:
    id: str
    lang: str
    clip: str
    words: str
    author: str
    via: str
    status: str
    created: str
    duration: float
    checks: dict[str, Any]
    version_id: int | None


class TakeStore:
    """The takes half of :class:`~ivr.publish.studio.Studio` (which sets ``db``)."""

    db: Database
    # Studio's: a take is checked against its clip in the live session before it is stored.
    check: Callable[[str, str, bytes], tuple[Item, CheckedTake]]

    def kept_clips(self, lang: str) -> set[str]:
        with self.db.connect() as conn:
            return set(
                conn.execute(
                    sa.select(voice_takes.c.clip).where(
                        voice_takes.c.lang == lang, voice_takes.c.status.in_(KEPT)
                    )
                ).scalars()
            )

    def skipped(self, lang: str, speaker: str) -> list[str]:
        with self.db.connect() as conn:
            row = conn.execute(
                sa.select(voice_progress.c.skipped).where(
                    voice_progress.c.name == speaker, voice_progress.c.lang == lang
                )
            ).first()
        return list(row[0]) if row else []

    def skip(self, lang: str, speaker: str, clip_key: str) -> None:
        """Put a clip aside for this speaker: it comes back when the rest is done."""
        skipped = [k for k in self.skipped(lang, speaker) if k != clip_key] + [clip_key]
        values = {"skipped": skipped, "updated": utc_now()}
        with self.db.begin() as conn:
            done = conn.execute(
                sa.update(voice_progress)
                .where(voice_progress.c.name == speaker, voice_progress.c.lang == lang)
                .values(**values)
            )
            if not done.rowcount:
                conn.execute(sa.insert(voice_progress).values(name=speaker, lang=lang, **values))

    def add_take(self, lang: str, clip_key: str, data: bytes, *, author: str, via: str) -> Take:
        """Check a take and keep it as ``pending``: the speaker hears it back, then keeps
        it (:meth:`keep`) or not (:meth:`drop`). Raises TakeRefused or KeyError."""
        if via not in ("browser", "phone"):
            raise ValueError(f"unknown way of recording {via!r}")
        item, checked = self.check(lang, clip_key, data)
        take_id = secrets.token_hex(8)
        now = utc_now()
        cutoff = (datetime.now(UTC) - PENDING_FOR).isoformat(timespec="seconds")
        with self.db.begin() as conn:
            conn.execute(
                sa.delete(voice_takes).where(
                    voice_takes.c.status == "pending",
                    voice_takes.c.created < cutoff.replace("+00:00", "Z"),
                )
            )
            conn.execute(
                sa.insert(voice_takes).values(
                    id=take_id,
                    lang=lang,
                    clip=clip_key,
                    words=item.clip.spoken,
                    author=author,
                    via=via,
                    status="pending",
                    created=now,
                    duration=checked.audio.duration,
                    checks=checked.report(),
                    version_id=None,
                    data=checked.audio.data,
                )
            )
        return self.take(take_id)

    def keep(self, take_id: str, *, author: str) -> Take:
        """A pending take becomes a draft (the speaker's earlier draft of that clip goes).
        KeyError if there is no such pending take of ``author``."""
        take = self.take(take_id)
        if take.status != "pending" or take.author != author:
            raise KeyError(f"no pending take {take_id!r} of {author!r}")
        with self.db.begin() as conn:
            conn.execute(
                sa.delete(voice_takes).where(
                    voice_takes.c.lang == take.lang,
                    voice_takes.c.clip == take.clip,
                    voice_takes.c.author == author,
                    voice_takes.c.status == "draft",
                )
            )
            conn.execute(
                sa.update(voice_takes).where(voice_takes.c.id == take_id).values(status="draft")
            )
            self._unskip(conn, take.lang, author, take.clip)
        return self.take(take_id)

    def drop(self, take_id: str, *, author: str | None = None) -> bool:
        """Forget a take that is not published (the speaker's own, unless ``author`` is
        None: an editor). False if there was none."""
        query = sa.delete(voice_takes).where(
            voice_takes.c.id == take_id, voice_takes.c.status != "published"
        )
        if author is not None:
            query = query.where(voice_takes.c.author == author)
        with self.db.begin() as conn:
            return bool(conn.execute(query).rowcount)

    def _unskip(self, conn: sa.Connection, lang: str, speaker: str, clip_key: str) -> None:
        row = conn.execute(
            sa.select(voice_progress.c.skipped).where(
                voice_progress.c.name == speaker, voice_progress.c.lang == lang
            )
        ).first()
        if row and clip_key in row[0]:
            conn.execute(
                sa.update(voice_progress)
                .where(voice_progress.c.name == speaker, voice_progress.c.lang == lang)
                .values(skipped=[k for k in row[0] if k != clip_key], updated=utc_now())
            )

    def take(self, take_id: str) -> Take:
        with self.db.connect() as conn:
            row = conn.execute(
                sa.select(*_TAKE_COLUMNS).where(voice_takes.c.id == str(take_id)[:16])
            ).first()
        if row is None:
            raise KeyError(f"no take {take_id!r}")
        return _take(row)

    def take_audio(self, take_id: str) -> bytes:
        with self.db.connect() as conn:
            data = conn.execute(
                sa.select(voice_takes.c.data).where(voice_takes.c.id == str(take_id)[:16])
            ).scalar()
        if data is None:
            raise KeyError(f"no take {take_id!r}")
        return bytes(data)

    def takes(
        self, lang: str, *, status: str | None = None, author: str | None = None
    ) -> list[Take]:
        """Takes of a language, newest first."""
        query = sa.select(*_TAKE_COLUMNS).where(voice_takes.c.lang == lang)
        if status is not None:
            query = query.where(voice_takes.c.status == status)
        if author is not None:
            query = query.where(voice_takes.c.author == author)
        with self.db.connect() as conn:
            rows = conn.execute(query.order_by(voice_takes.c.created.desc())).all()
        return [_take(row) for row in rows]

    def _audio(self, ids: list[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        with self.db.connect() as conn:
            for start in range(0, len(ids), 200):
                chunk = ids[start : start + 200]
                for take_id, data in conn.execute(
                    sa.select(voice_takes.c.id, voice_takes.c.data).where(
                        voice_takes.c.id.in_(chunk)
                    )
                ):
                    found[take_id] = bytes(data)
        return found

    def _takes_by_id(self, ids: set[str]) -> list[Take]:
        if not ids:
            return []
        with self.db.connect() as conn:
            rows = conn.execute(
                sa.select(*_TAKE_COLUMNS).where(voice_takes.c.id.in_(sorted(ids)))
            ).all()
        return [_take(row) for row in rows]


_TAKE_COLUMNS = [c for c in voice_takes.c if c.name != "data"]


def _take(row: Any) -> Take:
    return Take(
        id=row.id,
        lang=row.lang,
        clip=row.clip,
        words=row.words,
        author=row.author,
        via=row.via,
        status=row.status,
        created=row.created,
        duration=float(row.duration),
        checks=dict(row.checks or {}),
        version_id=row.version_id,
    )
