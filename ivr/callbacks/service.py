"""Missed-call callbacks: what the webhook and the worker call (``app.extensions["callbacks"]``).

    callbacks.missed_call(form["From"], form["To"], now)   # the webhook: queue one, or not
    callbacks.place_due(now)                                # the worker: call the due ones
    callbacks.ended(row_id, attempt, CallStatus, AnsweredBy, now)   # Twilio's status callback

The callback calls the number back from the number it dialed (HOTLINE_NUMBER if set), with
`Url` = the line's normal start (the language menu) and a signed status callback, both
absolute from PUBLIC_BASE_URL, and synchronous answering-machine detection: Twilio requests
`Url` with AnsweredBy, and the webhook hangs up on a machine before a word is said.
"""

from __future__ import annotations

import logging

from ..db import Database
from ..outbound import OutboundCalls, PlaceError
from .numbers import callable_number
from .queue import CallbackQueue
from .settings import RING_SECONDS, CallbackSettings

log = logging.getLogger(__name__)

STATUS_PATH = "/voice/callbacks/status"


class Callbacks:
    def __init__(
        self, db: Database, settings: CallbackSettings, calls: OutboundCalls | None
    ) -> None:
        self.settings = settings
        self.calls = calls
        self.queue = CallbackQueue(db, settings)

    def missing(self) -> list[str]:
        """What keeps callbacks off (empty when they work)."""
        found = self.settings.missing()
        if self.calls is None:
            found.insert(0, "TWILIO_ACCOUNT_SID")
        return found

    def missed_call(self, from_: str | None, to: str | None, now: float) -> str:
        """A missed call reached the line: queue one callback if the rules allow. Returns
        what happened (for the log line; never the number): queued, duplicate, refused_*,
        not_callable, off."""
        if self.missing():
            return "off"
        number = callable_number(from_, self.settings.countries)
        if number is None:
            self.queue.count("not_callable", now)
            return "not_callable"
        line = self.settings.hotline_number or (to or "").strip()
        if not line:
            return "off"
        return self.queue.ask(number, line, now)

    def place_due(self, now: float) -> list[str]:
        """Call every callback that is due (this worker's share); what happened to each."""
        if self.calls is None or self.missing():
            return []
        base = self.settings.public_base_url
        done = []
        for claim in self.queue.claim(now):
            status = f"{base}{STATUS_PATH}?id={claim.id}&attempt={claim.attempt}"
            try:
                placed = self.calls.place(
                    to=claim.number,
                    from_=claim.line,
                    url=f"{base}/voice",
                    status_callback=status,
                    timeout=RING_SECONDS,
                )
            except PlaceError as error:
                outcome = self.queue.not_placed(claim, now, final=error.invalid_number)
                log.warning(
                    "callback %s attempt %s not placed (%s): %s",
                    claim.id,
                    claim.attempt,
                    error.reason,
                    outcome,
                )
            else:
                self.queue.placed(claim, placed.sid, now)
                outcome = "placed"
                log.info("callback %s attempt %s placed", claim.id, claim.attempt)
            done.append(outcome)
        return done

    def ended(self, row_id: int, attempt: int, status: str, answered_by: str, now: float) -> str:
        outcome = self.queue.ended(row_id, attempt, status, answered_by, now)
        log.info("callback %s attempt %s ended %s: %s", row_id, attempt, status or "-", outcome)
        return outcome
