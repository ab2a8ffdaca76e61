"""Fetch the audio a <Play> names and check that it decodes, as Twilio must before playing it."""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass

from pydub import AudioSegment
from pydub.exceptions import CouldntDecodeError

from .transport import Transport

# The types Twilio plays (https://www.twilio.com/docs/voice/twiml/play#supported-audio-file-types).
AUDIO_TYPES = frozenset(
    {
        "audio/mpeg",
        "audio/wav",
        "audio/wave",
        "audio/x-wav",
        "audio/aiff",
        "audio/x-aifc",
        "audio/x-aiff",
        "audio/x-gsm",
        "audio/gsm",
        "audio/ulaw",
    }
)


@dataclass(frozen=True)
class Media:
    url: str
    seconds: float
    problem: str = ""


class MediaLibrary:
    """Fetched audio, cached by URL like Twilio's own media cache.

    The line names audio by content hash, so a URL's bytes never change and caching by URL is
    safe; it also keeps a whole-tree walk from decoding the same file thousands of times.
    """

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self._cache: dict[str, Media] = {}
        self._lock = threading.Lock()

    def fetch(self, url: str) -> Media:
        with self._lock:
            cached = self._cache.get(url)
        if cached is not None:
            return cached
        media = self._load(url)
        with self._lock:
            self._cache[url] = media
        return media

    def _load(self, url: str) -> Media:
        # Twilio fetches media with a plain GET and none of the call's parameters
        # (https://www.twilio.com/docs/voice/twiml/play#caching).
        reply = self.transport.send("GET", url, None, {"User-Agent": "TwilioProxy/1.1"})
        if reply.status != 200:
            return Media(url, 0.0, f"audio fetch answered HTTP {reply.status}")
        media_type = reply.content_type.split(";")[0].strip().lower()
        if media_type not in AUDIO_TYPES:
            problem = f"audio served as {reply.content_type!r}, not a type Twilio plays"
            return Media(url, 0.0, problem)
        try:
            segment = AudioSegment.from_file(io.BytesIO(reply.body))
        except (CouldntDecodeError, IndexError, ValueError) as exc:
            return Media(url, 0.0, f"audio does not decode: {str(exc).splitlines()[0][:200]}")
        if len(segment) == 0:
            return Media(url, 0.0, "audio is empty")
        return Media(url, round(len(segment) / 1000, 3))
