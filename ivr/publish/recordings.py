"""Staff recordings: an upload converted for the phone, kept as a draft to hear, then published.

A draft is the exact file callers would hear, so the preview is honest. Drafts live in the
database (table ``drafts``), so any web worker on any machine can publish one another staged;
the preview file is a copy in the local cache. Nothing live changes until Publish.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from ..atomic import atomic_write
from ..audio.manifest import utc_now
from ..audio.pipeline import ACCEPTED_FORMATS, TelephonyAudio
from ..audio.recordings import RecordingRejected, convert_recording
from ..db.schema import drafts
from .models import Draft, Version
from .transaction import Transaction, spoken_text

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


class Recordings:
    def __init__(self, tx: Transaction, cache_dir: Path) -> None:
        """``cache_dir``: where this machine keeps the drafts' preview files."""
        self.tx = tx
        self.cache_dir = Path(cache_dir)

    def stage_recording(
        self, lang: str, prompt_id: str, data: bytes, filename: str, *, author: str
    ) -> Draft:
        """Convert an upload for the phone (the pydub pipeline of `flask audio import`) and
        keep it as a draft to preview; nothing live changes. Raises RecordingRejected naming
        the file and what is wrong."""
        name = Path(filename or "upload").name
        suffix = Path(name).suffix.lower().lstrip(".")
        if suffix and suffix not in ACCEPTED_FORMATS:
            raise RecordingRejected(
                f"{name}: .{suffix} is not an audio format the line takes "
                f"({', '.join(ACCEPTED_FORMATS)}); the old audio is still in place"
            )
        text, audio = convert_recording(self.tx.pack(), lang, prompt_id, data, name)
        return self.stage(lang, prompt_id, text, audio, author=author, original=name)

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
        """Keep an already converted recording as a draft."""
        draft_id = secrets.token_hex(8)
        with self.tx.db.begin() as conn:
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

    def draft_audio(self, draft_id: str) -> Path:
        """The processed WAV of a draft on this machine's disk (to serve the preview).
        KeyError if there is no such draft."""
        return self.get(draft_id).draft.preview_path

    def get(self, draft_id: str) -> StagedRecording:
        """KeyError if there is no such draft."""
        if not _ID.fullmatch(draft_id or ""):
            raise KeyError(f"no draft {draft_id!r}")
        with self.tx.db.connect() as conn:
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

    def publish_recording(self, draft_id: str, *, author: str) -> Version:
        """Publish a staged draft as the prompt's audio. It speaks the text it was recorded
        for: if that text was edited since, it is published but shows (and plays) as stale."""
        staged = self.get(draft_id)
        draft = staged.draft
        spoken_text(self.tx.pack(), draft.lang, draft.prompt_id)  # the prompt must still exist
        source = {"kind": "staff", "by": staged.author, "original": staged.original}
        entry = self.tx.store_audio(
            draft.lang, draft.prompt_id, staged.text, staged.data, source, draft.duration
        )
        return self.tx.publish_audio(
            author, "publish_recording", entry, f"recording {staged.original} by {staged.author}"
        )
