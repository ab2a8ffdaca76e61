"""The text-message settings: the part of ivr.config.Settings the sender and quota need.

TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_SMS_FROM or TWILIO_MESSAGING_SERVICE_SID,
SMS_PEPPER and (tests, development) TWILIO_API_BASE; documented in ivr/config.py SETTINGS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..config import Secret, Settings, load_settings

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
    def from_settings(cls, settings: Settings) -> SmsSettings:
        return cls(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            sms_from=settings.twilio_sms_from,
            messaging_service_sid=settings.twilio_messaging_service_sid,
            pepper=settings.sms_pepper,
            api_base=settings.twilio_api_base,
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SmsSettings:
        return cls.from_settings(load_settings(environ))
