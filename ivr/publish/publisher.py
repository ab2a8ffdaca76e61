"""The one API the staff console calls to read and change what the line serves.

Every change makes a new immutable version (the whole pack plus its audio manifest), is
validated before anything is written, switches the live pointer atomically and is written
to the audit log. Nothing here knows about HTTP.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..content import ContentPack
from .models import AudioVersion, AuditEntry, Draft, Version


class Publisher:
    def pack(self) -> ContentPack:
        """The live pack (the seed `prompts/` until the first publish)."""
        raise NotImplementedError

    def live_version(self) -> Version | None:
        """The live version; None while the line still serves the seed."""
        raise NotImplementedError

    def set_text(self, lang: str, prompt_id: str, text: str, *, author: str) -> Version:
        """Publish a new text for one prompt in one language (comments and order of the
        YAML file are kept). Raises ContentError (nothing saved) if the pack would be invalid,
        KeyError for an unknown language or prompt (derived `number.*` prompts included: they
        are spoken from the directory)."""
        raise NotImplementedError

    def set_number(self, number_id: str, *, author: str, **fields: Any) -> Version:
        """Change a directory number: e164, channels, dial_from, label, source, decision.
        KeyError for an unknown number, ValueError for an unknown field, ContentError when the
        pack would be invalid (a bad E.164 included)."""
        raise NotImplementedError

    def set_organization(self, org_id: str, *, author: str, **fields: Any) -> Version:
        """Change an organization: name, region, helps, sources, links, decision."""
        raise NotImplementedError

    def rebuild_audio(self, lang: str, prompt_id: str, *, author: str) -> Version:
        """Synthesize the prompt's current text with TTS_ENGINE (the same pipeline as
        `flask audio build`) and publish it, replacing a staff recording too (staff asked)."""
        raise NotImplementedError

    def stage_recording(
        self, lang: str, prompt_id: str, data: bytes, filename: str, *, author: str
    ) -> Draft:
        """Convert an upload for the phone and keep it as a draft to preview; nothing live
        changes. Raises RecordingRejected naming what is wrong."""
        raise NotImplementedError

    def draft_audio(self, draft_id: str) -> Path:
        """The processed WAV of a draft (to serve the preview). KeyError if unknown."""
        raise NotImplementedError

    def publish_recording(self, draft_id: str, *, author: str) -> Version:
        """Publish a staged draft as the prompt's audio."""
        raise NotImplementedError

    def audio_history(self, lang: str, prompt_id: str) -> list[AudioVersion]:
        """Every audio file this prompt has had in any version, newest first."""
        raise NotImplementedError

    def restore_audio(self, lang: str, prompt_id: str, file: str, *, author: str) -> Version:
        """Publish an earlier audio file again, with the text it speaks (so it plays)."""
        raise NotImplementedError

    def versions(self) -> list[Version]:
        """Every published version, newest first."""
        raise NotImplementedError

    def restore_version(self, version_id: str, *, author: str) -> Version:
        """Publish a NEW version equal to `version_id` (history is never rewritten)."""
        raise NotImplementedError

    def audit_log(self, limit: int = 200) -> list[AuditEntry]:
        """The latest staff actions, newest first."""
        raise NotImplementedError

    def audio_path(self, lang: str, file: str) -> Path | None:
        """Where an audio file (published, or the seed's) is on disk; None if nowhere."""
        raise NotImplementedError
