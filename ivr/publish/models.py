"""What the publisher hands the console: plain, immutable records (no storage handles)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Version:
    """One published state of the line: the whole content pack plus its audio manifest."""

    id: str  # "1", "2", ... in publishing order
    created: str  # UTC, ISO 8601 ("2026-11-23T17:30:00Z")
    author: str  # staff username, or "seed" for `content publish-seed` without a name
    summary: str  # one line: what changed, e.g. "es main.repeat: text edited"
    live: bool = False


@dataclass(frozen=True)
class Draft:
    """A staff recording converted for the phone, waiting for Publish; nothing live changed."""

    id: str
    lang: str
    prompt_id: str
    duration: float  # seconds
    preview_path: Path  # the processed WAV, exactly what callers would hear


@dataclass(frozen=True)
class AudioVersion:
    """One audio file a prompt has had (in any version)."""

    file: str  # "<prompt id>.<hash>.wav", also its URL name under /audio/<lang>/
    source: str  # "tts:espeak:es-419@145wpm" or "staff:<username>"
    created: str  # UTC, ISO 8601
    text: str  # the words it speaks
    live: bool  # the live version plays it (when its text is current)


@dataclass(frozen=True)
class AuditEntry:
    """A staff action. Never caller data."""

    when: str  # UTC, ISO 8601
    who: str  # staff username
    action: str  # "set_text", "set_number", "publish_recording", "restore_version", ...
    what: str  # "es main.repeat", "number unhcr_whatsapp", "version 7"
    summary: str  # short before → after
    version: str | None = None  # the version the action published, if any


@dataclass(frozen=True)
class Change:
    """One thing a version changed compared with its parent."""

    kind: str  # "text" | "number" | "organization" | "audio" | "other"
    lang: str | None  # for texts and audio
    target: str  # prompt id, number id, organization id, or a pack file name ("other")
    before: Any  # the text, the number's fields, the audio file name; None if it was absent
    after: Any
