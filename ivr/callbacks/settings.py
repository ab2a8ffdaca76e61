"""The callback settings: the part of ivr.config.Settings the queue, the webhooks and the
worker need (documented in ivr/config.py SETTINGS and the README)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..config import Secret, Settings

MAX_ATTEMPTS = 2  # the first call and one retry
KEEP_SECONDS = 24 * 3600  # a caller's number is gone after this, whatever happened
LOST_SECONDS = 3600  # a call whose end Twilio never reported is given up after this
RING_SECONDS = 30  # a callback rings this long before it counts as not answered


@dataclass(frozen=True)
class CallbackSettings:
    public_base_url: str = ""
    hotline_number: str = ""
    delay_seconds: int = 20
    retry_seconds: int = 180
    per_number_day: int = 3
    per_hour: int = 60
    countries: tuple[str, ...] = ("MX", "US")
    pepper: Secret = Secret("")

    @classmethod
    def from_settings(cls, settings: Settings) -> CallbackSettings:
        base = settings.public_base_url
        pepper = settings.sms_pepper
        if settings.development:
            # The worker has no request to take a host from: the local server scripts/run
            # starts. The per-caller daily count needs one key for every process of the run.
            import os

            base = base or f"http://127.0.0.1:{os.environ.get('PORT', '5000')}"
            if not pepper:
                seed = f"development callbacks {settings.content_dir}".encode()
                pepper = Secret(hashlib.sha256(seed).hexdigest())
        return cls(
            public_base_url=base,
            hotline_number=settings.hotline_number,
            delay_seconds=settings.callback_delay_seconds,
            retry_seconds=settings.callback_retry_seconds,
            per_number_day=settings.callback_per_number_day,
            per_hour=settings.callback_per_hour,
            countries=settings.callback_countries,
            pepper=pepper,
        )

    def missing(self) -> list[str]:
        """What must be set before callbacks can be queued (besides the Calls API)."""
        found = []
        if not self.public_base_url:
            found.append("PUBLIC_BASE_URL")
        if not self.pepper:
            found.append("SMS_PEPPER")
        return found
