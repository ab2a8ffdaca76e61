"""Call the hotline without Twilio: a TwiML interpreter that behaves like Twilio, and the tools
built on it (terminal phone, browser phone, whole-tree walk, load benchmark)."""

from .callers import ScriptedCaller
from .emulator import Call
from .events import Transcript
from .media import MediaLibrary
from .signing import CallParty
from .transport import FlaskTransport, HttpTransport
from .waits import HANG_UP, DialResult, DialWait, Ended, GatherWait, Position, Press

__all__ = [
    "HANG_UP",
    "Call",
    "CallParty",
    "DialResult",
    "DialWait",
    "Ended",
    "FlaskTransport",
    "GatherWait",
    "HttpTransport",
    "MediaLibrary",
    "Position",
    "Press",
    "ScriptedCaller",
    "Transcript",
]
