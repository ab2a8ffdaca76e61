"""Offline audio made on demand, for a language no <Say> voice can read.

Twilio has no Haitian Kreyòl voice. When a Kreyòl prompt has no current audio (its words
changed and nobody rebuilt or re-recorded it yet), the line must not read it with another
language's voice: it plays espeak-ng audio of the current spoken words instead, made on the
first request that needs it (a fraction of a second) and kept in a cache folder
(``DATA_DIR/offline-audio/<lang>/``). A file is named by the prompt and a hash of the voice
and the words, so the same words are never synthesized twice and a changed text gets a new
URL; it is served by ``/audio/<lang>/<file>`` like any other prompt audio.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..atomic import atomic_write
from .engines import EngineError, EspeakEngine
from .manifest import HASH_CHARS, file_hash
from .pipeline import AudioRejected, to_telephony

log = logging.getLogger(__name__)

ENGINE = "espeak"
MADE_KEPT = 4096  # URLs of files known to exist; each edit of the words adds one


class OfflineAudio:
    def __init__(self, cache_dir: Path | str, engine: Any | None = None) -> None:
        self.cache_dir = Path(cache_dir)
        self.engine = engine or EspeakEngine()
        self._made: dict[tuple[str, str], str] = {}  # (lang, file) -> URL, known to exist
        self._lock = threading.Lock()
        self._making: dict[tuple[str, str], threading.Lock] = {}

    def file_name(self, prompt_id: str, settings: Mapping[str, Any], text: str) -> str:
        voice = self.engine.voice_id(settings)
        digest = hashlib.sha256(f"{voice}\n{text}".encode()).hexdigest()[:HASH_CHARS]
        return f"{prompt_id}.{digest}.wav"

    def path(self, lang: str, file: str) -> Path | None:
        """The cached file, if it was made (a bare, well-formed name only)."""
        if file_hash(lang, file) is None:
            return None
        path = self.cache_dir / lang / file
        return path if path.is_file() else None

    def url_for(self, language: Any, prompt_id: str, text: str) -> str | None:
        """The URL of espeak-ng audio speaking ``text`` in ``language``; None if the language
        has no espeak voice or synthesis failed (logged)."""
        settings = (language.tts or {}).get(ENGINE) if language is not None else None
        if not settings:
            return None
        lang = language.code
        file = self.file_name(prompt_id, settings, text)
        if file_hash(lang, file) is None:
            return None
        key = (lang, file)
        url = self._made.get(key)
        if url is not None:
            return url
        with self._lock:
            making = self._making.setdefault(key, threading.Lock())
        with making:  # one synthesis per file, however many calls ask at once
            url = self._made.get(key)
            if url is None:
                path = self.cache_dir / lang / file
                if not path.is_file():
                    try:
                        audio = to_telephony(self.engine.synthesize(text, settings))
                    except (EngineError, AudioRejected, OSError) as error:
                        log.error("offline audio for %s %s failed: %s", lang, prompt_id, error)
                        return None
                    atomic_write(path, audio.data)
                if len(self._made) >= MADE_KEPT:  # the words of old versions: on disk still
                    self._made.clear()
                url = self._made[key] = f"/audio/{lang}/{file}"
            with self._lock:
                # Later callers find the URL (or the file on disk): no lock per file for ever.
                self._making.pop(key, None)
        return url
