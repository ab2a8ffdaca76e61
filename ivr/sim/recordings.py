"""A fake of Twilio's Recordings REST resource: where the emulator's <Record> puts its audio.

Behaviour from ``shared/twiml/rest-recordings.json`` (Twilio's OpenAPI spec, docs and real
captures):

- ``GET  /2010-04-01/Accounts/{AC}/Recordings/{RE}`` or ``.wav``: the media, ``audio/x-wav``
  (8 kHz, 16-bit, mono PCM: what 128 kbps means); ``.mp3``: ``audio/mpeg``;
- ``GET  .../Recordings/{RE}.json``: the metadata resource (status ``completed``,
  ``source`` ``RecordVerb``, ``duration`` as a string ...);
- ``DELETE .../Recordings/{RE}.json`` (or without ``.json``): 204 with no body; afterwards
  media and metadata answer 404 (code 20404), and a second DELETE too;
- every request needs HTTP Basic auth with the account SID and auth token: 401 (code 20003)
  otherwise, 404 for another account's path.

``FakeRecordings.add`` is the emulator's side: it stores a recording and gives the SID and
the extension-less ``RecordingUrl`` under the fake's own base URL, as Twilio gives its own.
"""

from __future__ import annotations

import io
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime

from pydub import AudioSegment
from pydub.exceptions import CouldntDecodeError
from pydub.silence import detect_leading_silence

PATH = re.compile(
    r"^/2010-04-01/Accounts/(?P<account>AC[0-9a-f]{32})/Recordings/"
    r"(?P<sid>RE[0-9a-fA-F]{32})(?P<ext>\.json|\.wav|\.mp3)?$"
)
ERRORS = {
    401: (20003, "Authenticate"),
    404: (20404, "The requested resource was not found"),
    405: (20004, "Method not allowed"),
}


@dataclass
class Stored:
    sid: str
    account_sid: str
    call_sid: str
    wav: bytes  # 8 kHz 16-bit mono PCM WAV
    duration: int
    created: datetime
    deleted: bool = False


@dataclass
class FakeRecordings:
    account_sid: str
    auth_token: str
    base_url: str = "https://api.twilio.com"
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path) as asked

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stored: dict[str, Stored] = {}

    # -- the emulator's side -----------------------------------------------------------------

    def add(self, call_sid: str, audio: bytes, duration: int) -> tuple[str, str]:
        """Keep a recording (a WAV as Twilio stores it); (RecordingSid, RecordingUrl)."""
        sid = "RE" + secrets.token_hex(16)
        with self._lock:
            self._stored[sid] = Stored(
                sid, self.account_sid, call_sid, audio, duration, datetime.now(UTC)
            )
        return sid, f"{self.base_url}{self._path(sid)}"

    def exists(self, sid: str) -> bool:
        """True while the recording is kept (not deleted): what tests check."""
        with self._lock:
            stored = self._stored.get(sid)
            return stored is not None and not stored.deleted

    def kept(self) -> list[str]:
        """SIDs of the recordings still stored (not deleted)."""
        with self._lock:
            return [sid for sid, s in self._stored.items() if not s.deleted]

    def _path(self, sid: str) -> str:
        return f"/2010-04-01/Accounts/{self.account_sid}/Recordings/{sid}"

    # -- the REST side -------------------------------------------------------------------------

    def handles(self, path: str) -> bool:
        return PATH.match(path.split("?", 1)[0]) is not None

    def handle(
        self, method: str, path: str, auth: tuple[str, str] | None
    ) -> tuple[int, str, bytes]:
        """(status, content type, body) for one request to a Recordings URL."""
        with self._lock:
            self.requests.append((method, path))
        match = PATH.match(path.split("?", 1)[0])
        if match is None:
            return _error(404)
        if auth != (self.account_sid, self.auth_token):
            return _error(401)
        if match["account"] != self.account_sid:
            return _error(404)
        with self._lock:
            stored = self._stored.get(match["sid"])
            if stored is None or stored.deleted:
                return _error(404)
            if method == "DELETE":
                stored.deleted = True
                stored.wav = b""  # the media is gone for good
                return 204, "", b""
        if method != "GET":
            return _error(405)
        ext = match["ext"] or ""
        if ext == ".json":
            return 200, "application/json", json.dumps(self._resource(stored)).encode()
        if ext == ".mp3":
            out = io.BytesIO()
            AudioSegment.from_file(io.BytesIO(stored.wav), format="wav").export(
                out, format="mp3", bitrate="32k"
            )
            return 200, "audio/mpeg", out.getvalue()
        return 200, "audio/x-wav", stored.wav

    def _resource(self, stored: Stored) -> dict:
        stamp = format_datetime(stored.created)
        uri = self._path(stored.sid)
        return {
            "account_sid": stored.account_sid,
            "api_version": "2010-04-01",
            "call_sid": stored.call_sid,
            "conference_sid": None,
            "channels": 1,
            "date_created": stamp,
            "date_updated": stamp,
            "start_time": stamp,
            "price": "-0.00250",
            "price_unit": "USD",
            "duration": str(stored.duration),
            "sid": stored.sid,
            "source": "RecordVerb",
            "status": "completed",
            "error_code": None,
            "encryption_details": None,
            "uri": uri + ".json",
            "subresource_uris": {
                "add_on_results": uri + "/AddOnResults.json",
                "transcriptions": uri + "/Transcriptions.json",
            },
            "media_url": self.base_url + uri,
        }


def _error(status: int) -> tuple[int, str, bytes]:
    code, message = ERRORS.get(status, (20500, "Error"))
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return status, "application/json", json.dumps(body).encode()


#: What <Record trim="trim-silence"> counts as silence at either end (dBFS).
TRIM_BELOW_DBFS = -50.0


def as_twilio_wav(audio: bytes, max_seconds: float, trim: bool = True) -> tuple[bytes, float]:
    """Any test audio as Twilio stores a <Record>: 8 kHz 16-bit mono PCM WAV, cut at
    ``max_seconds``, silence at both ends trimmed (``trim``, Twilio's default); with its
    length in seconds."""
    try:
        segment = AudioSegment.from_file(io.BytesIO(audio))
    except CouldntDecodeError as exc:
        raise ValueError("the recording is not audio") from exc
    segment = segment.set_channels(1).set_frame_rate(8000).set_sample_width(2)
    segment = segment[: int(max_seconds * 1000)]
    if trim and len(segment):
        start = detect_leading_silence(segment, silence_threshold=TRIM_BELOW_DBFS)
        end = detect_leading_silence(segment.reverse(), silence_threshold=TRIM_BELOW_DBFS)
        segment = segment[start : max(start, len(segment) - end)]
    out = io.BytesIO()
    segment.export(out, format="wav")
    return out.getvalue(), len(segment) / 1000
