"""The values a call pauses at and the replies that resume it.

A call runs until it needs the caller: a <Gather> waits for keys, a <Dial> for the far end's
outcome, a <Record> for the caller's voice. Those pauses are values (`GatherWait`, `DialWait`,
`RecordWait`) that carry the document and the position in it, so a caller can answer at once
(`Call.run`, ivr/sim/emulator.py) or much later from another process (the browser phone
carries the position across requests).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from . import events as ev

DIAL_OUTCOMES = ("completed", "busy", "no-answer", "failed")
DTMF_KEYS = frozenset("0123456789*#")


@dataclass(frozen=True)
class Press:
    """Keys the caller presses at a <Gather>.

    `barge_in_at` is the second, counted from the start of the gather's prompts, at which the
    first key goes down; None means the caller listened to the end first.
    """

    keys: str
    barge_in_at: float | None = None


class HangUp:
    """The caller puts the phone down instead of answering."""

    def __repr__(self) -> str:
        return "HANG_UP"


HANG_UP = HangUp()


@dataclass(frozen=True)
class DialResult:
    status: str
    seconds: int = 0  # talk time when completed


@dataclass(frozen=True)
class Position:
    """Where a call stands: the document being executed and the index of its current verb."""

    url: str
    twiml: str
    index: int


@dataclass(frozen=True)
class GatherWait:
    position: Position
    prompts: tuple[ev.Prompt, ...]
    action: str
    method: str
    timeout: int
    num_digits: int | None
    finish_on_key: str
    action_on_empty_result: bool
    dtmf: bool


@dataclass(frozen=True)
class DialWait:
    position: Position
    numbers: tuple[str, ...]
    action: str | None
    method: str
    timeout: int
    caller_id: str


@dataclass(frozen=True)
class RecordWait:
    """A <Record>: the beep has sounded and the line listens to the caller."""

    position: Position
    action: str
    method: str
    timeout: int  # seconds of silence that end it (0: never)
    finish_on_key: str  # keys that end it
    max_length: int
    play_beep: bool
    trim: bool  # trim-silence (the default) or do-not-trim


@dataclass(frozen=True)
class RecordResult:
    """What the caller says at a <Record>: audio in any format pydub reads (None: nothing),
    and how it ended: a key of finishOnKey, "timeout" (silence), or "hangup"."""

    audio: bytes | None
    ended_by: str = "#"


@dataclass(frozen=True)
class Ended:
    reason: str


Wait = GatherWait | DialWait | RecordWait | Ended


class Caller(Protocol):
    """The person on the phone: decides what to press and how each transfer ends."""

    def press(
        self, gather: GatherWait, transcript: ev.Transcript
    ) -> Press | str | None | HangUp: ...

    def dial(self, dial: DialWait, transcript: ev.Transcript) -> DialResult | str | HangUp: ...

    # Only callers of the staff recording line need it (the line never records callers):
    # def record(self, record: RecordWait, transcript) -> RecordResult | bytes | None | HangUp
