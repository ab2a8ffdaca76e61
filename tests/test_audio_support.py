"""Helpers shared by the audio tests: real espeak-ng speech, ffmpeg re-encoding, a tiny pack.

No tests live here; the fake pack implements just the part of the content-pack interface
(docs/architecture.md) that ivr.audio reads.
"""

from __future__ import annotations

import copy
import io
import struct
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydub import AudioSegment


def espeak_wav(text: str, voice: str = "en-us") -> bytes:
    """Real engine speech as a 22 kHz WAV, the way the espeak engine receives it."""
    return subprocess.run(
        ["espeak-ng", "--stdout", "-v", voice, text], capture_output=True, check=True
    ).stdout


def wav_bytes(segment: AudioSegment) -> bytes:
    """A pydub segment as 16-bit PCM WAV bytes."""
    buffer = io.BytesIO()
    segment.export(buffer, format="wav")
    return buffer.getvalue()


def ffmpeg(data: bytes, *args: str, fmt: str) -> bytes:
    """Re-encode ``data`` with ffmpeg (as a phone's recorder would), returning the new bytes.

    The output goes to a real file, as on a phone: an m4a's index is written at the end and
    needs a seekable file.
    """
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "recording"
        subprocess.run(
            ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", "pipe:0", *args, "-f", fmt, out],
            input=data,
            capture_output=True,
            check=True,
        )
        return out.read_bytes()


def wav_format(data: bytes) -> dict[str, int]:
    """The fields of a WAV file's fmt chunk: audio format code, channels, rate, bits."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    position = 12
    while position < len(data):
        chunk = data[position : position + 4]
        (size,) = struct.unpack("<I", data[position + 4 : position + 8])
        if chunk == b"fmt ":
            code, channels, rate, _, _, bits = struct.unpack(
                "<HHIIHH", data[position + 8 : position + 24]
            )
            return {"format": code, "channels": channels, "rate": rate, "bits": bits}
        position += 8 + size + size % 2
    raise AssertionError("no fmt chunk")


MULAW = 7  # WAVE_FORMAT_MULAW


@dataclass(frozen=True)
class FakeLanguage:
    code: str
    tts: Mapping[str, Mapping[str, str]]
    tts_fallback: str = "espeak"
    name: str = ""


@dataclass
class FakePack:
    """A content pack with a few prompts; ``texts`` can be edited to simulate staff edits."""

    languages: tuple[FakeLanguage, ...]
    _texts: dict[str, dict[str, str]] = field(default_factory=dict)

    def language(self, code: str) -> FakeLanguage | None:
        return next((lang for lang in self.languages if lang.code == code), None)

    def texts(self, lang: str) -> Mapping[str, str]:
        return self._texts[lang]

    def spoken(self, lang: str) -> Mapping[str, str]:
        return self._texts[lang]  # no pronunciation list: spoken words are the written ones

    def prompt_ids(self) -> frozenset[str]:
        return frozenset(self._texts[self.languages[0].code])


SPANISH = FakeLanguage(
    "es",
    {
        "espeak": {"voice": "es-419"},
        "google": {"language_code": "es-US", "name": "es-US-Neural2-A"},
    },
)
ENGLISH = FakeLanguage(
    "en",
    {
        "espeak": {"voice": "en-us"},
        "google": {"language_code": "en-US", "name": "en-US-Neural2-F"},
    },
)
KREYOL = FakeLanguage("ht", {"espeak": {"voice": "ht"}}, tts_fallback="espeak")


def small_pack() -> FakePack:
    """Two short prompts in Spanish, English and Kreyòl: enough to build, cheap to build."""
    # Fresh copies: tests edit voices and texts to simulate staff edits.
    return FakePack(
        languages=copy.deepcopy((SPANISH, ENGLISH, KREYOL)),
        _texts={
            "es": {"main.repeat": "Para repetir, marque 9.", "number.help": "5 2, 6 6 4"},
            "en": {"main.repeat": "To repeat, press 9.", "number.help": "5 2, 6 6 4"},
            "ht": {"main.repeat": "Pou repete, peze 9.", "number.help": "5 2, 6 6 4"},
        },
    )


class FakeStore:
    """Stands in for the content store the app keeps in ``extensions["content"]``."""

    def __init__(self, pack: FakePack) -> None:
        self.pack = pack

    def current(self) -> FakePack:
        return self.pack

    def seed(self) -> FakePack:
        return self.pack


def audio_app(audio_dir: Path, pack: FakePack):
    """A Flask app with just the audio parts registered, serving ``pack``."""
    from flask import Flask

    from ivr.audio import init_app
    from ivr.config import load_settings

    app = Flask("audio_test")
    app.config["SETTINGS"] = load_settings({"AUDIO_DIR": str(audio_dir)})
    app.extensions["content"] = FakeStore(pack)
    init_app(app)
    return app
