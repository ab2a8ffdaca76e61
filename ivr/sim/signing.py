"""The parameters and headers Twilio sends with a voice webhook, signed as Twilio signs them."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

import phonenumbers
from twilio.request_validator import RequestValidator

API_VERSION = "2010-04-01"


def new_sid(prefix: str) -> str:
    """A fake but well-formed Twilio SID: two letters and 32 hex digits."""
    return prefix + secrets.token_hex(16)


@dataclass(frozen=True)
class CallParty:
    """Who is calling whom: the fields Twilio repeats on every webhook of a call."""

    caller: str = "+15017122661"  # From: who places the call
    line: str = "+15558675310"  # To: who is called
    call_sid: str = ""
    account_sid: str = "AC" + "b" * 32
    # "inbound": a person calls the line; "outbound-api": the line calls a person (a callback
    # or a destination check placed through the Calls API), so From is the line's number.
    direction: str = "inbound"

    @property
    def outbound(self) -> bool:
        return self.direction != "inbound"

    @property
    def person(self) -> str:
        """The emulated person's own number (where a text from the line arrives)."""
        return self.line if self.outbound else self.caller

    def base_params(self, status: str) -> dict[str, str]:
        # Field names as Twilio sends them (shared/twiml/webhook-payloads.json, "incoming_call";
        # rest-calls.json status_callback examples for outbound-api calls).
        # Called/Caller mirror To/From on a real inbound call (plugin-webhook has them swapped).
        if self.outbound:
            return self._outbound_params(status)
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

    def _outbound_params(self, status: str) -> dict[str, str]:
        params = self._inbound_shape(status)
        country = _country(self.line)
        for side in ("To", "Called"):
            params[f"{side}Country"] = country
        for side in ("From", "Caller"):
            params[f"{side}Country"] = _country(self.caller) or "US"  # the line's own number
        params["Direction"] = self.direction
        return params

    def _inbound_shape(self, status: str) -> dict[str, str]:
        return CallParty(self.caller, self.line, self.call_sid, self.account_sid).base_params(
            status
        )


def _country(number: str) -> str:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number)) or ""
    except phonenumbers.NumberParseException:
        return ""


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
