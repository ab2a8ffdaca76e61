"""Staff recordings converted for the phone and kept aside until someone presses Publish.

A draft is the exact file callers would hear, so the preview is honest. Drafts live in storage
(``drafts/<id>/audio.wav`` and ``draft.json``), so any web worker can publish one another
worker staged.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from ..audio.manifest import utc_now
from ..audio.pipeline import TelephonyAudio
from .models import Draft
from .storage import Storage

DRAFTS = "drafts"
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
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

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
        prefix = f"{DRAFTS}/{draft_id}"
        self.storage.create(f"{prefix}/audio.wav", audio.data)
        meta = {
            "lang": lang,
            "prompt_id": prompt_id,
            "text": text,
            "duration": audio.duration,
            "author": author,
            "original": original,
            "created": utc_now(),
        }
        self.storage.create(f"{prefix}/draft.json", json.dumps(meta, ensure_ascii=False).encode())
        return self.get(draft_id).draft

    def path(self, draft_id: str) -> Path:
        """The draft's processed WAV on disk. KeyError if there is no such draft."""
        if not _ID.fullmatch(draft_id or ""):
            raise KeyError(f"no draft {draft_id!r}")
        path = self.storage.local_path(f"{DRAFTS}/{draft_id}/audio.wav")
        if path is None:
            raise KeyError(f"no draft {draft_id!r}")
        return path

    def get(self, draft_id: str) -> StagedRecording:
        path = self.path(draft_id)
        try:
            meta = json.loads(self.storage.read(f"{DRAFTS}/{draft_id}/draft.json"))
        except FileNotFoundError:  # staged this very moment, or a stage that crashed
            raise KeyError(f"no draft {draft_id!r}") from None
        draft = Draft(
            id=draft_id,
            lang=meta["lang"],
            prompt_id=meta["prompt_id"],
            duration=float(meta["duration"]),
            preview_path=path,
        )
        return StagedRecording(
            draft=draft,
            text=meta["text"],
            author=meta["author"],
            original=meta["original"],
            created=meta["created"],
            data=path.read_bytes(),
        )
