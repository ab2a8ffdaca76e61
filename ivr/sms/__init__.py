"""The numbers by text message (issue #13): compose, check, count against the daily limit,
send through Twilio's Messages API. `service.TextService` is what the webhooks use."""

from __future__ import annotations

from .compose import Message, compose, load_words, textable_pages
from .eligible import textable_number
from .quota import SmsQuota, caller_key
from .send import SendResult, SmsSender
from .service import TextOutcome, TextService, init_app
from .settings import SmsSettings

__all__ = [
    "Message",
    "SendResult",
    "SmsQuota",
    "SmsSender",
    "SmsSettings",
    "TextOutcome",
    "TextService",
    "caller_key",
    "compose",
    "init_app",
    "load_words",
    "textable_number",
    "textable_pages",
]
