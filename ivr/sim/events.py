"""What happened on an emulated call: one event per thing the caller heard, did or caused.

Every event carries `at`, the seconds of call time (audio heard plus waiting) since the call was
answered, so reports can say when the caller first heard something.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# A stated speaking rate for estimating how long a <Say> lasts: Twilio's voices read telephone
# prompts at roughly 150 words a minute.
SAY_WORDS_PER_SECOND = 2.5


def say_seconds(text: str) -> float:
    """Estimated seconds Twilio takes to speak `text` once."""
    return round(len(text.split()) / SAY_WORDS_PER_SECOND, 2)


@dataclass(frozen=True)
class Event:
    at: float


@dataclass(frozen=True)
class Request(Event):
    """One webhook or media request and its answer."""

    method: str
    url: str
    status: int
    latency: float
    params: dict[str, str] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Prompt(Event):
    """Something the caller hears: the whole length, and how much of it they heard."""

    seconds: float
    heard: float
    interrupted: bool = False

    @property
    def caption(self) -> str:
        return ""


@dataclass(frozen=True)
class Say(Prompt):
    text: str = ""
    voice: str = ""
    language: str = ""
    loop: int = 1

    @property
    def caption(self) -> str:
        return self.text


@dataclass(frozen=True)
class Play(Prompt):
    url: str = ""
    loop: int = 1

    @property
    def caption(self) -> str:
        return self.url


@dataclass(frozen=True)
class Pause(Prompt):
    pass


@dataclass(frozen=True)
class Gather(Event):
    """The end of a <Gather>: what the caller pressed and how the gather finished."""

    keys: str
    digits: str
    finished_on_key: str
    outcome: str  # "digits", "finish-key", "timeout"
    action: str


@dataclass(frozen=True)
class Dial(Event):
    numbers: tuple[str, ...]
    outcome: str
    duration: int
    caller_id: str
    action: str


@dataclass(frozen=True)
class Record(Event):
    """The end of a <Record>: how long the recording is and how it ended."""

    seconds: float
    digits: str  # the finishOnKey key, "hangup", or "" (silence or maxLength ended it)
    sid: str  # RecordingSid ("" when nothing was recorded: no action request)
    action: str


@dataclass(frozen=True)
class Redirect(Event):
    url: str
    method: str


@dataclass(frozen=True)
class Hangup(Event):
    reason: str


@dataclass(frozen=True)
class Text(Event):
    """A text message that reached the caller's phone (from the line's fake Messages API)."""

    body: str


@dataclass(frozen=True)
class Error(Event):
    message: str
    url: str = ""


@dataclass
class Transcript:
    """The events of one call, in order, and the call clock."""

    events: list[Event] = field(default_factory=list)
    clock: float = 0.0

    def of(self, kind: type[Event]) -> list:
        return [event for event in self.events if isinstance(event, kind)]

    @property
    def errors(self) -> list[Error]:
        return self.of(Error)

    @property
    def prompts(self) -> list[Prompt]:
        return self.of(Prompt)

    @property
    def ended(self) -> bool:
        return any(isinstance(event, Hangup) for event in self.events)

    def captions(self) -> list[str]:
        return [p.caption for p in self.prompts if p.caption]
