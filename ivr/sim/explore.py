"""Explore every state a caller can reach, through the emulator, trying every input everywhere.

A state is a <Gather> or <Dial> in a TwiML document. The line keeps all call state in its URLs,
so the document's text and the verb's index determine everything that can follow: two waits
with the same text and index are the same state, whichever path led there. Every state is tried
with each keypad key, with silence, and (for a <Dial>) with every outcome.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from . import events as ev
from .emulator import Call
from .media import MediaLibrary
from .transport import Transport
from .waits import DIAL_OUTCOMES, DialWait, Ended, GatherWait, RecordWait, Wait

KEYS = tuple("1234567890*#")
SILENCE = "silence"

# Returns what is wrong with dialling this number, or None when it is fine.
DialCheck = Callable[[str], "str | None"]


@dataclass(frozen=True)
class Finding:
    path: tuple[str, ...]  # the inputs from the start of the call, e.g. ("1", "silence")
    message: str

    def __str__(self) -> str:
        return f"{self.message}  (after: {' '.join(self.path) or 'answer'})"


StateKey = tuple[str, int]


@dataclass(frozen=True)
class Step:
    """One input at one state: what the caller then heard, in order, and where it led."""

    label: str
    lang: str | None
    heard: tuple[str, ...]  # captions
    to: StateKey | None  # None: the call ended


@dataclass
class Exploration:
    states: int = 0
    requests: int = 0
    findings: list[Finding] = field(default_factory=list)
    dialled: dict[str, set[str]] = field(default_factory=dict)  # language -> numbers
    heard: dict[str, set[str]] = field(default_factory=dict)  # language -> captions heard
    languages: set[str] = field(default_factory=set)
    # The graph of the call, for checks that depend on what was heard earlier on a path
    # (ivr/sim/dated.py): what the caller hears on answering, the first state, every step.
    start: tuple[str, ...] = ()
    first: StateKey | None = None
    steps: dict[StateKey, list[Step]] = field(default_factory=dict)


def _lang(url: str) -> str | None:
    return parse_qs(urlsplit(url).query).get("lang", [None])[0]


def _state_key(wait: GatherWait | DialWait) -> StateKey:
    digest = hashlib.sha1(wait.position.twiml.encode(), usedforsecurity=False).hexdigest()
    return digest, wait.position.index


class Explorer:
    def __init__(
        self,
        transport: Transport,
        url: str,
        *,
        auth_token: str = "",
        media: MediaLibrary | None = None,
        check_dial: DialCheck | None = None,
        caption: Callable[[ev.Prompt], str] = lambda prompt: prompt.caption,
        max_states: int = 20000,
    ) -> None:
        self.transport = transport
        self.url = url
        self.auth_token = auth_token
        self.media = media
        self.check_dial = check_dial
        self.caption = caption
        self.max_states = max_states
        self.result = Exploration()

    def run(self) -> Exploration:
        call = self._call(self.url)
        first = call.start()
        self._inspect(call, (), None, None)
        self.result.start = tuple(self.caption(p) for p in call.transcript.prompts)
        self.result.first = None if isinstance(first, Ended) else _state_key(first)
        queue: deque[tuple[Wait, tuple[str, ...], str | None]] = deque([(first, (), None)])
        seen: set[tuple[str, int]] = set()
        while queue:
            wait, path, lang = queue.popleft()
            if isinstance(wait, Ended):
                continue
            if isinstance(wait, RecordWait):
                # Only the staff line (/voice/staff) records; the public line never does.
                self._find(path, "<Record>: the line must never record a caller")
                continue
            key = _state_key(wait)
            if key in seen:
                continue
            if len(seen) >= self.max_states:
                self._find(
                    path, f"more than {self.max_states} states: does a counter grow forever?"
                )
                break
            seen.add(key)
            lang = _lang(wait.action or "") or _lang(wait.position.url) or lang
            if isinstance(wait, DialWait):
                self._visit_dial(wait, path, lang)
            following = []
            for label, answer in self._inputs(wait):
                call = self._call(wait.position.url)
                if isinstance(wait, GatherWait):
                    after = call.answer_gather(wait, answer)
                else:
                    after = call.answer_dial(wait, answer)
                self._inspect(call, path + (label,), label, lang)
                heard = tuple(self.caption(p) for p in call.transcript.prompts)
                to = None if isinstance(after, Ended) else _state_key(after)
                # The language menu's steps are heard in the language the key chose.
                said_in = lang or (None if isinstance(after, Ended) else _lang(after.action or ""))
                self.result.steps.setdefault(key, []).append(Step(label, said_in, heard, to))
                following.append(after)
                queue.append((after, path + (label,), lang))
            if isinstance(wait, GatherWait) and all(
                not isinstance(after, Ended) and _state_key(after) == key for after in following
            ):
                self._find(path, "dead end: every key and silence come back to the same menu")
        self.result.states = len(seen)
        return self.result

    def _inputs(self, wait: GatherWait | DialWait) -> list[tuple[str, str | None]]:
        if isinstance(wait, DialWait):
            return [(f"dial:{outcome}", outcome) for outcome in DIAL_OUTCOMES]
        return [(key, key) for key in KEYS] + [(SILENCE, None)]

    def _visit_dial(self, wait: DialWait, path: tuple[str, ...], lang: str | None) -> None:
        for number in wait.numbers:
            self.result.dialled.setdefault(lang or "?", set()).add(number)
            problem = self.check_dial(number) if self.check_dial else None
            if problem:
                self._find(path, f"<Dial> {number}: {problem}")

    def _inspect(
        self, call: Call, path: tuple[str, ...], label: str | None, lang: str | None
    ) -> None:
        transcript = call.transcript
        self.result.requests += call.requests_made
        if lang:
            self.result.languages.add(lang)
            heard = self.result.heard.setdefault(lang, set())
            heard.update(self.caption(p) for p in transcript.prompts)
        for error in transcript.errors:
            self._find(path, f"{error.message} [{error.url}]")
        for hangup in transcript.of(ev.Hangup):
            if hangup.reason == "end of document":
                self._find(path, "dead end: the document ran out without a <Hangup>")
            elif label == SILENCE and hangup.reason == "<Hangup>":
                self._find(path, "silence was answered by hanging up on the caller")

    def _find(self, path: tuple[str, ...], message: str) -> None:
        # One finding per message: the first (shortest) path that shows it is enough.
        if all(f.message != message for f in self.result.findings):
            self.result.findings.append(Finding(path, message))

    def _call(self, url: str) -> Call:
        return Call(self.transport, url, auth_token=self.auth_token, media=self.media)
