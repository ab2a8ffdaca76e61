"""Ready-made callers: who presses what, and how transfers end."""

from __future__ import annotations

from collections.abc import Iterable

from .events import Transcript
from .waits import HANG_UP, DialResult, DialWait, GatherWait, HangUp, Press


class ScriptedCaller:
    """Presses the scripted keys at each gather in turn (None = silence), then hangs up.

    Every transfer ends with the next scripted dial outcome, or `completed` when none is left.
    """

    def __init__(
        self, keys: Iterable[str | Press | None], dials: Iterable[str | DialResult] = ()
    ) -> None:
        self.keys = list(keys)
        self.dials = list(dials)

    def press(self, gather: GatherWait, transcript: Transcript) -> Press | str | None | HangUp:
        if not self.keys:
            return HANG_UP
        return self.keys.pop(0)

    def dial(self, dial: DialWait, transcript: Transcript) -> DialResult | str | HangUp:
        return self.dials.pop(0) if self.dials else "completed"
