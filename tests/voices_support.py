"""Test audio for the recording-session tests: a "speaker" (espeak-ng at another pace than
the computer voice the takes are compared with), silence, hum, and an overdriven microphone.
Everything is 8 kHz 16-bit mono WAV, like what a phone call records."""

from __future__ import annotations

import functools
import io
import math
import subprocess

from pydub import AudioSegment
from pydub.generators import Sine

VOICES = {"es": "es-419", "en": "en-us", "ht": "ht"}


def wav(segment: AudioSegment) -> bytes:
    out = io.BytesIO()
    segment.set_channels(1).set_frame_rate(8000).set_sample_width(2).export(out, format="wav")
    return out.getvalue()


@functools.lru_cache(maxsize=2048)
def speak(words: str, lang: str = "es", rate: int = 150) -> bytes:
    """A take of ``words``: espeak-ng at ``rate`` words a minute, half a second of room
    silence before and after (trimmed by the checks)."""
    raw = subprocess.run(
        ["espeak-ng", "-v", VOICES[lang], "-s", str(rate), "--stdout", words],
        capture_output=True,
        check=True,
    ).stdout
    voice = AudioSegment.from_file(io.BytesIO(raw), format="wav")
    room = AudioSegment.silent(duration=500, frame_rate=voice.frame_rate)
    return wav(room + voice - 3 + room)


def silence(seconds: float = 2.0) -> bytes:
    return wav(AudioSegment.silent(duration=int(seconds * 1000), frame_rate=8000))


def quiet(words: str, lang: str = "es") -> bytes:
    """The words 28 dB down: a phone held far away."""
    return wav(AudioSegment.from_file(io.BytesIO(speak(words, lang)), format="wav") - 28)


def clipped(words: str, lang: str = "es") -> bytes:
    """The words overdriven into flat tops, as a microphone too close makes them."""
    segment = AudioSegment.from_file(io.BytesIO(speak(words, lang)), format="wav")
    return wav(segment + 30)  # pydub's gain saturates at full scale


def tone(seconds: float, dbfs: float = -20.0, hz: int = 440) -> bytes:
    return wav(
        Sine(hz, sample_rate=8000).to_audio_segment(duration=int(seconds * 1000), volume=dbfs)
    )


def level_of(data: bytes) -> float:
    segment = AudioSegment.from_file(io.BytesIO(data))
    return 20 * math.log10(max(1, segment.rms) / 32768)
