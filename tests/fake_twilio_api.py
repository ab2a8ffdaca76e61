"""A small real HTTP server on 127.0.0.1 that answers like Twilio's Messages API.

`POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with HTTP basic auth (account SID and
auth token) and a form body (To, From or MessagingServiceSid, Body), answered 201 with a JSON
message resource as Twilio's (status "queued"). Tests program the next answers — 400, 429,
500 with Twilio's error JSON, or no answer at all — and read back every request exactly as it
arrived.
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
from urllib.parse import parse_qs

PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC[0-9a-f]{32})/Messages\.json$")

# Twilio's error bodies for the answers tests ask for (https://www.twilio.com/docs/errors).
ERRORS = {
    400: (21211, "The 'To' number is not a valid phone number."),
    401: (20003, "Authenticate"),
    404: (20404, "The requested resource was not found"),
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
    503: (20503, "Service Unavailable"),
}
HANG = "hang"  # accept the connection, read the request, never answer


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    auth: tuple[str, str] | None
    form: dict[str, str]
    raw_body: bytes
    headers: dict[str, str]


@dataclass
class FakeTwilioApi:
    account_sid: str
    auth_token: str
    requests: list[Recorded] = field(default_factory=list)
    answers: list[int | str] = field(default_factory=list)  # next answers; empty = 201

    def __post_init__(self) -> None:
        self._release = threading.Event()
        self._lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # the test output stays quiet
                pass

            def do_POST(self) -> None:
                api._handle(self)

            def do_GET(self) -> None:
                api._send(self, 405, {"code": 20004, "message": "Method not allowed"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
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
        self._release.set()  # hung requests end now
        self.server.shutdown()
        self.server.server_close()

    def answer_next(self, *answers: int | str) -> None:
        with self._lock:
            self.answers.extend(answers)

    # -- the API ----------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length)
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}
        recorded = Recorded(
            "POST",
            handler.path,
            _basic_auth(handler.headers.get("Authorization", "")),
            form,
            raw,
            dict(handler.headers.items()),
        )
        with self._lock:
            self.requests.append(recorded)
            answer = self.answers.pop(0) if self.answers else 201
        match = PATH.match(handler.path)
        if match is None:
            return self._send(handler, 404, _error(404))
        if recorded.auth != (self.account_sid, self.auth_token) or match["sid"] != self.account_sid:
            return self._send(handler, 401, _error(401))
        if answer == HANG:
            self._release.wait(10)
            handler.close_connection = True
            return None
        if answer != 201:
            return self._send(handler, int(answer), _error(int(answer)))
        if "To" not in form or "Body" not in form:
            return self._send(handler, 400, {**_error(400), "code": 21604})
        return self._send(handler, 201, self._message(form))

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

    def _send(self, handler: BaseHTTPRequestHandler, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)


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
