"""A call's side of the HTTP conversation: its state, the signed webhook requests it makes
(GET or POST, Twilio's Fallback URL), the transcript events they leave, and the status
callback it sends when it ends.

Semantics follow Twilio's webhook and Calls API references; where a behaviour is subtle the
comment cites it.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Protocol
from urllib.parse import urlencode

from . import events as ev
from .media import MediaLibrary
from .signing import CallParty, new_sid, signed_headers
from .spec import check_reply, parse_twiml
from .transport import Transport, texts_to
from .waits import Ended, Position


class RecordingStore(Protocol):
    """Where a <Record> is kept (a fake of Twilio's Recordings REST resource)."""

    def add(self, call_sid: str, audio: bytes, duration: int) -> tuple[str, str]: ...


@dataclass(frozen=True)
class StatusCallback:
    """Where Twilio reports how a call placed through the Calls API ended (StatusCallback,
    StatusCallbackMethod, StatusCallbackEvent; rest-calls.json status_callback), and the
    fields it adds to every report (AnsweredBy when answering-machine detection ran)."""

    url: str
    method: str = "POST"
    events: tuple[str, ...] = ("completed",)
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Document:
    """A TwiML document the app answered, and where it came from."""

    url: str
    text: str
    root: ET.Element


class CallWebhooks:
    """The state of one emulated call and its requests to the app; `Call` (ivr/sim/emulator.py)
    executes the TwiML they return."""

    def __init__(
        self,
        transport: Transport,
        url: str,
        *,
        auth_token: str = "",
        party: CallParty | None = None,
        method: str = "POST",
        media: MediaLibrary | None = None,
        max_requests: int = 300,
        transcript: ev.Transcript | None = None,
        requests_made: int = 0,
        fallback_url: str | None = None,
        start_params: Mapping[str, str] | None = None,
        status_callback: StatusCallback | None = None,
        after_answer: Callable[[], bool] | None = None,
        recordings: RecordingStore | None = None,
    ) -> None:
        self.transport = transport
        # Where <Record> keeps audio: given, or the transport's (in-process development).
        self.recordings = recordings or getattr(transport, "recordings", None)
        # The number's Fallback URL: Twilio posts there (same form, plus ErrorUrl and
        # ErrorCode) when a webhook fails, and plays what it answers instead.
        self.fallback_url = fallback_url
        self.url = url
        self.auth_token = auth_token
        self.party = party or CallParty(call_sid=new_sid("CA"))
        self.method = method
        self.media = media
        self.max_requests = max_requests
        self.transcript = transcript or ev.Transcript()
        self.requests_made = requests_made
        # Fields only the first request carries: AnsweredBy and MachineDetectionDuration of
        # synchronous answering-machine detection (rest-calls.json answering_machine_detection).
        self.start_params = dict(start_params or {})
        self.status_callback = status_callback
        self.status_sent = False
        # Runs once the first document arrived, before it plays (asynchronous answering-
        # machine detection reports then); True: the call was ended through the REST API.
        self.after_answer = after_answer
        # None until the first document: True once Twilio answered the call (billed), False
        # when it was turned away with <Reject> (never answered, never billed).
        self.answered: bool | None = None if requests_made == 0 else True
        self.rejected: str | None = None  # the <Reject> reason

    # -- requests -------------------------------------------------------------------------------

    def _request(self, url: str, method: str, params: dict[str, str]) -> Document | None:
        if self.requests_made >= self.max_requests:
            self._fail(f"more than {self.max_requests} webhook requests in one call", url)
            return None
        self.requests_made += 1
        if method == "GET":
            # A GET webhook carries the parameters in its query string, and the signature covers
            # that URL alone (https://www.twilio.com/docs/usage/security#validating-requests).
            url = url + ("&" if "?" in url else "?") + urlencode(params)
            headers = signed_headers(self.auth_token, url, {})
            reply = self.transport.send("GET", url, None, headers)
        else:
            headers = signed_headers(self.auth_token, url, params)
            headers["Content-Type"] = "application/x-www-form-urlencoded; charset=UTF-8"
            reply = self.transport.send("POST", url, params, headers)
        self._emit(ev.Request, method, url, reply.status, round(reply.latency, 4), params)
        for body in texts_to(self.transport, self.party.person):
            self._emit(ev.Text, body)  # the line texted the caller while answering
        problems = check_reply(reply.status, reply.content_type, reply.body)
        root = None
        if reply.status == 200:
            root, xml_problems = parse_twiml(reply.body)
            problems += xml_problems
        if (problems or root is None) and self.fallback_url and url != self.fallback_url:
            # https://www.twilio.com/docs/usage/webhooks/voice-webhooks (Fallback URL): error
            # 11200 "HTTP retrieval failure"; the fallback is POSTed the original parameters.
            for problem in problems:
                self._error(problem, url)
            error = {"ErrorUrl": url, "ErrorCode": "11200"}
            return self._request(self.fallback_url, "POST", params | error)
        if problems or root is None:
            for problem in problems:
                self._error(problem, url)
            # Twilio says "an application error has occurred" and ends the call.
            self._hangup("application error")
            return None
        return Document(url, reply.body.decode("utf-8"), root)

    def _params(self) -> dict[str, str]:
        return self.party.base_params("in-progress")

    def _document_at(self, position: Position) -> Document:
        return Document(position.url, position.twiml, ET.fromstring(position.twiml))

    # -- the transcript and the end of the call -------------------------------------------------

    def _emit(self, kind: type[ev.Event], *fields: object) -> None:
        self.transcript.events.append(kind(self.transcript.clock, *fields))

    def _error(self, message: str, url: str) -> None:
        self._emit(ev.Error, message, url)

    def _hangup(self, reason: str) -> Ended:
        self._emit(ev.Hangup, reason)
        self.report_end("completed" if self.answered else "no-answer")
        return Ended(reason)

    def report_end(self, status: str) -> None:
        """Twilio's status callback of a call placed through the Calls API, once, when it
        ends (its `completed` event carries the terminal status)."""
        callback = self.status_callback
        if callback is None or self.status_sent:
            return
        self.status_sent = True
        talk = math.ceil(self.transcript.clock) if status == "completed" else 0
        params = status_params(self.party, status, callback, sequence=0, seconds=talk)
        send_status(self.transport, self.auth_token, callback, params)

    def _fail(self, message: str, url: str) -> Ended:
        self._error(message, url)
        return self._hangup("application error")


SIP_CODES = {"completed": "200", "busy": "486", "no-answer": "487", "failed": "404"}


def status_params(
    party: CallParty, status: str, callback: StatusCallback, *, sequence: int, seconds: int = 0
) -> dict[str, str]:
    """The form of one status callback (rest-calls.json status_callback.examples)."""
    params = party.base_params(status) | {
        "CallbackSource": "call-progress-events",
        "SequenceNumber": str(sequence),
        "Timestamp": format_datetime(datetime.now(UTC)),
    }
    if status in ("completed", "busy", "no-answer", "failed", "canceled"):
        params |= {
            "CallDuration": str(seconds),
            "Duration": str(math.ceil(seconds / 60)) if status == "completed" else "0",
            "SipResponseCode": SIP_CODES.get(status, "487"),
        }
    return params | dict(callback.extra)


def send_status(
    transport: Transport, auth_token: str, callback: StatusCallback, params: dict[str, str]
) -> int:
    """Send one signed status callback the way Twilio does; the answer's body is ignored."""
    if callback.method == "GET":
        url = callback.url + ("&" if "?" in callback.url else "?") + urlencode(params)
        return transport.send("GET", url, None, signed_headers(auth_token, url, {})).status
    headers = signed_headers(auth_token, callback.url, params)
    headers["Content-Type"] = "application/x-www-form-urlencoded; charset=UTF-8"
    return transport.send("POST", callback.url, params, headers).status
