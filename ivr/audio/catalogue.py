"""Which prompt audio is current, for the webhook (``url_for``) and for staff (``status``).

One catalogue lives in each web worker. On its own it rereads ``audio_dir/manifest.json`` when
the file's stat changes, so a build or an import by another process is picked up on the next
request at the cost of one ``stat``. In the app it follows the content store instead
(:meth:`AudioCatalogue.follow`): the manifest then comes from the same snapshot as the pack,
so one request never mixes two versions, and files are looked up first in this machine's cache of
published audio (copied from the database before a version is served), then in the seed folder.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from werkzeug.security import safe_join

from .manifest import Entry, Manifest, ManifestFile

URL_PREFIX = "/audio"

#: How long a file found on disk is trusted without another look. Audio files are named by a
#: hash of their bytes and never rewritten, so the only change is a deletion (gc, by hand): a
#: webhook notices it within this time, the same bound as a content edit. Saves two stats per
#: prompt on every webhook.
FOUND_FOR_SECONDS = 1.0
#: Files remembered as found at most (each version adds the files of its new audio; the
#: entries older than FOUND_FOR_SECONDS are dropped when there are more).
FOUND_KEPT = 4096

# (lang, file) -> a file on disk, or None where the locator has none
Locator = Callable[[str, str], Path | None]


@dataclass
class Coverage:
    """How much of one language's prompts has playable audio."""

    prompts: int = 0
    current: int = 0
    stale: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    staff_recorded: int = 0

    @property
    def complete(self) -> bool:
        return not self.stale and not self.missing


class AudioCatalogue:
    def __init__(self, audio_dir: Path | str) -> None:
        self.audio_dir = Path(audio_dir)
        self.manifest_file = ManifestFile(self.audio_dir)
        self._snapshots: Callable[[], Any] | None = None
        self._locate: Locator | None = None
        self._found: dict[tuple[str, str], tuple[float, Path]] = {}
        # Offline audio made on demand for languages without a <Say> voice (offline.py).
        self.offline: Any | None = None
        # The last manifest url_for saw and which of its files exist (checked once for it).
        self._present: tuple[object, frozenset[tuple[str, str]]] = (None, frozenset())

    def follow(self, snapshots: Callable[[], Any], locate: Locator | None = None) -> None:
        """Take the manifest from ``snapshots()`` (the content store's per-request snapshot)
        and find files with ``locate`` before this catalogue's own folder."""
        self._snapshots = snapshots
        self._locate = locate

    def reload_if_changed(self) -> bool:
        """Reread the folder's manifest if it was replaced since the last look; True if it was."""
        return self.manifest_file.reload_if_changed()

    def manifest(self) -> Manifest:
        if self._snapshots is not None:
            manifest = self._snapshots().manifest
            if manifest is not None:
                return manifest
        return self.manifest_file.current()

    def entry(self, lang: str, prompt_id: str) -> Entry | None:
        return self.manifest().get(lang, prompt_id)

    def file_path(self, lang: str, file: str) -> Path | None:
        """Where the audio file ``file`` of ``lang`` is on disk (published first, then this
        folder); None if nowhere. ``file`` must be a bare name (no folders)."""
        now = time.monotonic()
        cached = self._found.get((lang, file))
        if cached is not None and now - cached[0] < FOUND_FOR_SECONDS:
            return cached[1]
        found = self._find(lang, file)
        if found is not None:
            if len(self._found) >= FOUND_KEPT:
                self._found = {
                    key: seen
                    for key, seen in self._found.items()
                    if now - seen[0] < FOUND_FOR_SECONDS
                }
            self._found[(lang, file)] = (now, found)
        return found

    def _find(self, lang: str, file: str) -> Path | None:
        if self._locate is not None:
            found = self._locate(lang, file)
            if found is not None:
                return found
        path = safe_join(str(self.audio_dir), lang, file)
        if path is not None and Path(path).is_file():
            return Path(path)
        return self.offline.path(lang, file) if self.offline is not None else None

    def state(
        self, lang: str, prompt_id: str, text: str, manifest: Manifest | None = None
    ) -> tuple[Entry | None, str]:
        """A prompt's manifest entry and the state of its audio for ``text``: "missing" (no
        entry, or its file is gone), "stale" (it speaks other words) or "current"."""
        entry = (manifest or self.manifest()).get(lang, prompt_id)
        if entry is None or self.file_path(lang, entry.file) is None:
            return entry, "missing"
        return entry, "current" if entry.speaks(text) else "stale"

    def present(self, manifest: Manifest) -> frozenset[tuple[str, str]]:
        """(lang, file) of every file of ``manifest`` found on disk, looked for once per
        manifest: when a manifest is first served, not on every webhook. A publish or a build
        brings a new manifest (and a new look); a file deleted by hand while its manifest is
        live keeps its <Play> until then (`flask audio gc` only deletes files no version
        plays)."""
        seen, files = self._present
        if seen is manifest:
            return files
        files = frozenset(
            (lang, entry.file)
            for (lang, _), entry in manifest.entries.items()
            if self._find(lang, entry.file) is not None
        )
        self._present = (manifest, files)
        return files

    def url_for(self, lang: str, prompt_id: str, text: str) -> str | None:
        """The URL path of audio speaking exactly ``text``; None if there is none (use <Say>)."""
        manifest = self.manifest()
        entry = manifest.get(lang, prompt_id)
        if (
            entry is None
            or not entry.speaks(text)
            or (lang, entry.file) not in self.present(manifest)
        ):
            return None
        return f"{URL_PREFIX}/{lang}/{entry.file}"

    def status(self, pack: Any) -> dict[str, Coverage]:
        """Per language of ``pack``: prompts with current, stale, missing and staff audio."""
        manifest = self.manifest()
        report: dict[str, Coverage] = {}
        for language in pack.languages:
            coverage = Coverage()
            for prompt_id, text in sorted(pack.spoken(language.code).items()):
                coverage.prompts += 1
                entry, state = self.state(language.code, prompt_id, text, manifest)
                if state == "missing":
                    coverage.missing.append(prompt_id)
                    continue
                coverage.staff_recorded += entry.staff_recorded
                if state == "current":
                    coverage.current += 1
                else:
                    coverage.stale.append(prompt_id)
            report[language.code] = coverage
        return report
