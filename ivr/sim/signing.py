"""The parameters and headers Twilio sends with a voice webhook, signed as Twilio signs them."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from twilio.request_validator import RequestValidator

API_VERSION = "2010-04-01"


def new_sid(prefix: str) -> str:
    """A fake but well-formed Twilio SID: two letters and 32 hex digits."""
    return prefix + secrets.token_hex(16)


@dataclass(frozen=True)
class CallParty:
    """Who is calling whom: the fields Twilio repeats on every webhook of a call."""

    caller: str = "+15017122661"
    line: str = "+15558675310"
    call_sid: str = ""
    account_sid: str = "AC" + "b" * 32

    def base_params(self, status: str) -> dict[str, str]:
        # Field names as Twilio sends them (shared/twiml/webhook-payloads.json, "incoming_call").
        # Called/Caller mirror To/From on a real inbound call (plugin-webhook has them swapped).
        return {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": self.call_sid,
            "CallStatus": status,
            "CallToken": "",
            "Called": self.line,
            "CalledCity": "",
            "CalledCountry": "US",
            "CalledState": "",
            "CalledZip": "",
            "Caller": self.caller,
            "CallerCity": "",
            "CallerCountry": "MX",
            "CallerState": "",
            "CallerZip": "",
            "Direction": "inbound",
            "From": self.caller,
            "FromCity": "",
            "FromCountry": "MX",
            "FromState": "",
            "FromZip": "",
            "To": self.line,
            "ToCity": "",
            "ToCountry": "US",
            "ToState": "",
            "ToZip": "",
        }


def signed_headers(auth_token: str, url: str, params: Mapping[str, str]) -> dict[str, str]:
    """Headers of a Twilio webhook request; the signature covers the full URL and the form.

    For GET requests Twilio puts the parameters in the URL and signs the URL alone
    (https://www.twilio.com/docs/usage/security#validating-requests), so pass params={} then.
    """
    signature = RequestValidator(auth_token).compute_signature(url, dict(params))
    return {
        "X-Twilio-Signature": signature,
        "User-Agent": "TwilioProxy/1.1",
        "Accept": "*/*",
        "I-Twilio-Idempotency-Token": str(uuid.uuid4()),
        "X-Home-Region": "us1",
    }
