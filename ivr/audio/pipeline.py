"""The one pipeline every prompt goes through: engine output and staff recordings alike.

Whatever comes in (wav, mp3, m4a, ogg, webm or flac, as bytes or a path) leaves as an 8 kHz,
mono, μ-law WAV, the format Twilio plays without transcoding, with leading and trailing silence
trimmed to :data:`PAD_MS` and its active speech level set to
:data:`~ivr.audio.loudness.TARGET_DBOV` (ITU-T P.56, RFC 7874 §4).
"""

from __future__ import annotations

import io
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pydub import AudioSegment
from pydub.silence import detect_leading_silence
from pydub.utils import audioop  # the stdlib's, or pydub's own where it is gone

from .loudness import SILENCE_DBOV, TARGET_DBOV, Level, active_speech_level

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
    speech, gain = prepare(speech, level)
    return TelephonyAudio(
        data=_encode(speech),
        duration=round(len(speech) / 1000, 3),
        level_dbov=level.active_dbov + gain,
        gain_db=gain,
    )


def prepare(speech: AudioSegment, level: Level) -> tuple[AudioSegment, float]:
    """Decoded speech trimmed to :data:`PAD_MS` of silence at each end and levelled: the
    steps every prompt goes through (``level`` measured on ``speech``). With the gain."""
    speech = _trim(speech, level.active_dbov)
    gain = min(TARGET_DBOV - level.active_dbov, PEAK_CEILING_DBOV - level.peak_dbov)
    return speech.apply_gain(gain), gain


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



def decode(data: bytes, max_seconds: float = MAX_SECONDS) -> AudioSegment:
    """Any accepted upload (bytes) decoded to 8 kHz mono 16-bit PCM, at most
    ``max_seconds`` (AudioRejected when it does not decode, is empty or too large). A WAV
    already in that form (what a phone call records) is read here, without ffmpeg."""
    data = _read(data, MAX_BYTES)
    fmt, samples = _wav_chunks(data)
    if fmt == (1, 1, SAMPLE_RATE) and samples is not None and _bits(data) == 16:
        if len(samples) < 2:
            raise AudioRejected("contains no audio (0 seconds)")
        limit = int((max_seconds + 1) * SAMPLE_RATE) * 2
        return AudioSegment(
            data=samples[: min(limit, len(samples) // 2 * 2)],
            sample_width=2,
            frame_rate=SAMPLE_RATE,
            channels=1,
        )
    return _decode(data, max_seconds)


def _bits(data: bytes) -> int:
    at = data.find(b"fmt ")
    return struct.unpack("<H", data[at + 22 : at + 24])[0] if at >= 0 else 0


def read_ulaw(data: bytes) -> AudioSegment:
    """8 kHz mono μ-law WAV (what this pipeline writes) as 16-bit PCM, decoded here without
    ffmpeg: a prompt is spliced from dozens of clips (ivr/audio/splice.py), and a process
    per clip would take seconds. Any other WAV goes through :func:`decode_telephony`."""
    fmt, samples = _wav_chunks(data)
    if fmt is None or samples is None or fmt != (7, 1, SAMPLE_RATE):
        return decode_telephony(data).set_sample_width(2).set_channels(1)
    return AudioSegment(
        data=audioop.ulaw2lin(samples, 2), sample_width=2, frame_rate=SAMPLE_RATE, channels=1
    )


def ulaw_wav(segment: AudioSegment) -> bytes:
    """16-bit PCM as an 8 kHz mono μ-law WAV laid out as ffmpeg writes it (``fmt `` of 18
    bytes, ``fact``, ``data``), made here without a process; the same samples always make
    the same bytes."""
    pcm = segment.set_frame_rate(SAMPLE_RATE).set_channels(1).set_sample_width(2).raw_data
    body = audioop.lin2ulaw(pcm, 2)
    fmt = struct.pack("<HHIIHHH", 7, 1, SAMPLE_RATE, SAMPLE_RATE, 1, 8, 0)
    chunks = b"".join(
        [
            b"fmt " + struct.pack("<I", len(fmt)) + fmt,
            b"fact" + struct.pack("<II", 4, len(body)),
            b"data" + struct.pack("<I", len(body)) + body,
        ]
    )
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def _wav_chunks(data: bytes) -> tuple[tuple[int, int, int] | None, bytes | None]:
    """(format tag, channels, sample rate) and the sample bytes of a RIFF WAVE file."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None, None
    fmt = samples = None
    at = 12
    while at + 8 <= len(data):
        name, size = data[at : at + 4], struct.unpack("<I", data[at + 4 : at + 8])[0]
        body = data[at + 8 : at + 8 + size]
        if name == b"fmt " and size >= 16:
            fmt = tuple(struct.unpack("<HHI", body[:8]))
        elif name == b"data":
            samples = body
        at += 8 + size + (size & 1)
    return fmt, samples  # type: ignore[return-value]
