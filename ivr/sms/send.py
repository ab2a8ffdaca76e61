"""Send one text through Twilio's Messages REST API, with twilio's own Python client.

Why the webhook waits for Twilio's answer (at most ~0.9 s) instead of sending after it: the
caller must hear the truth. "Sent" is said only when Twilio accepted the message (HTTP 201);
anything else — a refusal (400), too many requests (429), Twilio failing (5xx), no answer in
time — is "could not be sent", and the caller can write the numbers down from the slow
reading or try again. A background send would have to say "we are sending it" and could never
tell a caller whose text failed. The bound keeps the webhook within Twilio's patience with room
to spare: connect 0.3 s + read 0.6 s, no retries.

The caller's number is used for that one request and nowhere else: nothing here logs the
request, its answer, or an error's text (Twilio's error messages repeat the number).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from .settings import SmsSettings

log = logging.getLogger(__name__)

TWILIO_API = "https://api.twilio.com"
CONNECT_TIMEOUT = 0.3
READ_TIMEOUT = 0.6

# twilio's HTTP client logs every request at INFO; its own logger, kept quiet, says nothing of
# a request (the URL, headers) even when the app logs INFO.
_quiet = logging.getLogger("ivr.sms.twilio_http")
_quiet.setLevel(logging.WARNING)
_quiet.propagate = False


class ApiHttpClient(TwilioHttpClient):
    """twilio's requests-based client, with a short (connect, read) timeout, quiet, and — for
    development and tests — another base URL in place of https://api.twilio.com."""

    def __init__(
        self,
        base_url: str = "",
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        super().__init__(pool_connections=True, logger=_quiet)
        # requests takes a (connect, read) pair; twilio's constructor only checks a number.
        self.timeout = (connect_timeout, read_timeout)  # type: ignore[assignment]
        self.base_url = base_url.rstrip("/")

    def request(self, method, url, params=None, data=None, headers=None, auth=None, **kwargs):
        if self.base_url and url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API) :]
        kwargs.pop("timeout", None)  # always ours
        return super().request(method, url, params, data, headers, auth, **kwargs)


@dataclass(frozen=True)
class SendResult:
    sent: bool
    reason: str  # "accepted", "http_<status>", "timeout", "unreachable", "error"


class SmsSender:
    """`send(to, body)`: one Messages API request; never raises, never logs the number."""

    def __init__(self, settings: SmsSettings, http_client: TwilioHttpClient | None = None):
        self.settings = settings
        self.client = Client(
            settings.account_sid,
            settings.auth_token.reveal(),
            http_client=http_client or ApiHttpClient(settings.api_base),
        )

    def send(self, to: str, body: str) -> SendResult:
        sender = (
            {"messaging_service_sid": self.settings.messaging_service_sid}
            if self.settings.messaging_service_sid
            else {"from_": self.settings.sms_from}
        )
        try:
            self.client.messages.create(to=to, body=body, **sender)
        except TwilioRestException as exc:
            # Status and Twilio's error code only: exc.msg may quote the caller's number.
            log.warning("text not sent: Twilio answered %s (code %s)", exc.status, exc.code)
            return SendResult(False, f"http_{exc.status}")
        except requests.Timeout:
            log.warning("text not sent: Twilio did not answer in time")
            return SendResult(False, "timeout")
        except requests.RequestException as exc:
            log.warning("text not sent: Twilio unreachable (%s)", type(exc).__name__)
            return SendResult(False, "unreachable")
        except Exception as exc:  # noqa: BLE001 — a text must never fail the call
            log.warning("text not sent: %s", type(exc).__name__)
            return SendResult(False, "error")
        return SendResult(True, "accepted")
