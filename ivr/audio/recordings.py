"""Staff recordings: validate, convert through the same pipeline, publish atomically.

A recording is published for the prompt's *current* text: staff record what the line says
today, and when that text is edited later the recording shows as stale (and the line falls
back to ``<Say>``) until it is recorded again. Nothing is replaced until the new file has been
converted and written, so a bad upload leaves the old audio playing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .manifest import Entry, publish
from .pipeline import ACCEPTED_FORMATS, AudioRejected, TelephonyAudio, to_telephony


class RecordingRejected(ValueError):
    """A recording was not published; the message names the file and the reason."""


@dataclass(frozen=True)
class ImportResult:
    lang: str
    prompt_id: str
    original: str
    entry: Entry | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def import_recording(
    pack: Any,
    audio_dir: Path | str,
    lang: str,
    prompt_id: str,
    recording: Path | bytes,
    by: str,
    original: str | None = None,
) -> Entry:
    """Publish ``recording`` as the audio of ``prompt_id`` in ``lang``; raise if refused."""
    name = original or (recording.name if isinstance(recording, Path) else "upload")
    text, audio = convert_recording(pack, lang, prompt_id, recording, name)
    entry = publish(
        Path(audio_dir),
        lang=lang,
        prompt_id=prompt_id,
        text=text,
        data=audio.data,
        source={"kind": "staff", "by": by, "original": name},
        duration=audio.duration,
        keep_staff=False,
    )
    assert entry is not None  # keep_staff=False always publishes
    return entry


def convert_recording(
    pack: Any, lang: str, prompt_id: str, recording: Path | bytes, name: str
) -> tuple[str, TelephonyAudio]:
    """Check the prompt exists and convert ``recording``: the text it is for, and the audio.

    Raises :class:`RecordingRejected`; nothing is written either way.
    """
    if pack.language(lang) is None:
        codes = ", ".join(language.code for language in pack.languages)
        raise RecordingRejected(f"{name}: unknown language {lang!r} (known: {codes})")
    texts = pack.spoken(lang)  # a recording speaks the spoken words (pronunciations)
    if prompt_id not in texts:
        raise RecordingRejected(f"{name}: no prompt {prompt_id!r} in {lang}")
    try:
        audio = to_telephony(recording)
    except AudioRejected as error:
        raise RecordingRejected(f"{name} {error}; the old audio is still in place") from error
    return texts[prompt_id], audio


def recordings_in(folder: Path) -> list[tuple[str, str, Path]]:
    """``(lang, prompt id, path)`` for each ``<folder>/<lang>/<prompt id>.<ext>``."""
    found = []
    for path in sorted(Path(folder).glob("*/*")):
        ext = path.suffix.lower().lstrip(".")
        if path.is_file() and ext in ACCEPTED_FORMATS:
            found.append((path.parent.name, path.stem, path))
    return found


def import_folder(pack: Any, audio_dir: Path | str, folder: Path, by: str) -> list[ImportResult]:
    """Import every recording in ``folder``; one bad file does not stop the others."""
    results = []
    for lang, prompt_id, path in recordings_in(folder):
        results.append(import_one(pack, audio_dir, lang, prompt_id, path, by))
    return results


def import_one(
    pack: Any, audio_dir: Path | str, lang: str, prompt_id: str, path: Path, by: str
) -> ImportResult:
    try:
        entry = import_recording(pack, audio_dir, lang, prompt_id, path, by)
    except RecordingRejected as error:
        return ImportResult(lang, prompt_id, path.name, error=str(error))
    return ImportResult(lang, prompt_id, path.name, entry=entry)
