"""Rendered TwiML, kept for a second.

Most webhooks of a busy line ask for the same few documents (the language menu, the main
menu, a guidance) and building TwiML with Twilio's helper is most of a webhook's CPU. A
document depends on the step, the pack's words and which audio files are current; the key
holds the first two and the audio manifest's identity, and an entry lives at most
`SECONDS`, the same bound the audio catalogue already allows for noticing a deleted file.
A publish changes the pack version or the manifest, so callers hear it on the next request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable

SECONDS = 1.0
SIZE = 2048  # documents; a few MB at most


class TwimlCache:
    def __init__(self, seconds: float = SECONDS, size: int = SIZE) -> None:
        self.seconds = seconds
        self.size = size
        self._lock = threading.Lock()
        # key -> (when rendered, the object whose id() is in the key, the document)
        self._documents: dict[Hashable, tuple[float, object, str]] = {}

    def get_or_render(self, key: Hashable, pinned: object, render: Callable[[], str]) -> str:
        """The document for `key`, rendering it if absent or older than `seconds`.

        `pinned` is kept alive with the entry so an `id()` in the key is never reused by
        another object while the entry exists."""
        now = time.monotonic()
        found = self._documents.get(key)
        if found is not None and now - found[0] < self.seconds:
            return found[2]
        document = render()
        with self._lock:
            if len(self._documents) >= self.size:
                self._documents.clear()  # simpler than LRU; refills within a second
            self._documents[key] = (now, pinned, document)
        return document
