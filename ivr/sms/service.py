"""A caller asks for a page's numbers by text: may we offer it, and send it.

This is all the voice webhook needs (ivr/voice.py):

    texts = current_app.extensions["sms"]                  # TextService
    texts.offered(request.form.get("From"), lang)          # announce the option?
    outcome = texts.send_page(pack, request.form.get("From"), node_id, lang)
    outcome.status  # "sent" | "failed" | "over_quota" | "not_offered"

The number from the webhook's form is passed straight through: it is never stored, logged, or
put in a URL; only the quota's keyed hash of it is kept, and only for the day.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from ..config import Secret
from ..content.model import ContentPack
from .compose import Message, SmsWordsError, Words, WordsFile, compose
from .eligible import textable_number
from .quota import SmsQuota
from .send import SendResult, SmsSender
from .settings import SmsSettings

log = logging.getLogger(__name__)

Count = Callable[..., None]  # counts.add(lang, node, event, detail="")


@dataclass(frozen=True)
class TextOutcome:
    status: str  # "sent", "failed", "over_quota", "not_offered"
    reason: str = ""  # why not: "timeout", "http_429", "no_words", ...
    message: Message | None = None  # what was (or would have been) sent, for the simulator


class TextService:
    def __init__(
        self,
        settings: SmsSettings,
        words: Mapping[str, Words] | Callable[[], Mapping[str, Words]],
        quota: SmsQuota | None = None,
        sender: SmsSender | None = None,
        count: Count | None = None,
    ) -> None:
        self.settings = settings
        self._words = words
        self.sender = sender or (SmsSender(settings) if settings.configured else None)
        self.quota = quota or SmsQuota(None, settings.pepper.reveal())
        self.count = count

    @property
    def configured(self) -> bool:
        return self.settings.configured and self.sender is not None

    def words(self) -> Mapping[str, Words]:
        return self._words() if callable(self._words) else self._words

    def offered(self, from_: str | None, lang: str | None) -> bool:
        """Announce the text option to this caller? Configured, words for the language (when
        one is chosen), and a number that can receive a text."""
        if not self.configured or textable_number(from_) is None:
            return False
        try:
            return lang is None or lang in self.words()
        except SmsWordsError:
            return False

    def send_page(
        self, pack: ContentPack, from_: str | None, node_id: str, lang: str
    ) -> TextOutcome:
        """Compose the page at `node_id` in `lang` and text it to the caller; never raises."""
        try:
            outcome = self._send_page(pack, from_, node_id, lang)
        except Exception as exc:  # noqa: BLE001 — a text must never fail the call
            log.warning("text not sent: %s", type(exc).__name__)
            outcome = TextOutcome("failed", "error")
        if self.count is not None:
            event = {"sent": "sms_sent", "over_quota": "sms_over_quota"}.get(
                outcome.status, "sms_failed"
            )
            self.count(lang, node_id, event, outcome.reason if event == "sms_failed" else "")
        return outcome

    def _send_page(
        self, pack: ContentPack, from_: str | None, node_id: str, lang: str
    ) -> TextOutcome:
        to = textable_number(from_)
        if not self.configured or to is None:
            return TextOutcome("not_offered", "not_textable" if self.configured else "off")
        try:
            message = compose(pack, self.words(), node_id, lang)
        except (KeyError, SmsWordsError) as exc:
            log.warning("text not composed for %s/%s: %s", node_id, lang, type(exc).__name__)
            return TextOutcome("failed", "no_text")
        if not self.quota.take(to):
            return TextOutcome("over_quota", "", message)
        result: SendResult = self.sender.send(to, message.body)
        if not result.sent:
            self.quota.give_back(to)
            return TextOutcome("failed", result.reason, message)
        return TextOutcome("sent", "", message)


DEV_SMS_FROM = "+15005550006"  # Twilio's test-credentials "valid From" number


def init_app(
    app: Any,
    settings: SmsSettings | None = None,
    engine: Engine | None = None,
    count: Count | None = None,
) -> TextService:
    """Put a TextService at app.extensions["sms"], counting its quota in `engine` (the
    store's db.engine). In development without TWILIO_ACCOUNT_SID the texts go to an
    in-process fake Messages API (ivr.sim.messages), at app.extensions["sms_outbox"], so the
    simulators can show the text that would arrive."""
    app_settings = app.config["SETTINGS"]
    settings = settings or SmsSettings.from_settings(app_settings)
    sender = None
    if app_settings.development and not settings.account_sid:
        from ..sim.messages import DEV_ACCOUNT, FakeMessagesApi, InProcessHttpClient

        token = secrets.token_hex(16)
        outbox = FakeMessagesApi(DEV_ACCOUNT, token, keep_requests=False)
        settings = replace(
            settings,
            account_sid=DEV_ACCOUNT,
            auth_token=Secret(token),
            sms_from=settings.sms_from or DEV_SMS_FROM,
            pepper=settings.pepper or Secret(secrets.token_hex(32)),
        )
        sender = SmsSender(settings, http_client=InProcessHttpClient(outbox))
        app.extensions["sms_outbox"] = outbox
    content_dir = Path(app_settings.content_dir)
    words = WordsFile(content_dir)
    service = TextService(
        settings,
        words,
        quota=SmsQuota(engine, settings.pepper.reveal()) if settings.pepper else None,
        sender=sender,
        count=count,
    )
    app.extensions["sms"] = service
    app.extensions["sms_test"] = _test_calls_service(app, settings, words)
    return service


def _test_calls_service(app: Any, settings: SmsSettings, words: WordsFile) -> TextService | None:
    """The texts of staff test calls (the browser phone): offered where the line offers
    them, but sent only to the console's own outbox (ivr.sim.messages, in this process, where
    the browser phone shows them), never through the Twilio account; not counted, and their
    daily limit kept in memory (no row for a test caller). None where the line offers none."""
    if not settings.configured:
        return None
    from ..sim.messages import DEV_ACCOUNT, FakeMessagesApi, InProcessHttpClient

    outbox = app.extensions.get("sms_outbox")
    if outbox is None:
        token = secrets.token_hex(16)
        outbox = FakeMessagesApi(DEV_ACCOUNT, token, keep_requests=False)
        app.extensions["sms_outbox"] = outbox
    inside = replace(
        settings,
        account_sid=outbox.account_sid,
        auth_token=Secret(outbox.auth_token),
        sms_from=settings.sms_from or DEV_SMS_FROM,
        messaging_service_sid="",
        api_base="",
    )
    return TextService(
        inside,
        words,
        quota=SmsQuota(None, settings.pepper.reveal()),
        sender=SmsSender(inside, http_client=InProcessHttpClient(outbox)),
        count=None,
    )
