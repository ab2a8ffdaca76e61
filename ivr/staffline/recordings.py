"""Staff takes recorded by phone: fetched from Twilio once, then deleted from Twilio at once.

A ``<Record>`` leaves the audio on Twilio's servers. The staff line fetches it right after
the recording ends (``GET {RecordingUrl}.wav`` with HTTP Basic auth: the account SID and auth
token, as Twilio requires for media), then deletes it (``DELETE .../Recordings/{RE}.json``
through twilio's own client), kept or not: nothing of a staffer's voice stays at Twilio. A
RecordingUrl that is not exactly this account's recording at Twilio (or at
``TWILIO_API_BASE``, the local fake the tests and development use) is refused, so the line's
credentials never go anywhere else; the media is then fetched from ``TWILIO_API_BASE`` when it
is set.

In development without a Twilio account the recordings are in an in-process fake
(``ivr/sim/recordings.py``, ``app.extensions["recordings_fake"]``), the same one the
simulators' emulator records into.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from ..sms.send import TWILIO_API, ApiHttpClient

log = logging.getLogger(__name__)

RECORDING_SID = re.compile(r"RE[0-9a-fA-F]{32}")
CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 5.0
#: The media may not be ready the instant the action request comes (Twilio's docs): tries.
FETCH_TRIES = 4
FETCH_WAIT = 0.5


class RecordingUnavailable(RuntimeError):
    """The take could not be fetched (not ready, gone, Twilio unreachable)."""


class TwilioRecordings:
    """Fetch and delete <Record> recordings of one account."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        api_base: str = "",
        http_client: TwilioHttpClient | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.base = (api_base or TWILIO_API).rstrip("/")
        self.client = Client(
            account_sid,
            auth_token,
            http_client=http_client or ApiHttpClient(api_base, CONNECT_TIMEOUT, READ_TIMEOUT),
        )
        self.session = session or requests.Session()

    def media_url(self, sid: str) -> str:
        return f"{self.base}/2010-04-01/Accounts/{self.account_sid}/Recordings/{sid}.wav"

    def fetch(self, sid: str, recording_url: str | None = None) -> bytes:
        """The recording's WAV from ``recording_url`` (the action request's RecordingUrl);
        RecordingUnavailable if it cannot be had, or if that URL is not this account's
        recording ``sid`` at Twilio (or at TWILIO_API_BASE): the account's credentials are
        never sent anywhere else."""
        if not RECORDING_SID.fullmatch(sid or ""):
            raise RecordingUnavailable("not a recording SID")
        if recording_url is not None and not self.is_ours(sid, recording_url):
            raise RecordingUnavailable("RecordingUrl is not this account's recording")
        last = ""
        for attempt in range(FETCH_TRIES):
            try:
                response = self.session.get(
                    self.media_url(sid),
                    auth=(self.account_sid, self.auth_token),
                    timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
                )
            except requests.RequestException as exc:
                last = type(exc).__name__
            else:
                if response.status_code == 200 and response.content:
                    return response.content
                last = f"HTTP {response.status_code}"
                if response.status_code not in (404, 429, 500, 502, 503):
                    break
            if attempt < FETCH_TRIES - 1:
                time.sleep(FETCH_WAIT)
        raise RecordingUnavailable(f"the recording could not be fetched ({last})")

    def is_ours(self, sid: str, recording_url: str) -> bool:
        path = f"/2010-04-01/Accounts/{self.account_sid}/Recordings/{sid}"
        allowed = {TWILIO_API + path, self.base + path}
        return recording_url.removesuffix(".wav").removesuffix(".mp3") in allowed

    def delete(self, sid: str) -> bool:
        """Delete it from Twilio; False (logged) if that failed."""
        if not RECORDING_SID.fullmatch(sid or ""):
            return False
        try:
            return bool(self.client.recordings(sid).delete())
        except TwilioRestException as exc:
            log.warning(
                "staff take not deleted from Twilio: HTTP %s (code %s)", exc.status, exc.code
            )
        except requests.RequestException as exc:
            log.warning("staff take not deleted from Twilio: %s", type(exc).__name__)
        return False


class InProcessRecordings:
    """The same interface over the in-process fake (development without an account)."""

    def __init__(self, fake: Any) -> None:
        self.fake = fake
        self.auth = (fake.account_sid, fake.auth_token)

    def _path(self, sid: str) -> str:
        return f"/2010-04-01/Accounts/{self.fake.account_sid}/Recordings/{sid}"

    def fetch(self, sid: str, recording_url: str | None = None) -> bytes:
        if not RECORDING_SID.fullmatch(sid or ""):
            raise RecordingUnavailable("not a recording SID")
        if recording_url is not None and not recording_url.removesuffix(".wav").endswith(
            self._path(sid)
        ):
            raise RecordingUnavailable("RecordingUrl is not this account's recording")
        status, _, body = self.fake.handle("GET", self._path(sid) + ".wav", self.auth)
        if status != 200:
            raise RecordingUnavailable(f"the recording could not be fetched (HTTP {status})")
        return body

    def delete(self, sid: str) -> bool:
        if not RECORDING_SID.fullmatch(sid or ""):
            return False
        status, _, _ = self.fake.handle("DELETE", self._path(sid) + ".json", self.auth)
        return status == 204
