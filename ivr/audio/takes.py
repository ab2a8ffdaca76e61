"""Every take checked before it is kept: the same checks for the browser and the phone.

A take goes through the telephony pipeline (silence trimmed at both ends, level set to the
line's loudness, 8 kHz μ-law), and is refused, with a plain reason and a code the console
and the phone line word in the speaker's language, when:

* it does not decode, or is empty (``unreadable``);
* it is only silence (``silent``): nothing louder than the pipeline's silence floor;
* it is too quiet (``quiet``): speech so far under the line's level that raising it would
  raise the room's noise with it;
* it clips (``clipping``): the microphone was overdriven, which no levelling repairs;
* it is far too short or far too long for its words (``too_short``/``too_long``), compared
  with how long the computer voice takes to say them (a cough, a cut-off take, or a take that
  ran on after the speaker stopped).

Nothing is stored here: :func:`check_take` returns the finished audio and what was measured,
or raises :class:`TakeRefused`.
"""

from __future__ import annotations

import array
import math
from dataclasses import dataclass
from typing import Any

from pydub import AudioSegment

from .loudness import SILENCE_DBOV, active_speech_level
from .pipeline import PAD_MS, AudioRejected, TelephonyAudio, decode, prepare, ulaw_wav

#: Active speech level under which a take is "too quiet" (dBov). Levelling adds up to 24 dB
#: here (to the line's -24 dBov); beyond that the hiss of a phone held at arm's length or a
#: laptop microphone across the room comes up with the voice.
QUIET_DBOV = -48.0
#: A sample this close to full scale (16-bit) counts as clipped.
CLIP_LEVEL = 32_700
#: Clipped samples allowed: a few stray peaks are harmless, a flat-topped take is not.
CLIPPED_SHARE = 0.002
CLIPPED_RUNS = 5  # runs of 3+ clipped samples in a row that mean a flat top
#: The take's speech (without pads) against the computer voice's, for the same words.
SHORTEST = 0.45
LONGEST = 3.0
#: Absolute slack: a single digit takes espeak ~0.3 s, a person anything from 0.2 s to 1.2 s.
SLACK_SECONDS = 1.2
SHORT_SLACK_SECONDS = 0.15
MIN_SPEECH_SECONDS = 0.15


class TakeRefused(ValueError):
    """A take that cannot be kept. ``code`` and ``params`` let each surface say why in the
    speaker's language; ``str()`` is the English words."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class CheckedTake:
    """A take that passed, ready to store, and what was measured on the way."""

    audio: TelephonyAudio
    seconds: float  # speech after trimming, without the pads
    expected: float  # the computer voice's seconds for the same words (0: not compared)
    level_dbov: float  # active speech level as recorded (before levelling)
    peak_dbov: float
    clipped_share: float

    def report(self) -> dict[str, float]:
        """What the console and the phone line can show about the checks."""
        return {
            "seconds": round(self.seconds, 2),
            "expected": round(self.expected, 2),
            "level_dbov": round(self.level_dbov, 1),
            "peak_dbov": round(self.peak_dbov, 1),
            "gain_db": round(self.audio.gain_db, 1),
            "clipped_share": round(self.clipped_share, 5),
        }


def allowed_seconds(expected: float) -> tuple[float, float]:
    """The (shortest, longest) speech accepted for words the computer voice says in
    ``expected`` seconds."""
    low = max(MIN_SPEECH_SECONDS, expected * SHORTEST - SHORT_SLACK_SECONDS)
    high = expected * LONGEST + SLACK_SECONDS
    return low, high


def record_limit(expected: float) -> int:
    """Seconds a phone <Record> may run for these words (whole seconds, at least 5)."""
    return max(5, math.ceil(allowed_seconds(expected)[1] + 2))


def check_take(data: bytes, expected_seconds: float = 0.0) -> CheckedTake:
    """Check and convert one take. ``expected_seconds``: the computer voice's speech length
    for the same words (0 skips the length check). Raises :class:`TakeRefused`."""
    try:
        raw = decode(data)  # one ffmpeg run; everything after is done on these samples
    except AudioRejected as error:
        raise TakeRefused("unreadable", f"the take {error}") from error
    level = active_speech_level(raw)
    if not math.isfinite(level.active_dbov) or level.active_dbov < SILENCE_DBOV:
        raise TakeRefused("silent", "the take is only silence: check the microphone is on")
    if level.active_dbov < QUIET_DBOV:
        raise TakeRefused(
            "quiet",
            f"the take is too quiet ({level.active_dbov:.0f} dB): speak closer to the microphone",
            level=round(level.active_dbov),
        )
    share, runs = _clipping(raw.raw_data)
    if share > CLIPPED_SHARE or runs >= CLIPPED_RUNS:
        raise TakeRefused(
            "clipping",
            "the take is distorted (too loud for the microphone): speak a little further away",
            share=round(share * 100, 2),
        )
    speech, gain = prepare(raw, level)  # the pipeline's trim and level
    audio = TelephonyAudio(
        data=ulaw_wav(speech),
        duration=round(len(speech) / 1000, 3),
        level_dbov=level.active_dbov + gain,
        gain_db=gain,
    )
    seconds = max(0.0, audio.duration - 2 * PAD_MS / 1000)
    if expected_seconds > 0:
        low, high = allowed_seconds(expected_seconds)
        if seconds < low:
            raise TakeRefused(
                "too_short",
                f"the take is too short for its words ({seconds:.1f} s; about "
                f"{expected_seconds:.1f} s expected): say all of the words",
                seconds=round(seconds, 1),
                expected=round(expected_seconds, 1),
            )
        if seconds > high:
            raise TakeRefused(
                "too_long",
                f"the take is too long for its words ({seconds:.1f} s; about "
                f"{expected_seconds:.1f} s expected): say only these words, then stop",
                seconds=round(seconds, 1),
                expected=round(expected_seconds, 1),
            )
    return CheckedTake(
        audio=audio,
        seconds=seconds,
        expected=expected_seconds,
        level_dbov=level.active_dbov,
        peak_dbov=level.peak_dbov,
        clipped_share=share,
    )


def _clipping(pcm: bytes) -> tuple[float, int]:
    """(share of samples at full scale, runs of 3+ such samples in a row) of 16-bit PCM."""
    samples = array.array("h")
    samples.frombytes(pcm[: len(pcm) // 2 * 2])
    if not samples:
        return 0.0, 0
    clipped = runs = streak = 0
    for value in samples:
        if value >= CLIP_LEVEL or value <= -CLIP_LEVEL:
            clipped += 1
            streak += 1
            if streak == 3:
                runs += 1
        else:
            streak = 0
    return clipped / len(samples), runs


def speech_seconds(wav: bytes) -> float:
    """Seconds of speech in a PCM WAV (an engine's output), silence at both ends left out,
    measured without a process: what a take's length is compared with."""
    from pydub.silence import detect_leading_silence

    from .pipeline import _wav_chunks

    fmt, samples = _wav_chunks(wav)
    if fmt is None or samples is None or fmt[0] != 1:
        return 0.0
    segment = AudioSegment(
        data=samples[: len(samples) // 2 * 2], sample_width=2, frame_rate=fmt[2], channels=fmt[1]
    )
    level = active_speech_level(segment.set_channels(1))
    if not math.isfinite(level.active_dbov):
        return 0.0
    threshold = level.active_dbov - 40
    start = detect_leading_silence(segment, silence_threshold=threshold, chunk_size=5)
    end = detect_leading_silence(segment.reverse(), silence_threshold=threshold, chunk_size=5)
    return max(0.0, (len(segment) - start - end) / 1000)
