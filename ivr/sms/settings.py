"""The text-message settings, read from the environment.

FOR THE LEAD — to be moved into ivr/config.py (SETTINGS and Settings) in phase 2; until then
this small object reads them itself so ivr/config.py stays untouched:

    "TWILIO_ACCOUNT_SID": ("", "Account that sends the callers' text messages (Messages API)."),
    "TWILIO_SMS_FROM": ("", "Number texts are sent from (E.164; a U.S./Canadian long code for
                             Mexican mobiles), unless TWILIO_MESSAGING_SERVICE_SID is set."),
    "TWILIO_MESSAGING_SERVICE_SID": ("", "Messaging Service (MG...) that sends the texts;
                                          takes precedence over TWILIO_SMS_FROM."),
    "SMS_PEPPER": ("", "Secret key of the daily per-caller text limit (HMAC-SHA256); without
                        it no text is offered."),
    "TWILIO_API_BASE": ("", "Development/tests only: base URL standing in for
                             https://api.twilio.com (the fake Messages API)."),

TWILIO_AUTH_TOKEN (already in config.py) authenticates the API calls.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from ..config import Secret

DAILY_LIMIT = 3  # texts per caller per (UTC) day


@dataclass(frozen=True)
class SmsSettings:
    account_sid: str = ""
    auth_token: Secret = Secret("")
    sms_from: str = ""
    messaging_service_sid: str = ""
    pepper: Secret = Secret("")
    api_base: str = ""  # "" = Twilio itself

    @property
    def configured(self) -> bool:
        """Texts can be sent and counted: an account, a sender, and the quota's pepper."""
        sender = self.messaging_service_sid or self.sms_from
        return bool(self.account_sid and self.auth_token and sender and self.pepper)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SmsSettings:
        env = os.environ if environ is None else environ

        def get(name: str) -> str:
            return env.get(name, "").strip()

        return cls(
            account_sid=get("TWILIO_ACCOUNT_SID"),
            auth_token=Secret(get("TWILIO_AUTH_TOKEN")),
            sms_from=get("TWILIO_SMS_FROM"),
            messaging_service_sid=get("TWILIO_MESSAGING_SERVICE_SID"),
            pepper=Secret(get("SMS_PEPPER")),
            api_base=get("TWILIO_API_BASE").rstrip("/"),
        )
