"""Staff recordings converted for the phone and kept aside until someone presses Publish.

A draft is the exact file callers would hear, so the preview is honest. Drafts live in the
database (table ``drafts``), so any web worker on any machine can publish one another staged;
the preview file is a copy in the local cache.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from ..atomic import atomic_write
from ..audio.manifest import utc_now
from ..audio.pipeline import TelephonyAudio
from ..db import Database
from ..db.schema import drafts
from .models import Draft

_ID = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True)
class StagedRecording:
    """A draft and everything publishing it needs."""

    draft: Draft
    text: str  # the words it was recorded for (the prompt's text when it was staged)
    author: str
    original: str  # the uploaded file's name
    created: str
    data: bytes


class Drafts:
    def __init__(self, db: Database, cache_dir: Path) -> None:
        self.db = db
        self.cache_dir = Path(cache_dir)

    def stage(
        self,
        lang: str,
        prompt_id: str,
        text: str,
        audio: TelephonyAudio,
        *,
        author: str,
        original: str,
    ) -> Draft:
        draft_id = secrets.token_hex(8)
        with self.db.begin() as conn:
            conn.execute(
                sa.insert(drafts).values(
                    id=draft_id,
                    lang=lang,
                    prompt_id=prompt_id,
                    text=text,
                    duration=audio.duration,
                    author=author,
                    original=original,
                    created=utc_now(),
                    data=audio.data,
                )
            )
        return self.get(draft_id).draft

    def path(self, draft_id: str) -> Path:
        """The draft's processed WAV on this machine's disk. KeyError if there is no draft."""
        return self.get(draft_id).draft.preview_path

    def get(self, draft_id: str) -> StagedRecording:
        if not _ID.fullmatch(draft_id or ""):
            raise KeyError(f"no draft {draft_id!r}")
        with self.db.connect() as conn:
            row = conn.execute(sa.select(drafts).where(drafts.c.id == draft_id)).one_or_none()
        if row is None:
            raise KeyError(f"no draft {draft_id!r}")
        data = bytes(row.data)
        path = self.cache_dir / f"{draft_id}.wav"
        if not path.is_file():
            atomic_write(path, data)
        draft = Draft(
            id=draft_id,
            lang=row.lang,
            prompt_id=row.prompt_id,
            duration=float(row.duration),
            preview_path=path,
        )
        return StagedRecording(
            draft=draft,
            text=row.text,
            author=row.author,
            original=row.original,
            created=row.created,
            data=data,
        )
