"""Calls the line places: Twilio's Calls API through twilio's own client.

`POST {TWILIO_API_BASE or https://api.twilio.com}/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}/Calls.json`
with HTTP Basic auth (the account and TWILIO_AUTH_TOKEN), as ivr/sms/send.py sends texts. Used
by the worker only (missed-call callbacks, destination checks): a web request never waits for
it. Nothing here logs a number, a request or an error's text (Twilio's messages quote the
number); only Twilio's status and error code.

In development without an account the calls go to the simulators' fake Calls API
(ivr/sim/calls.py), in a folder the browser phone reads, so the simulated phone rings.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from .config import Secret, Settings
from .sms.send import ApiHttpClient

log = logging.getLogger(__name__)

# The worker can wait for Twilio longer than a webhook can (connect, read).
CONNECT_TIMEOUT = 3.05
READ_TIMEOUT = 10.0
# Twilio's codes for a number it will not call: invalid (21211, 21214, 21217, 21401),
# not allowed by the account's geographic permissions (21215, 13227).
INVALID_NUMBER = frozenset({21211, 21214, 21217, 21401})
DEV_FOLDER = "sim-calls"  # under DATA_DIR: the development fake's calls (ivr/sim/calls.py)


class PlaceError(Exception):
    """Twilio did not accept the call. ``reason``: refused | timeout | unreachable | error."""

    def __init__(self, reason: str, status: int = 0, code: int = 0) -> None:
        super().__init__(f"{reason} (HTTP {status}, code {code})")
        self.reason = reason
        self.status = status
        self.code = code

    @property
    def invalid_number(self) -> bool:
        return self.code in INVALID_NUMBER


@dataclass(frozen=True)
class Placed:
    sid: str


class OutboundCalls:
    def __init__(self, account_sid: str, auth_token: Secret, http_client: TwilioHttpClient) -> None:
        self.client = Client(account_sid, auth_token.reveal(), http_client=http_client)

    def place(
        self,
        *,
        to: str,
        from_: str,
        url: str,
        status_callback: str,
        timeout: int,
        machine_detection: str = "Enable",
    ) -> Placed:
        """Ask Twilio to call ``to``; when answered it requests ``url`` (POST, with
        AnsweredBy: synchronous answering-machine detection), and it reports the end to
        ``status_callback`` (POST). PlaceError when Twilio refuses or does not answer."""
        try:
            call = self.client.calls.create(
                to=to,
                from_=from_,
                url=url,
                method="POST",
                status_callback=status_callback,
                status_callback_method="POST",
                machine_detection=machine_detection,
                timeout=timeout,
            )
        except TwilioRestException as exc:
            log.warning("call not placed: Twilio answered %s (code %s)", exc.status, exc.code)
            raise PlaceError("refused", exc.status, int(exc.code or 0)) from None
        except requests.Timeout:
            log.warning("call not placed: Twilio did not answer in time")
            raise PlaceError("timeout") from None
        except requests.RequestException as exc:
            log.warning("call not placed: Twilio unreachable (%s)", type(exc).__name__)
            raise PlaceError("unreachable") from None
        return Placed(call.sid)

    def hang_up(self, sid: str) -> bool:
        """End a call the line placed (Status=completed); False if Twilio refused."""
        try:
            self.client.calls(sid).update(status="completed")
        except (TwilioRestException, requests.RequestException) as exc:
            log.warning("call not ended through the API: %s", type(exc).__name__)
            return False
        return True


def from_settings(settings: Settings) -> OutboundCalls | None:
    """The Calls API of TWILIO_ACCOUNT_SID; in development without an account, the
    simulators' fake (shared through DATA_DIR with the browser phone); None otherwise."""
    if settings.twilio_account_sid and settings.twilio_auth_token:
        client = ApiHttpClient(settings.twilio_api_base, CONNECT_TIMEOUT, READ_TIMEOUT)
        return OutboundCalls(settings.twilio_account_sid, settings.twilio_auth_token, client)
    if settings.development:
        api = development_api(settings.data_dir)
        from .sim.messages import InProcessHttpClient

        return OutboundCalls(api.account_sid, Secret(api.auth_token), InProcessHttpClient(api))
    return None


def development_api(data_dir: Path) -> Any:
    """The development fake of Twilio's REST API whose calls are kept under DATA_DIR."""
    from .sim.calls import DirectoryCallBook, FakeCalls
    from .sim.messages import DEV_ACCOUNT, FakeMessagesApi

    book = DirectoryCallBook(Path(data_dir) / DEV_FOLDER)
    return FakeMessagesApi(DEV_ACCOUNT, "development", keep_requests=False, calls=FakeCalls(book))
