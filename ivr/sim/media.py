"""Fetch the audio a <Play> names and check that it decodes, as Twilio must before playing it."""

from __future__ import annotations

import io
import struct
import threading
from dataclasses import dataclass

from pydub import AudioSegment
from pydub.audio_segment import extract_wav_headers
from pydub.exceptions import CouldntDecodeError
from pydub.utils import audioop

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
            segment = decode(reply.body)
        except (CouldntDecodeError, IndexError, ValueError, struct.error) as exc:
            return Media(url, 0.0, f"audio does not decode: {str(exc).splitlines()[0][:200]}")
        if len(segment) == 0:
            return Media(url, 0.0, "audio is empty")
        return Media(url, round(len(segment) / 1000, 3))


# WAVE format tags of G.711, the telephony codecs (8-bit samples).
G711 = {6: audioop.alaw2lin, 7: audioop.ulaw2lin}


def decode(body: bytes) -> AudioSegment:
    """The audio in `body`, decoded to samples.

    pydub reads G.711 WAV (the line's 8 kHz μ-law) only through ffprobe and ffmpeg, two
    processes per file; a whole-tree walk plays hundreds of files, so G.711 is decoded here
    (same checks: chunks present, data complete) and everything else goes to pydub.
    """
    headers = extract_wav_headers(body) if body[:4] == b"RIFF" and body[8:12] == b"WAVE" else []
    fmt = next((h for h in headers if h.id == b"fmt "), None)
    tag = struct.unpack_from("<H", body, fmt.position + 8)[0] if fmt else None
    if tag not in G711:
        return AudioSegment.from_file(io.BytesIO(body))
    channels, rate = struct.unpack_from("<HI", body, fmt.position + 10)
    data = headers[-1]
    if data.id != b"data":
        raise CouldntDecodeError("no data chunk in the WAV file")
    samples = body[data.position + 8 : data.position + 8 + data.size]
    if len(samples) < data.size or not channels or not rate:
        raise CouldntDecodeError("the WAV file is cut short or its format chunk is invalid")
    pcm = G711[tag](samples, 2)
    return AudioSegment(data=pcm, sample_width=2, frame_rate=rate, channels=channels)
