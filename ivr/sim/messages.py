"""A fake of Twilio's Messages API: where the simulators' text messages arrive (and, through
`calls.py`, of its Calls API: the outbound calls the line places).

`POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with HTTP basic auth (account SID and
auth token) and a form body (To, From or MessagingServiceSid, Body) is answered 201 with a
JSON message resource like Twilio's (status "queued"). `FakeMessagesApi` is that logic;
two transports put the twilio client in front of it:

- `InProcessHttpClient`: the twilio client's HTTP client that hands each request straight to
  the fake, in this process. `ivr.sms.init_app` uses it in development without a Twilio
  account, so the emulator, the terminal phone and the browser phone show the text that
  would arrive (`FakeMessagesApi.inbox`), exactly as twilio's client encoded it.
- `FakeTwilioApi`: a small real HTTP server on 127.0.0.1 (a free port) for the tests, which
  program the next answers — 400, 429, 500 with Twilio's error JSON, or no answer at all —
  and read back every request exactly as it arrived. It also serves the Recordings resource
  (`.recordings`, ivr/sim/recordings.py) the emulator's <Record> fills: media GET and DELETE.

Messages are kept in memory only, by the number they were sent to (a simulated caller's), and
an inbox read takes them out.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from twilio.http import HttpClient
from twilio.http.response import Response as TwilioResponse

from .calls import FakeCalls
from .recordings import FakeRecordings

PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC[0-9a-f]{32})/Messages\.json$")
DEV_ACCOUNT = "AC" + "0" * 32  # development's stand-in account (no Twilio account needed)

# Twilio's error bodies for the answers tests ask for (https://www.twilio.com/docs/errors).
ERRORS = {
    400: (21211, "The 'To' number is not a valid phone number."),
    401: (20003, "Authenticate"),
    404: (20404, "The requested resource was not found"),
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
    503: (20503, "Service Unavailable"),
}
HANG = "hang"  # accept the request, never answer
MAX_KEPT = 200  # messages kept for the simulators; older ones go first


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    auth: tuple[str, str] | None
    form: dict[str, str]
    raw_body: bytes
    headers: dict[str, str]


@dataclass
class FakeMessagesApi:
    account_sid: str
    auth_token: str
    requests: list[Recorded] = field(default_factory=list)
    answers: list[int | str] = field(default_factory=list)  # next answers; empty = 201
    keep_requests: bool = True  # False in development: only the inboxes are kept
    # Outbound calls (Calls.json): the same account, the same programmed answers (calls.py).
    calls: FakeCalls = field(default_factory=FakeCalls)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._inbox: dict[str, list[str]] = {}
        self.release = threading.Event()  # set: hung requests end

    def answer_next(self, *answers: int | str) -> None:
        with self._lock:
            self.answers.extend(answers)

    def inbox(self, to: str) -> list[str]:
        """The bodies of the texts sent to `to` since the last look, oldest first."""
        with self._lock:
            return self._inbox.pop(to, [])

    def handle(
        self, path: str, auth: tuple[str, str] | None, raw: bytes, headers: dict[str, str]
    ) -> tuple[int, dict] | None:
        """(status, JSON body) for one POST, or None for "never answers"."""
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}
        with self._lock:
            if self.keep_requests:
                self.requests.append(Recorded("POST", path, auth, form, raw, headers))
            answer = self.answers.pop(0) if self.answers else 201
        match = PATH.match(path)
        is_calls = "/Calls" in path
        if match is None and not is_calls:
            return 404, _error(404)
        if auth != (self.account_sid, self.auth_token) or (
            match is not None and match["sid"] != self.account_sid
        ):
            return 401, _error(401)
        if answer == HANG:
            self.release.wait(10)
            return None
        if answer != 201:
            return int(answer), _error(int(answer))
        if is_calls:
            answered = self.calls.handle(self.account_sid, path, raw)
            return answered if answered is not None else (404, _error(404))
        if "To" not in form or "Body" not in form:
            return 400, {**_error(400), "code": 21604}
        with self._lock:
            box = self._inbox.setdefault(form["To"], [])
            box.append(form["Body"])
            del box[:-MAX_KEPT]
            while len(self._inbox) > MAX_KEPT:
                del self._inbox[next(iter(self._inbox))]
        return 201, self._message(form)

    def _message(self, form: dict[str, str]) -> dict:
        sid = "SM" + secrets.token_hex(16)
        now = format_datetime(datetime.now(UTC))
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"
        return {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": form["Body"],
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "accepted" if "MessagingServiceSid" in form else "queued",
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": form["To"],
            "uri": uri,
        }


class InProcessHttpClient(HttpClient):
    """twilio's HTTP client interface, answered by a FakeMessagesApi in this process: the
    request is encoded as `requests` would send it (an urlencoded form), nothing leaves."""

    def __init__(self, api: FakeMessagesApi) -> None:
        super().__init__(logger=None, is_async=False)  # type: ignore[arg-type]
        self.api = api

    def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        raw = urlencode(data or {}, doseq=True).encode()
        answered = self.api.handle(urlsplit(uri).path, auth, raw, dict(headers or {}))
        if answered is None:
            import requests

            raise requests.Timeout("the fake Messages API did not answer")
        status, body = answered
        return TwilioResponse(status, json.dumps(body), {"Content-Type": "application/json"})


class FakeTwilioApi(FakeMessagesApi):
    """The fake behind a real HTTP server on 127.0.0.1 (a free port): `start()`, `stop()`."""

    def __post_init__(self) -> None:
        super().__post_init__()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # no request line (a number) logged
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                auth = _basic_auth(self.headers.get("Authorization", ""))
                answered = api.handle(self.path, auth, raw, dict(self.headers.items()))
                if answered is None:
                    self.close_connection = True
                    return
                _send(self, *answered)

            def do_GET(self) -> None:
                if api.recordings is not None and api.recordings.handles(self.path):
                    return _send_raw(self, *api.recordings.handle("GET", self.path, self._auth()))
                _send(self, 405, {"code": 20004, "message": "Method not allowed"})

            def do_DELETE(self) -> None:
                # The Recordings resource (ivr/sim/recordings.py): staff takes by phone.
                if api.recordings is not None and api.recordings.handles(self.path):
                    return _send_raw(
                        self, *api.recordings.handle("DELETE", self.path, self._auth())
                    )
                _send(self, 405, {"code": 20004, "message": "Method not allowed"})

            def _auth(self) -> tuple[str, str] | None:
                return _basic_auth(self.headers.get("Authorization", ""))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # Recordings made with <Record> by the emulator, at this server's own base URL.
        self.recordings: FakeRecordings | None = FakeRecordings(
            self.account_sid, self.auth_token, self.base_url
        )
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeTwilioApi:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()  # hung requests end now
        self.server.shutdown()
        self.server.server_close()


def _send(handler: BaseHTTPRequestHandler, status: int, body: dict) -> None:
    data = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json; charset=utf-8")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def _send_raw(handler: BaseHTTPRequestHandler, status: int, kind: str, body: bytes) -> None:
    handler.send_response(status)
    if kind:
        handler.send_header("Content-Type", kind)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if body:
        handler.wfile.write(body)


def _error(status: int) -> dict:
    code, message = ERRORS.get(status, (20500, "Error"))
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _basic_auth(header: str) -> tuple[str, str] | None:
    if not header.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return None
    return user, password
