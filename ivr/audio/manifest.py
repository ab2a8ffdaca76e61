"""``audio/manifest.json``: for every audio file, the exact text it speaks and where it came from.

Layout on disk::

    audio/manifest.json
    audio/<lang>/<prompt id>.<first 12 hex of sha256 of the file bytes>.wav

The name changes whenever the bytes do, so Twilio and any CDN may cache a URL forever. Files
and the manifest are written atomically (a temporary file, then ``os.replace``) and every
read-modify-write of the manifest holds an exclusive lock, so a build, an import and the web
workers reading it never see half a file or lose each other's entries. Old files are left on
disk (a caller mid-call may still fetch one) until :func:`collect_garbage` removes those no
entry references.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..atomic import atomic_write

MANIFEST_NAME = "manifest.json"
LOCK_NAME = ".manifest.lock"
FORMAT = 1
HASH_CHARS = 12


class ManifestError(Exception):
    """The manifest cannot be read (invalid JSON or an entry missing fields)."""


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def audio_file_name(prompt_id: str, data: bytes) -> str:
    return f"{prompt_id}.{hashlib.sha256(data).hexdigest()[:HASH_CHARS]}.wav"


_LANG = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
_FILE = re.compile(rf"[A-Za-z0-9_][A-Za-z0-9_.-]*\.(?P<hash>[0-9a-f]{{{HASH_CHARS}}})\.wav")


def file_hash(lang: str, file: str) -> str | None:
    """The hash in an audio file name as `audio_file_name` writes it, under a language code;
    None for any other name (so a request can never name a path of its own)."""
    match = _FILE.fullmatch(file or "")
    return match["hash"] if match and _LANG.fullmatch(lang or "") else None


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Entry:
    """One published audio file: which prompt, which words, from whom, how long."""

    language: str
    prompt_id: str
    text: str
    text_sha256: str
    source: Mapping[str, str]  # {"kind": "tts", "engine", "voice"} or {"kind": "staff", ...}
    duration: float
    created: str
    file: str

    @property
    def staff_recorded(self) -> bool:
        return self.source.get("kind") == "staff"

    def speaks(self, text: str) -> bool:
        return self.text == text

    def to_json(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "prompt_id": self.prompt_id,
            "text": self.text,
            "text_sha256": self.text_sha256,
            "source": dict(self.source),
            "duration": self.duration,
            "created": self.created,
            "file": self.file,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Entry:
        return cls(
            language=data["language"],
            prompt_id=data["prompt_id"],
            text=data["text"],
            text_sha256=data["text_sha256"],
            source=dict(data["source"]),
            duration=float(data["duration"]),
            created=data["created"],
            file=data["file"],
        )


@dataclass
class Manifest:
    """Entries by (language, prompt id). Plain data: loading and saving are separate functions."""

    entries: dict[tuple[str, str], Entry] = field(default_factory=dict)

    def get(self, lang: str, prompt_id: str) -> Entry | None:
        return self.entries.get((lang, prompt_id))

    def put(self, entry: Entry) -> None:
        self.entries[(entry.language, entry.prompt_id)] = entry

    def to_json(self) -> dict[str, Any]:
        languages: dict[str, dict[str, Any]] = {}
        for (lang, prompt_id), entry in sorted(self.entries.items()):
            languages.setdefault(lang, {})[prompt_id] = entry.to_json()
        return {"format": FORMAT, "languages": languages}

    def to_bytes(self) -> bytes:
        """The file's bytes: sorted and indented, so a diff shows what changed."""
        text = json.dumps(self.to_json(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        return text.encode("utf-8")

    @classmethod
    def from_bytes(cls, raw: bytes | str) -> Manifest:
        return cls.from_json(json.loads(raw))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Manifest:
        manifest = cls()
        for prompts in data.get("languages", {}).values():
            for raw in prompts.values():
                manifest.put(Entry.from_json(raw))
        return manifest


def manifest_path(audio_dir: Path) -> Path:
    return Path(audio_dir) / MANIFEST_NAME


def load_manifest(audio_dir: Path) -> Manifest:
    """The manifest in ``audio_dir``; an empty one when none has been written yet."""
    path = manifest_path(audio_dir)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Manifest()
    try:
        return Manifest.from_bytes(raw)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ManifestError(f"{path} is not a valid audio manifest: {error!r}") from error


class ManifestFile:
    """``audio_dir``'s manifest, reread only when the file was replaced (one ``stat`` a call).

    A build or an import in another process is thus seen by the next request.
    """

    def __init__(self, audio_dir: Path | str) -> None:
        self.audio_dir = Path(audio_dir)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._manifest = Manifest()
        self.current()

    def current(self) -> Manifest:
        self.reload_if_changed()
        return self._manifest

    def reload_if_changed(self) -> bool:
        """Reread the file if it was replaced since the last look; True if it was."""
        try:
            stat = os.stat(manifest_path(self.audio_dir))
            stamp: tuple[int, int, int] | None = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        except FileNotFoundError:
            stamp = None
        if stamp == self._stamp:
            return False
        with self._lock:
            if stamp != self._stamp:
                # Swapped whole: a request in another thread sees the old or the new one.
                self._manifest = load_manifest(self.audio_dir)
                self._stamp = stamp
        return True


def save_manifest(audio_dir: Path, manifest: Manifest) -> None:
    atomic_write(manifest_path(audio_dir), manifest.to_bytes())


@contextmanager
def locked(audio_dir: Path) -> Iterator[None]:
    """Hold the manifest's exclusive lock (across processes) for a read-modify-write."""
    Path(audio_dir).mkdir(parents=True, exist_ok=True)
    with open(Path(audio_dir) / LOCK_NAME, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def publish(
    audio_dir: Path,
    *,
    lang: str,
    prompt_id: str,
    text: str,
    data: bytes,
    source: Mapping[str, str],
    duration: float,
    keep_staff: bool = True,
) -> Entry | None:
    """Write the audio file, then point the manifest at it, atomically.

    Returns the new entry, or ``None`` when ``keep_staff`` is set and the prompt has (by now)
    a staff recording, which engine output never replaces.
    """
    name = audio_file_name(prompt_id, data)
    entry = Entry(
        language=lang,
        prompt_id=prompt_id,
        text=text,
        text_sha256=text_sha256(text),
        source=dict(source),
        duration=duration,
        created=utc_now(),
        file=name,
    )
    with locked(audio_dir):
        manifest = load_manifest(audio_dir)
        current = manifest.get(lang, prompt_id)
        if keep_staff and current is not None and current.staff_recorded:
            return None
        path = Path(audio_dir) / lang / name
        if not path.exists():
            atomic_write(path, data)
        manifest.put(entry)
        save_manifest(audio_dir, manifest)
        if current is not None and current.file != name:
            # Its mtime now says when it stopped being played, which the garbage
            # collector's grace period counts from.
            _touch(Path(audio_dir) / lang / current.file)
    return entry


def drop_orphans(audio_dir: Path, prompts: Mapping[str, Collection[str]]) -> list[Entry]:
    """Remove the entries of prompts the pack no longer has (``prompts``: language -> prompt
    ids); their files become unreferenced, for :func:`collect_garbage`. Returns them."""
    dropped: list[Entry] = []
    with locked(audio_dir):
        manifest = load_manifest(audio_dir)
        for key, entry in list(manifest.entries.items()):
            if entry.prompt_id not in prompts.get(entry.language, ()):
                dropped.append(manifest.entries.pop(key))
                _touch(Path(audio_dir) / entry.language / entry.file)
        if dropped:
            save_manifest(audio_dir, manifest)
    return dropped


def _touch(path: Path) -> None:
    try:
        os.utime(path)
    except FileNotFoundError:
        pass


def collect_garbage(
    audio_dir: Path,
    older_than_seconds: float = 3600,
    also_referenced: Collection[tuple[str, str]] = (),
) -> list[Path]:
    """Delete audio files no manifest entry has referenced for ``older_than_seconds``.

    The grace period covers calls that were given the old URL before a rebuild: Twilio may
    still fetch it a few minutes later. (:func:`publish` touches a file it stops referencing.)
    ``also_referenced`` holds ``(lang, file)`` pairs other manifests still use: published
    versions fall back to this folder for the files they share with it, so those stay.
    """
    removed: list[Path] = []
    with locked(audio_dir):
        manifest = load_manifest(audio_dir)
        pairs = {(e.language, e.file) for e in manifest.entries.values()} | set(also_referenced)
        referenced = {Path(audio_dir) / lang / file for lang, file in pairs}
        cutoff = time.time() - older_than_seconds
        for path in sorted(Path(audio_dir).glob("*/*.wav")):
            if path not in referenced and path.stat().st_mtime < cutoff:
                path.unlink()
                removed.append(path)
    return removed
