"""Active speech level, the loudness measure telephone networks are specified in.

ITU-T P.56 defines the *active speech level*: the mean power over the time the talker is
actually speaking, not over the pauses. RFC 7874 §4 asks for an active level of -19 dBm0,
an RMS of 2600 out of 32767 (about -22 dBov), ±6 dB, and notes that "only active speech should
be considered". We normalise every prompt to :data:`TARGET_DBOV` so that a staff recording
and an engine voice, played one after the other, sound equally loud.

Approximation of P.56 Method B used here (documented so nobody mistakes it for the reference
implementation):

* the envelope is the RMS of 10 ms frames, not a 30 ms exponential smoother of |x|;
* a frame counts as active at threshold ``c`` when any frame in the last 200 ms (P.56's
  hangover time) had an envelope at or above ``c``;
* thresholds are spaced every 1 dB (P.56 uses powers of two, i.e. every 6 dB) and the active
  level is interpolated where "level over active frames" minus "threshold" crosses the
  P.56 margin of 15.9 dB.

On espeak-ng speech this agrees with a plain "RMS over frames louder than peak minus 35 dB"
within a fraction of a dB, and unlike that it does not depend on how loud the loudest click is.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from pydub import AudioSegment
from pydub.audio_segment import audioop  # pydub's own: the stdlib module, or its fallback

#: Every prompt is levelled to this active speech level (ITU-T P.56), in dB relative to the
#: overload point of the digital channel (0 dBov = RMS of a full-scale square wave). -24 dBov
#: is the middle of the -26..-22 dBov telephony range (RFC 7874 §4 asks for -22 dBov ±6 dB)
#: and leaves 24 dB of headroom, more than the 12-20 dB that speech peaks rise above its active
#: level, so levelling almost never has to hold back to avoid clipping.
TARGET_DBOV = -24.0

#: Below this active level a recording is treated as silence (an unplugged microphone, a muted
#: phone): about 20 dB under the quietest speech one could still level without lifting noise.
SILENCE_DBOV = -55.0

FRAME_MS = 10
HANGOVER_MS = 200
MARGIN_DB = 15.9  # P.56 margin between the active level and the activity threshold

_FULL_SCALE = 32768.0  # 16-bit samples; pydub's dBFS uses the same reference


@dataclass(frozen=True)
class Level:
    """The measured active speech level and the peak, both in dB relative to full scale."""

    active_dbov: float
    peak_dbov: float
    activity: float  # fraction of the signal judged to be speech, 0..1


def frame_rms(segment: AudioSegment, frame_ms: int = FRAME_MS) -> list[float]:
    """RMS of each ``frame_ms`` slice of a mono 16-bit segment (a last partial frame dropped).

    The frames are cut from the raw bytes where pydub's ``segment[a:b]`` would cut them
    (``int(ms * rate / 1000)`` frames in): the same numbers as ``make_chunks(...)[i].rms``,
    without building an AudioSegment per 10 ms (a tenth of a second per prompt)."""
    data, width, per_ms = segment.raw_data, segment.frame_width, segment.frame_rate / 1000.0
    edges = [int(i * frame_ms * per_ms) * width for i in range(int(len(segment) // frame_ms) + 1)]
    return [
        float(audioop.rms(data[start:end], segment.sample_width))
        for start, end in zip(edges, edges[1:], strict=False)
    ]


def _db(amplitude: float) -> float:
    return 20 * math.log10(amplitude / _FULL_SCALE) if amplitude > 0 else -math.inf


def active_speech_level(segment: AudioSegment) -> Level:
    """Measure the active speech level of a mono 16-bit segment (see the module docstring)."""
    envelope = frame_rms(segment)
    peak = _db(float(segment.max))
    if not envelope or max(envelope) <= 0:
        return Level(active_dbov=-math.inf, peak_dbov=peak, activity=0.0)

    # Envelope with hangover: the loudest frame within the last HANGOVER_MS.
    window = max(1, HANGOVER_MS // FRAME_MS)
    held: list[float] = []
    recent: deque[tuple[int, float]] = deque()  # (index, value), values decreasing
    for i, value in enumerate(envelope):
        while recent and recent[-1][1] <= value:
            recent.pop()
        recent.append((i, value))
        if recent[0][0] <= i - window:
            recent.popleft()
        held.append(recent[0][1])

    energies = [value * value for value in envelope]
    total_energy = sum(energies)
    count = len(envelope)

    # P.56 walks the thresholds upwards and stops at the first one where the level of the
    # frames above it is no more than MARGIN_DB over the threshold itself.
    previous: tuple[float, float] | None = None  # (threshold dB, level dB) one step lower
    for threshold_db in range(-100, 1):
        threshold = _FULL_SCALE * 10 ** (threshold_db / 20)
        active = sum(1 for value in held if value >= threshold)
        if active == 0:
            break
        level_db = 10 * math.log10(total_energy / active / _FULL_SCALE**2)
        diff = level_db - threshold_db
        if diff > MARGIN_DB:
            previous = (threshold_db, level_db)
            continue
        if previous is None:
            return Level(level_db, peak, active / count)
        prev_threshold, prev_level = previous
        prev_diff = prev_level - prev_threshold
        fraction = (prev_diff - MARGIN_DB) / (prev_diff - diff)
        level = prev_level + fraction * (level_db - prev_level)
        return Level(level, peak, active / count)
    # Never within the margin: a short burst over silence; count only the loudest frames.
    if previous is None:
        return Level(-math.inf, peak, 0.0)
    active = sum(1 for value in held if value >= _FULL_SCALE * 10 ** (previous[0] / 20))
    return Level(previous[1], peak, active / count)
