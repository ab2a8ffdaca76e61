"""The pack the line serves right now, swapped whole when staff publish a new one.

Each request takes one snapshot (`current()`), so a caller never hears half of an edit.
Several gunicorn workers each notice a publish by a cheap stat of the pack's files; a pack
that fails validation is refused and the line keeps serving the last good one.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from . import ContentError, ContentPack, load_pack

log = logging.getLogger(__name__)

CHECK_EVERY = 1.0  # seconds between stats of the pack's files


def _fingerprint(root: Path) -> tuple:
    return tuple(
        sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in root.rglob("*.yaml"))
    )


class ContentStore:
    def __init__(self, root: Path):
        self.root = Path(root)
        self._lock = threading.Lock()
        self._fingerprint = _fingerprint(self.root)
        self._pack = load_pack(self.root)
        self._checked = time.monotonic()
        self.last_error: ContentError | None = None

    def current(self) -> ContentPack:
        now = time.monotonic()
        if now - self._checked >= CHECK_EVERY:
            self._checked = now
            self._reload_if_changed()
        return self._pack

    def _reload_if_changed(self) -> None:
        with self._lock:
            try:
                fingerprint = _fingerprint(self.root)
            except OSError:
                return  # a file is being replaced right now; look again next time
            if fingerprint == self._fingerprint:
                return
            self._fingerprint = fingerprint
            try:
                pack = load_pack(self.root)
            except ContentError as exc:
                self.last_error = exc
                log.error("content change refused, still serving %s:\n%s", self._pack.version, exc)
                return
            self.last_error = None
            log.info("content %s -> %s", self._pack.version, pack.version)
            self._pack = pack

    def reload(self) -> ContentPack:
        """Check now (after a publish from this process), not at the next interval."""
        self._checked = time.monotonic()
        self._reload_if_changed()
        return self._pack
