"""Test calls to the transfer numbers, so staff learn when a number stops answering.

Each number a transfer dials gets a short test call during its opening hours (30 minutes
after opening and before closing; unknown hours: 10:00-16:00 on weekdays in its time zone)
when its last check is older than DESTINATION_CHECK_HOURS, from the worker, the console's
button or `flask --app ivr destinations check`. First a free format check with
`phonenumbers`: an invalid number is never called. The call rings at most 25 seconds, uses
answering-machine detection, and hangs up at once when answered (`/voice/checks/answer`
answers `<Hangup/>`). Each result is kept with its time (`destination_checks`):

    human      a person answered (or detection could not tell: AnsweredBy=unknown)
    machine    voicemail or a fax answered
    busy, no_answer, failed
    invalid    not a valid number (the format check, or Twilio refused it as one)

Two failures in a row (busy, no_answer, failed, invalid) flag the number on the console's
directory and home page, with the date of the last success; staff decide what to do.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import phonenumbers
import sqlalchemy as sa

from ..content.model import ContentPack, NodeKind, PhoneNumber
from ..content.opening import in_window
from ..db import Database, schema
from ..outbound import OutboundCalls, PlaceError

log = logging.getLogger(__name__)

checks = schema.destination_checks
RING_SECONDS = 25
ANSWER_PATH = "/voice/checks/answer"
STATUS_PATH = "/voice/checks/status"
RESULTS = ("human", "machine", "busy", "no_answer", "failed", "invalid")
SUCCESS = frozenset({"human", "machine"})
FAILURE = frozenset({"busy", "no_answer", "failed", "invalid"})
MACHINE = frozenset(
    {"machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax"}
)
STATUS_RESULT = {"busy": "busy", "no-answer": "no_answer", "failed": "failed", "canceled": "failed"}
HISTORY = 5  # results shown per number


def transfer_numbers(pack: ContentPack) -> list[PhoneNumber]:
    """The numbers a transfer dials, in the flow's order, each once."""
    found: dict[str, PhoneNumber] = {}
    for node in pack.flow.nodes.values():
        if node.kind is NodeKind.TRANSFER and node.number in pack.numbers:
            found.setdefault(node.number, pack.numbers[node.number])
    return list(found.values())


def valid_format(e164: str) -> bool:
    """The free check before any call: a valid number, written in E.164."""
    try:
        parsed = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return False
    formatted = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return phonenumbers.is_valid_number(parsed) and formatted == e164


def due(number: PhoneNumber, last: float | None, now: float, every_hours: float, zone: str) -> bool:
    """Should the schedule test-call this number now? (Also what the cost estimate runs.)"""
    if every_hours <= 0 or (last is not None and now - last < every_hours * 3600):
        return False
    return in_window(number.hours, datetime.fromtimestamp(now, UTC), zone)


@dataclass(frozen=True)
class Result:
    at: float  # when it finished (or was requested, if not yet)
    result: str | None  # None: requested or ringing, no result yet
    placed: bool


@dataclass
class Destination:
    """What the console shows for one transfer number."""

    number: PhoneNumber
    org: str
    valid_format: bool
    history: list[Result] = field(default_factory=list)  # newest first
    last_success: float | None = None
    waiting: bool = False  # a check is requested and not placed yet (outside its hours)

    @property
    def flagged(self) -> bool:
        """Two failures in a row (the last two results), or a number that is not valid."""
        done = [r.result for r in self.history if r.result is not None]
        return not self.valid_format or (len(done) >= 2 and all(r in FAILURE for r in done[:2]))


class DestinationChecks:
    def __init__(
        self,
        db: Database,
        pack: Callable[[], ContentPack],
        calls: OutboundCalls | None,
        *,
        public_base_url: str,
        from_number: str,
        every_hours: float,
        zone: str,
    ) -> None:
        self.db = db
        self.pack = pack
        self.calls = calls
        self.public_base_url = public_base_url
        self.from_number = from_number
        self.every_hours = every_hours
        self.zone = zone
        self.clock: Callable[[], float] = time.time  # what the webhooks call "now"

    def missing(self) -> list[str]:
        found = []
        if self.calls is None:
            found.append("TWILIO_ACCOUNT_SID")
        if not self.public_base_url:
            found.append("PUBLIC_BASE_URL")
        if not self.from_number:
            found.append("HOTLINE_NUMBER")
        return found

    # -- asking for checks ----------------------------------------------------------------

    def request(self, who: str, now: float, number_ids: Iterable[str] | None = None) -> int:
        """Ask for a check of these transfer numbers (all by default); a number with a
        check already waiting gets no second one. Returns how many were asked for."""
        numbers = transfer_numbers(self.pack())
        wanted = set(number_ids) if number_ids is not None else None
        asked = 0
        with self.db.begin() as conn:
            waiting = {
                row.number_id
                for row in conn.execute(
                    sa.select(checks.c.number_id).where(
                        checks.c.placed.is_(None), checks.c.result.is_(None)
                    )
                )
            }
            for number in numbers:
                if (wanted is not None and number.id not in wanted) or number.id in waiting:
                    continue
                conn.execute(
                    checks.insert().values(
                        number_id=number.id, e164=number.e164, requested=now, requested_by=who
                    )
                )
                asked += 1
        return asked

    def run_due(self, now: float) -> list[tuple[str, str]]:
        """The worker's round: ask for the checks the schedule wants, place what may be."""
        if self.missing():
            return []
        pack = self.pack()
        last = self._last_requested()
        scheduled = [
            n.id
            for n in transfer_numbers(pack)
            if due(n, last.get(n.id), now, self.every_hours, self.zone)
        ]
        if scheduled:
            self.request("schedule", now, scheduled)
        return self.place_requested(now)

    # -- placing them ---------------------------------------------------------------------

    def place_requested(self, now: float, *, anytime: bool = False) -> list[tuple[str, str]]:
        """Place every requested check whose number is open now (``anytime``: open or not);
        (number id, what happened) for each one handled."""
        pack = self.pack()
        when = datetime.fromtimestamp(now, UTC)
        with self.db.connect() as conn:
            rows = conn.execute(
                sa.select(checks.c.id, checks.c.number_id, checks.c.e164)
                .where(checks.c.placed.is_(None), checks.c.result.is_(None))
                .order_by(checks.c.id)
            ).all()
        done = []
        for row in rows:
            number = pack.numbers.get(row.number_id)
            e164 = number.e164 if number is not None else row.e164
            if not valid_format(e164):
                if self._claim(row.id, now, e164):
                    self._finish(row.id, "invalid", now)
                    done.append((row.number_id, "invalid"))
                continue
            if self.missing():
                continue
            if not anytime and not in_window(number.hours if number else None, when, self.zone):
                done.append((row.number_id, "waiting"))
                continue
            if not self._claim(row.id, now, e164):
                continue  # another worker took it
            done.append((row.number_id, self._place(row.id, e164, now)))
        return done

    def _claim(self, row_id: int, now: float, e164: str) -> bool:
        with self.db.begin() as conn:
            return (
                conn.execute(
                    checks.update()
                    .where(checks.c.id == row_id, checks.c.placed.is_(None))
                    .values(placed=now, e164=e164)
                ).rowcount
                == 1
            )

    def _place(self, row_id: int, e164: str, now: float) -> str:
        base = self.public_base_url
        try:
            placed = self.calls.place(  # type: ignore[union-attr]
                to=e164,
                from_=self.from_number,
                url=f"{base}{ANSWER_PATH}?id={row_id}",
                status_callback=f"{base}{STATUS_PATH}?id={row_id}",
                timeout=RING_SECONDS,
            )
        except PlaceError as error:
            result = "invalid" if error.invalid_number else "failed"
            self._finish(row_id, result, now)
            return result
        with self.db.begin() as conn:
            conn.execute(checks.update().where(checks.c.id == row_id).values(call_sid=placed.sid))
        log.info("destination check %s placed", row_id)
        return "placed"

    # -- Twilio's answers -----------------------------------------------------------------

    def answered(self, row_id: int, answered_by: str) -> None:
        """The check was answered (the Url request, with AnsweredBy): kept for its result."""
        with self.db.begin() as conn:
            conn.execute(
                checks.update()
                .where(checks.c.id == row_id, checks.c.result.is_(None))
                .values(answered_by=answered_by or "unknown")
            )

    def ended(self, row_id: int, status: str, answered_by: str, now: float) -> str | None:
        """The status callback: the check's result, or None if it already had one."""
        with self.db.connect() as conn:
            row = conn.execute(sa.select(checks).where(checks.c.id == row_id)).first()
        if row is None or row.result is not None:
            return None
        if status == "completed":
            verdict = answered_by or row.answered_by or "unknown"
            result = "machine" if verdict in MACHINE else "human"
        else:
            result = STATUS_RESULT.get(status, "failed")
        self._finish(row_id, result, now, answered_by=answered_by or row.answered_by)
        log.info("destination check %s: %s", row_id, result)
        return result

    def _finish(self, row_id: int, result: str, now: float, answered_by: str | None = None) -> None:
        values: dict[str, object] = {"result": result, "finished": now}
        if answered_by:
            values["answered_by"] = answered_by
        with self.db.begin() as conn:
            conn.execute(
                checks.update()
                .where(checks.c.id == row_id, checks.c.result.is_(None))
                .values(**values)
            )

    # -- what staff see -------------------------------------------------------------------

    def _last_requested(self) -> dict[str, float]:
        with self.db.connect() as conn:
            rows = conn.execute(
                sa.select(checks.c.number_id, sa.func.max(checks.c.requested)).group_by(
                    checks.c.number_id
                )
            ).all()
        return {number_id: float(at) for number_id, at in rows}

    def destinations(self) -> list[Destination]:
        """Every transfer number with its latest results, flag and last success."""
        pack = self.pack()
        numbers = transfer_numbers(pack)
        by_id = {
            n.id: Destination(
                n,
                pack.organizations[n.org].name if n.org in pack.organizations else n.org,
                valid_format(n.e164),
            )
            for n in numbers
        }
        with self.db.connect() as conn:
            rows = conn.execute(
                sa.select(checks)
                .where(checks.c.number_id.in_(list(by_id)))
                .order_by(checks.c.id.desc())
            ).all()
        for row in rows:
            destination = by_id[row.number_id]
            if row.result is None and row.placed is None:
                destination.waiting = True
            if len(destination.history) < HISTORY:
                at = row.finished or row.placed or row.requested
                destination.history.append(Result(float(at), row.result, row.placed is not None))
            if row.result in SUCCESS and destination.last_success is None:
                destination.last_success = float(row.finished)
        return [by_id[n.id] for n in numbers]

    def flagged(self) -> list[Destination]:
        return [d for d in self.destinations() if d.flagged]
