"""Rendered TwiML, kept for as long as the pack and the audio manifest it was made from.

Most webhooks of a busy line ask the same few questions (the language menu, the main menu
after silence, key 1 at the main menu), and running the engine and building TwiML with
Twilio's helper is most of a webhook's CPU. The engine is a pure function of (pack, call
state, input), and the document adds only which audio is current, which depends on the audio
manifest alone (the catalogue checks the manifest's files once, when it first sees that
manifest). So a document is looked up by (call state, input) *before* the engine runs, in a
generation named by the pack version and the manifest's identity: a publish, a content edit
or an audio build starts a new generation, and callers hear it on the next request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

SIZE = 4096  # documents per generation; a few MB at most. Keys come only from signed requests.


class TwimlCache:
    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._lock = threading.Lock()
        # (generation, the object whose id() is in the generation, key -> document): replaced
        # whole, so a reader sees one generation's documents or another's, never a mix.
        self._current: tuple[Hashable, object, dict[Hashable, Any]] = (None, None, {})

    def get(self, generation: Hashable, key: Hashable) -> Any | None:
        """The value for ``key`` if ``generation`` is the current one and has it; else None."""
        current_generation, _, documents = self._current
        return documents.get(key) if current_generation == generation else None

    def get_or_render(
        self, generation: Hashable, pinned: object, key: Hashable, render: Callable[[], Any]
    ) -> Any:
        """The value for ``key`` in ``generation``, rendering it on a miss.

        ``pinned`` is kept alive with the generation so an ``id()`` in it is never reused by
        another object while its documents are served."""
        current_generation, _, documents = self._current
        if current_generation == generation:
            found = documents.get(key)
            if found is not None:
                return found
        value = render()
        with self._lock:
            current_generation, _, documents = self._current
            if current_generation != generation or len(documents) >= self.size:
                # A new pack or manifest: the old documents will not be asked for again
                # (a request pinned to the old snapshot just renders its own).
                documents = {}
                self._current = (generation, pinned, documents)
            documents[key] = value
        return value
