"""The one pipeline every prompt goes through: engine output and staff recordings alike.

Whatever comes in (wav, mp3, m4a, ogg, webm or flac, as bytes or a path) leaves as an 8 kHz,
mono, μ-law WAV, the format Twilio plays without transcoding, with leading and trailing silence
trimmed to :data:`PAD_MS` and its active speech level set to
:data:`~ivr.audio.loudness.TARGET_DBOV` (ITU-T P.56, RFC 7874 §4).
"""

from __future__ import annotations

import io
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pydub import AudioSegment
from pydub.silence import detect_leading_silence

from .loudness import SILENCE_DBOV, TARGET_DBOV, active_speech_level

SAMPLE_RATE = 8000
ACCEPTED_FORMATS = ("wav", "mp3", "m4a", "ogg", "webm", "flac")
MAX_BYTES = 20 * 1024 * 1024
MAX_SECONDS = 120.0

#: Silence kept before and after the speech. Prompts are played back to back, so two pads make
#: the pause between them: long enough to separate sentences, short enough not to cost airtime.
PAD_MS = 100

#: Peaks are held this far under full scale so μ-law encoding never clips.
PEAK_CEILING_DBOV = -1.0

#: Audio quieter than the active level minus this is trimmed as leading/trailing silence.
TRIM_BELOW_ACTIVE_DB = 40.0
#: Kept before the first loud frame so soft onsets ("f", "s", "h") are not cut off.
ONSET_GUARD_MS = 30

# ffmpeg arguments for the output: μ-law, 8 kHz, mono, and no encoder tag, so the same input
# always yields the same bytes (the file name is a hash of them).
_EXPORT_PARAMETERS = [
    "-ar", str(SAMPLE_RATE), "-ac", "1", "-fflags", "+bitexact", "-map_metadata", "-1",
]


class AudioRejected(ValueError):
    """The input cannot become a prompt; the message says why in words staff understand."""


@dataclass(frozen=True)
class TelephonyAudio:
    """A finished prompt: WAV bytes (8 kHz mono μ-law) and what was measured on the way."""

    data: bytes
    duration: float  # seconds, including the pads
    level_dbov: float  # active speech level after levelling
    gain_db: float  # gain applied to reach it


def to_telephony(
    source: bytes | Path | str,
    *,
    max_bytes: int = MAX_BYTES,
    max_seconds: float = MAX_SECONDS,
) -> TelephonyAudio:
    """Convert one recording or engine output into a telephony-ready prompt.

    Raises :class:`AudioRejected` when the input does not decode, is empty, is silent, or is
    longer than ``max_seconds`` or larger than ``max_bytes``.
    """
    data = _read(source, max_bytes)
    speech = _decode(data, max_seconds)
    if len(speech) > max_seconds * 1000:
        raise AudioRejected(f"is too long: longer than the {max_seconds:.0f} s limit")
    level = active_speech_level(speech)
    if level.active_dbov < SILENCE_DBOV:
        raise AudioRejected(
            f"is silent: no sound louder than {SILENCE_DBOV:.0f} dBov "
            "(check the microphone was on and the right file was chosen)"
        )
    speech = _trim(speech, level.active_dbov)
    gain = min(TARGET_DBOV - level.active_dbov, PEAK_CEILING_DBOV - level.peak_dbov)
    speech = speech.apply_gain(gain)
    return TelephonyAudio(
        data=_encode(speech),
        duration=round(len(speech) / 1000, 3),
        level_dbov=level.active_dbov + gain,
        gain_db=gain,
    )


def _read(source: bytes | Path | str, max_bytes: int) -> bytes:
    if isinstance(source, bytes):
        data = source
    else:
        path = Path(source)
        try:
            size = path.stat().st_size
        except OSError as error:
            raise AudioRejected(f"cannot be read: {error.strerror}") from error
        if size > max_bytes:
            raise AudioRejected(_too_large(size, max_bytes))
        data = path.read_bytes()
    if not data:
        raise AudioRejected("is empty (0 bytes)")
    if len(data) > max_bytes:
        raise AudioRejected(_too_large(len(data), max_bytes))
    return data


def _too_large(size: int, max_bytes: int) -> str:
    return f"is too large: {size / 1e6:.1f} MB, the limit is {max_bytes / 1e6:g} MB"


def _decode(data: bytes, max_seconds: float) -> AudioSegment:
    # ffmpeg is called directly rather than through AudioSegment.from_file: pydub reads a μ-law
    # or float WAV as if it were 8-bit PCM, and cannot pass output options (mono, 8 kHz) to
    # ffmpeg. Decoding stops just past the limit so a two-hour upload is not decoded in full.
    # ffmpeg's resampler low-passes before decimating, so sibilants do not alias into hiss.
    with tempfile.NamedTemporaryFile(suffix=".upload") as upload:
        upload.write(data)
        upload.flush()
        result = subprocess.run(
            [
                "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
                "-i", upload.name, "-map", "0:a:0", "-t", str(max_seconds + 1),
                "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "s16le", "-acodec", "pcm_s16le",
                "pipe:1",
            ],
            capture_output=True,
            check=False,
        )
    if result.returncode != 0:
        raise AudioRejected(
            "does not decode as audio (accepted: " + ", ".join(ACCEPTED_FORMATS) + ")"
        )
    if len(result.stdout) < 2:
        raise AudioRejected("contains no audio (0 seconds)")
    return AudioSegment(
        data=result.stdout[: len(result.stdout) // 2 * 2],
        sample_width=2,
        frame_rate=SAMPLE_RATE,
        channels=1,
    )


def _trim(segment: AudioSegment, active_dbov: float) -> AudioSegment:
    threshold = active_dbov - TRIM_BELOW_ACTIVE_DB
    start = detect_leading_silence(segment, silence_threshold=threshold, chunk_size=5)
    end = detect_leading_silence(segment.reverse(), silence_threshold=threshold, chunk_size=5)
    start = max(0, start - ONSET_GUARD_MS)
    stop = max(start, len(segment) - max(0, end - ONSET_GUARD_MS))
    pad = AudioSegment.silent(duration=PAD_MS, frame_rate=SAMPLE_RATE)
    return pad + segment[start:stop] + pad


def _encode(segment: AudioSegment) -> bytes:
    out = segment.export(format="wav", codec="pcm_mulaw", parameters=_EXPORT_PARAMETERS)
    try:
        return out.read()
    finally:
        out.close()


def decode_telephony(data: bytes) -> AudioSegment:
    """Decode a finished prompt back to 16-bit PCM (for checks, tests and the benchmark)."""
    return AudioSegment.from_file(io.BytesIO(data), codec="pcm_mulaw")

