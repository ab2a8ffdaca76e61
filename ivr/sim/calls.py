"""A fake of Twilio's Calls API: outbound calls the line places, waiting for a test to answer.

`POST /2010-04-01/Accounts/{AccountSid}/Calls.json` (HTTP basic auth, a form body: To, From,
Url, StatusCallback, MachineDetection, Timeout, ...) is answered 201 with a Call resource like
Twilio's (status "queued", `shared/twiml/rest-calls.json` -> response.example_at_create), and
the call is kept in a `CallBook` until someone decides how it is answered: a test, or the
browser phone's "incoming call" buttons. `POST .../Calls/{Sid}.json` with `Status=completed`
or `canceled` ends it (what the line does to hang up through the REST API).

What happens then (the far end answering, AnsweredBy, the status callbacks) is played by
`ivr/sim/outbound.py` with the emulator, the way Twilio does it.

Two books: `CallBook` in memory (the tests, one process), and `DirectoryCallBook`, one JSON file
per call in a folder, so the worker process that places a callback and the web process whose
browser phone rings can share it in development (numbers there are the simulator's own).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import parse_qs

CALLS = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC[0-9a-f]{32})/Calls\.json$")
CALL = re.compile(
    r"^/2010-04-01/Accounts/(?P<sid>AC[0-9a-f]{32})/Calls/(?P<call>CA[0-9a-f]{32})\.json$"
)
ENDED = ("completed", "busy", "no-answer", "failed", "canceled")


@dataclass(frozen=True)
class PlacedCall:
    """One Calls.json request as the fake received it, and where the call stands."""

    sid: str
    account_sid: str
    form: dict[str, str]  # first value of each field
    events: tuple[str, ...]  # StatusCallbackEvent values (repeated keys)
    created: float
    status: str = "queued"
    answered_by: str | None = None

    @property
    def to(self) -> str:
        return self.form.get("To", "")

    @property
    def from_(self) -> str:
        return self.form.get("From", "")

    @property
    def ended(self) -> bool:
        return self.status in ENDED

    def resource(self) -> dict:
        """The Call resource Twilio returns (`rest-calls.json` response fields)."""
        now = format_datetime(datetime.fromtimestamp(self.created, UTC))
        base = f"/2010-04-01/Accounts/{self.account_sid}/Calls/{self.sid}"
        return {
            "account_sid": self.account_sid,
            "answered_by": self.answered_by,
            "api_version": "2010-04-01",
            "caller_name": None,
            "date_created": now,
            "date_updated": now,
            "direction": "outbound-api",
            "duration": None,
            "end_time": None,
            "forwarded_from": None,
            "from": self.from_,
            "from_formatted": self.from_,
            "group_sid": None,
            "parent_call_sid": None,
            "phone_number_sid": "PN" + "0" * 32,
            "price": None,
            "price_unit": "USD",
            "queue_time": "0",
            "sid": self.sid,
            "start_time": None,
            "status": self.status,
            "subresource_uris": {
                "notifications": f"{base}/Notifications.json",
                "recordings": f"{base}/Recordings.json",
            },
            "to": self.to,
            "to_formatted": self.to,
            "trunk_sid": None,
            "uri": f"{base}.json",
        }


class CallBook:
    """The calls the fake has placed, in memory."""

    def __init__(self) -> None:
        self._calls: dict[str, PlacedCall] = {}
        self._lock = threading.Lock()

    def add(self, call: PlacedCall) -> None:
        with self._lock:
            self._calls[call.sid] = call

    def get(self, sid: str) -> PlacedCall | None:
        with self._lock:
            return self._calls.get(sid)

    def update(self, sid: str, **changes: object) -> PlacedCall | None:
        with self._lock:
            call = self._calls.get(sid)
            if call is not None:
                call = self._calls[sid] = replace(call, **changes)  # type: ignore[arg-type]
            return call

    def all(self) -> list[PlacedCall]:
        with self._lock:
            return sorted(self._calls.values(), key=lambda c: c.created)

    def ringing(self, to: str | None = None) -> list[PlacedCall]:
        """Calls nobody has answered yet (to ``to`` when given), oldest first."""
        return [c for c in self.all() if c.status == "queued" and (to is None or c.to == to)]

    def forget(self, sid: str) -> None:
        with self._lock:
            self._calls.pop(sid, None)


class DirectoryCallBook(CallBook):
    """One JSON file per call in ``folder``, shared by the processes of a development run.
    Calls older than ``keep_seconds`` are dropped when the book is read."""

    def __init__(self, folder: Path | str, keep_seconds: float = 3600) -> None:
        super().__init__()
        self.folder = Path(folder)
        self.keep_seconds = keep_seconds

    def _path(self, sid: str) -> Path:
        return self.folder / f"{sid}.json"

    def add(self, call: PlacedCall) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self._path(call.sid)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(asdict(call)), encoding="utf-8")
        os.replace(temporary, path)

    def get(self, sid: str) -> PlacedCall | None:
        if not re.fullmatch(r"CA[0-9a-f]{32}", sid):
            return None
        try:
            data = json.loads(self._path(sid).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        data["events"] = tuple(data.get("events") or ())
        return PlacedCall(**data)

    def update(self, sid: str, **changes: object) -> PlacedCall | None:
        with self._lock:
            call = self.get(sid)
            if call is not None:
                call = replace(call, **changes)  # type: ignore[arg-type]
                self.add(call)
            return call

    def all(self) -> list[PlacedCall]:
        found = []
        now = time.time()
        for path in sorted(self.folder.glob("CA*.json")) if self.folder.is_dir() else []:
            call = self.get(path.stem)
            if call is None:
                continue
            if now - call.created > self.keep_seconds:
                path.unlink(missing_ok=True)
                continue
            found.append(call)
        return sorted(found, key=lambda c: c.created)

    def forget(self, sid: str) -> None:
        self._path(sid).unlink(missing_ok=True)


@dataclass
class FakeCalls:
    """The Calls API's logic (`ivr.sim.messages.FakeMessagesApi` routes Calls paths here)."""

    book: CallBook = field(default_factory=CallBook)

    def handle(self, account_sid: str, path: str, raw: bytes) -> tuple[int, dict] | None:
        """(status, JSON body) for a POST to a Calls path of ``account_sid``; None if the
        path is not one of the Calls API's."""
        fields = parse_qs(raw.decode("utf-8"), keep_blank_values=True)
        form = {k: v[0] for k, v in fields.items()}
        match = CALLS.match(path)
        if match is not None:
            if match["sid"] != account_sid:
                return 401, _error(20003, "Authenticate", 401)
            return self._create(account_sid, form, tuple(fields.get("StatusCallbackEvent", [])))
        match = CALL.match(path)
        if match is not None:
            if match["sid"] != account_sid:
                return 401, _error(20003, "Authenticate", 401)
            return self._update(match["call"], form)
        return None

    def _create(
        self, account_sid: str, form: dict[str, str], events: tuple[str, ...]
    ) -> tuple[int, dict]:
        if not form.get("To"):
            return 400, _error(21201, "No 'To' number is specified", 400)
        if not form.get("From"):
            return 400, _error(21213, "No 'From' number is specified", 400)
        if not (form.get("Url") or form.get("Twiml") or form.get("ApplicationSid")):
            return 400, _error(21205, "Url is not a valid URL", 400)
        if not re.fullmatch(r"\+[1-9]\d{6,14}", form["To"]):
            message = f"The phone number you are attempting to call, {form['To']}, is not valid."
            return 400, _error(21211, message, 400)
        call = PlacedCall(
            sid="CA" + secrets.token_hex(16),
            account_sid=account_sid,
            form=form,
            events=events or ("completed",),
            created=time.time(),
        )
        self.book.add(call)
        return 201, call.resource()

    def _update(self, sid: str, form: dict[str, str]) -> tuple[int, dict]:
        call = self.book.get(sid)
        if call is None:
            message = f"The requested resource /Calls/{sid}.json was not found"
            return 404, _error(20404, message, 404)
        status = form.get("Status")
        if status in ("completed", "canceled") and not call.ended:
            call = self.book.update(sid, status=status) or call
        return 200, call.resource()


def _error(code: int, message: str, status: int) -> dict:
    # Twilio's 2010 API error body: code, message, more_info, status (never `type`/`title`,
    # which twilio-python would read as an RFC 9457 problem instead).
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
