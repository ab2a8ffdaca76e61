"""Which prompt audio is current, for the webhook (``url_for``) and for staff (``status``).

One catalogue lives in each web worker. It rereads ``manifest.json`` only when the file's
stat changes, so a build or an import published by another process is picked up on the next
request at the cost of one ``stat``.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .manifest import Entry, Manifest, load_manifest, manifest_path

URL_PREFIX = "/audio"


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
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._manifest = Manifest()
        self.reload_if_changed()

    def reload_if_changed(self) -> bool:
        """Reread the manifest if it was replaced since the last look; True if it was."""
        try:
            stat = os.stat(manifest_path(self.audio_dir))
            stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        except FileNotFoundError:
            stamp = None
        if stamp == self._stamp:
            return False
        with self._lock:
            if stamp != self._stamp:
                # Swapped whole: a request in another thread sees the old or the new manifest.
                self._manifest = load_manifest(self.audio_dir)
                self._stamp = stamp
        return True

    def entry(self, lang: str, prompt_id: str) -> Entry | None:
        self.reload_if_changed()
        return self._manifest.get(lang, prompt_id)

    def path(self, entry: Entry) -> Path:
        return self.audio_dir / entry.language / entry.file

    def url_for(self, lang: str, prompt_id: str, text: str) -> str | None:
        """The URL path of audio speaking exactly ``text``; None if there is none (use <Say>)."""
        entry = self.entry(lang, prompt_id)
        if entry is None or not entry.speaks(text) or not self.path(entry).is_file():
            return None
        return f"{URL_PREFIX}/{lang}/{entry.file}"

    def status(self, pack: Any) -> dict[str, Coverage]:
        """Per language of ``pack``: prompts with current, stale, missing and staff audio."""
        self.reload_if_changed()
        report: dict[str, Coverage] = {}
        for language in pack.languages:
            coverage = Coverage()
            for prompt_id, text in sorted(pack.texts(language.code).items()):
                coverage.prompts += 1
                entry = self._manifest.get(language.code, prompt_id)
                if entry is None or not self.path(entry).is_file():
                    coverage.missing.append(prompt_id)
                    continue
                coverage.staff_recorded += entry.staff_recorded
                if entry.speaks(text):
                    coverage.current += 1
                else:
                    coverage.stale.append(prompt_id)
            report[language.code] = coverage
        return report
