"""A caller asks for a page's numbers by text: may we offer it, and send it.

This is all the voice webhook needs (phase 2 wiring):

    texts = current_app.extensions["sms"]                  # TextService
    texts.offered(request.form.get("From"), lang)          # announce the option?
    outcome = texts.send_page(pack, request.form.get("From"), node_id, lang)
    outcome.status  # "sent" | "failed" | "over_quota" | "not_offered"

The number from the webhook's form is passed straight through: it is never stored, logged, or
put in a URL; only the quota's keyed hash of it is kept, and only for the day.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

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

    def offered(self, from_: str | None, lang: str) -> bool:
        """Announce the text option to this caller? Configured, words for the language, and
        a number that can receive a text."""
        if not self.configured or textable_number(from_) is None:
            return False
        try:
            return lang in self.words()
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


def init_app(
    app: Any,
    settings: SmsSettings | None = None,
    engine: Engine | None = None,
    count: Count | None = None,
) -> TextService:
    """Put a TextService at app.extensions["sms"] (phase 2: engine = the store's db.engine)."""
    settings = settings or SmsSettings.from_env()
    content_dir = Path(app.config["SETTINGS"].content_dir)
    service = TextService(
        settings,
        WordsFile(content_dir),
        quota=SmsQuota(engine, settings.pepper.reveal()) if settings.pepper else None,
        count=count,
    )
    app.extensions["sms"] = service
    return service
