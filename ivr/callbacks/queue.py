"""The callback queue in the one database, shared by every web machine and worker.

A missed call (already checked: a valid number of an allowed country) asks for one callback:

    1. one pending callback per number: the row's number is unique, so a burst of missed
       calls from one phone adds nothing (INSERT ... ON CONFLICT DO NOTHING);
    2. at most `per_number_day` a day per caller, counted under a keyed hash of the day and
       the number (`callback_quota`, as the texts' limit): one conditional UPDATE, so two
       machines never both grant the last one;
    3. at most `per_hour` for the whole line in a clock hour (UTC), counted in
       `callback_counts` (event `queued`), with the same conditional UPDATE;
    4. paused by an administrator: nothing is queued.

A refused missed call is still rejected (free); only the count of refusals grows.

Workers take due rows with SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL (each row to one
worker; the others skip it), and in SQLite's single-writer transaction (BEGIN IMMEDIATE), and
mark them `calling` in the same transaction, so nobody is called twice. The status callback
of the attempt (by row id and attempt number) ends the row: answered by a person -> deleted;
busy, no answer, failed or a machine -> one retry after `retry_seconds`, then deleted (given
up). A row older than 24 hours is deleted whatever happened, and one whose end Twilio never
reported is given up after an hour.

The caller's number is in `callback_queue.number` and nowhere else: never in a log line, a
URL or a count. Counts are totals per hour and event (`COUNT_EVENTS`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from ..db import Database, schema, upsert
from .settings import KEEP_SECONDS, LOST_SECONDS, MAX_ATTEMPTS, CallbackSettings

queue = schema.callback_queue
quota = schema.callback_quota
counts = schema.callback_counts
limits_table = schema.callback_settings

#: Every event counted, in the order the console lists them.
COUNT_EVENTS = (
    "asked",  # a missed call from a number that may be called back
    "queued",  # ... and a callback was queued for it
    "duplicate",  # ... but one was already waiting: nothing added
    "refused_number",  # ... refused: that caller had the day's callbacks
    "refused_line",  # ... refused: the line had the hour's callbacks
    "refused_paused",  # ... refused: callbacks are paused
    "not_callable",  # a missed call from a withheld, malformed or foreign number
    "placed",  # a callback call Twilio accepted
    "answered",  # ... answered by a person
    "machine",  # ... answered by voicemail or a fax: hung up at once
    "busy",
    "no_answer",
    "failed",
    "retried",  # a second attempt was queued
    "given_up",  # after the retry, or lost, or older than 24 hours
    "place_failed",  # Twilio refused the call or could not be reached
)
NOT_REACHED = {"busy": "busy", "no-answer": "no_answer", "failed": "failed", "canceled": "failed"}
MACHINE = frozenset(
    {"machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax"}
)


@dataclass(frozen=True)
class Limits:
    paused: bool
    per_number_day: int
    per_hour: int
    updated_by: str = ""
    updated: str = ""


@dataclass(frozen=True)
class Claim:
    """A callback a worker took to call now (the number is for that one request)."""

    id: int
    number: str
    line: str
    attempt: int


def hour_key(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H")


def day_key(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).date().isoformat()


def caller_key(pepper: str, number: str, day: str) -> str:
    """HMAC-SHA256 of the day and the number, keyed with the secret pepper (hex)."""
    if not pepper:
        raise ValueError("a pepper is required: an unkeyed hash of a number is reversible")
    return hmac.new(
        pepper.encode(), f"callback|{day}|{number}".encode(), hashlib.sha256
    ).hexdigest()


class CallbackQueue:
    def __init__(self, db: Database, settings: CallbackSettings) -> None:
        self.db = db
        self.settings = settings

    # -- limits ---------------------------------------------------------------------------

    def limits(self, conn: sa.Connection | None = None) -> Limits:
        """The limits in force: the console's, else the environment's."""
        if conn is None:
            with self.db.connect() as conn:
                return self.limits(conn)
        row = conn.execute(sa.select(limits_table).where(limits_table.c.id == 1)).first()
        if row is None:
            return Limits(False, self.settings.per_number_day, self.settings.per_hour)
        return Limits(
            bool(row.paused),
            self.settings.per_number_day if row.per_number_day is None else row.per_number_day,
            self.settings.per_hour if row.per_hour is None else row.per_hour,
            row.updated_by,
            row.updated,
        )

    def set_limits(
        self, *, paused: bool, per_number_day: int, per_hour: int, author: str, now: float
    ) -> Limits:
        if per_number_day < 0 or per_hour < 0:
            raise ValueError("limits are 0 or more")
        values = {
            "paused": paused,
            "per_number_day": per_number_day,
            "per_hour": per_hour,
            "updated_by": author,
            "updated": datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds"),
        }
        with self.db.begin() as conn:
            statement = upsert(conn, limits_table).values(id=1, **values)
            conn.execute(statement.on_conflict_do_update(index_elements=["id"], set_=values))
            return self.limits(conn)

    # -- a missed call --------------------------------------------------------------------

    def ask(self, number: str, line: str, now: float) -> str:
        """Queue one callback to ``number`` (valid, allowed), from ``line``, unless a limit
        says no. Returns the event counted: queued | duplicate | refused_*."""
        with self.db.begin() as conn:
            limits = self.limits(conn)
            outcome = self._ask(conn, number, line, now, limits)
            _add(conn, hour_key(now), "asked")
            if outcome != "queued":  # `queued` is counted by the hourly limit itself
                _add(conn, hour_key(now), outcome)
        return outcome

    def _ask(self, conn: sa.Connection, number: str, line: str, now: float, limits: Limits) -> str:
        if limits.paused:
            return "refused_paused"
        due = now + self.settings.delay_seconds
        row = {"number": number, "line": line, "state": "waiting", "attempts": 0}
        # RETURNING says whether the row went in (a conflict returns nothing); rowcount
        # cannot, once SQLAlchemy adds its own RETURNING on PostgreSQL.
        inserted = conn.execute(
            upsert(conn, queue)
            .values(**row, due=due, created=now)
            .on_conflict_do_nothing(index_elements=["number"])
            .returning(queue.c.id)
        ).first()
        if inserted is None:
            return "duplicate"
        day = day_key(now)
        key = caller_key(self.settings.pepper.reveal(), number, day)
        conn.execute(quota.delete().where(quota.c.day < day))
        conn.execute(
            upsert(conn, quota)
            .values(key_hash=key, day=day, count=0)
            .on_conflict_do_nothing(index_elements=["key_hash"])
        )
        granted = conn.execute(
            quota.update()
            .where(quota.c.key_hash == key, quota.c.count < limits.per_number_day)
            .values(count=quota.c.count + 1)
        ).rowcount
        if granted != 1:
            conn.execute(queue.delete().where(queue.c.number == number))
            return "refused_number"
        hour = hour_key(now)
        conn.execute(
            upsert(conn, counts)
            .values(hour=hour, event="queued", count=0)
            .on_conflict_do_nothing(index_elements=["hour", "event"])
        )
        granted = conn.execute(
            counts.update()
            .where(
                counts.c.hour == hour, counts.c.event == "queued", counts.c.count < limits.per_hour
            )
            .values(count=counts.c.count + 1)
        ).rowcount
        if granted != 1:
            conn.execute(queue.delete().where(queue.c.number == number))
            conn.execute(
                quota.update().where(quota.c.key_hash == key).values(count=quota.c.count - 1)
            )
            return "refused_line"
        return "queued"

    def count(self, event: str, now: float, n: int = 1) -> None:
        """Add to an hour's total (a missed call from a number that cannot be called back)."""
        with self.db.begin() as conn:
            _add(conn, hour_key(now), event, n)

    # -- the worker -----------------------------------------------------------------------

    def claim(self, now: float, limit: int = 10) -> list[Claim]:
        """Take the due callbacks to call now; each is taken by one worker only."""
        with self.db.begin() as conn:
            if self.limits(conn).paused:
                return []
            rows = conn.execute(
                sa.select(queue.c.id, queue.c.number, queue.c.line, queue.c.attempts)
                .where(queue.c.state == "waiting", queue.c.due <= now)
                .order_by(queue.c.due)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            for row in rows:
                conn.execute(
                    queue.update()
                    .where(queue.c.id == row.id)
                    .values(state="calling", claimed=now, attempts=row.attempts + 1, call_sid=None)
                )
        return [Claim(r.id, r.number, r.line, r.attempts + 1) for r in rows]

    def placed(self, claim: Claim, sid: str, now: float) -> None:
        with self.db.begin() as conn:
            conn.execute(
                queue.update()
                .where(queue.c.id == claim.id, queue.c.attempts == claim.attempt)
                .values(call_sid=sid)
            )
            _add(conn, hour_key(now), "placed")

    def not_placed(self, claim: Claim, now: float, *, final: bool = False) -> str:
        """Twilio refused the call or was not reached: retry once, or give up (``final``:
        Twilio will never call this number)."""
        with self.db.begin() as conn:
            _add(conn, hour_key(now), "place_failed")
            return self._again(conn, claim.id, claim.attempt, now, final=final)

    def ended(self, row_id: int, attempt: int, status: str, answered_by: str, now: float) -> str:
        """Twilio's status callback of attempt ``attempt`` of row ``row_id``: answered,
        retry, given_up, or stale (not the attempt in progress: ignored)."""
        with self.db.begin() as conn:
            row = conn.execute(
                sa.select(queue.c.state, queue.c.attempts)
                .where(queue.c.id == row_id)
                .with_for_update()
            ).first()
            if row is None or row.state != "calling" or row.attempts != attempt:
                return "stale"
            hour = hour_key(now)
            if status == "completed" and answered_by not in MACHINE:
                conn.execute(queue.delete().where(queue.c.id == row_id))
                _add(conn, hour, "answered")
                return "answered"
            _add(
                conn,
                hour,
                "machine" if status == "completed" else NOT_REACHED.get(status, "failed"),
            )
            return self._again(conn, row_id, attempt, now)

    def _again(
        self, conn: sa.Connection, row_id: int, attempt: int, now: float, final: bool = False
    ) -> str:
        hour = hour_key(now)
        if attempt < MAX_ATTEMPTS and not final:
            conn.execute(
                queue.update()
                .where(queue.c.id == row_id, queue.c.attempts == attempt)
                .values(state="waiting", due=now + self.settings.retry_seconds, call_sid=None)
            )
            _add(conn, hour, "retried")
            return "retry"
        conn.execute(queue.delete().where(queue.c.id == row_id))
        _add(conn, hour, "given_up")
        return "given_up"

    def purge(self, now: float) -> int:
        """Delete what must not be kept: rows older than 24 hours, calls whose end was never
        reported within an hour, per-caller counts of earlier days. Rows deleted."""
        with self.db.begin() as conn:
            stale = sa.or_(
                queue.c.created < now - KEEP_SECONDS,
                sa.and_(queue.c.state == "calling", queue.c.claimed < now - LOST_SECONDS),
            )
            gone = conn.execute(queue.delete().where(stale)).rowcount
            if gone:
                _add(conn, hour_key(now), "given_up", gone)
            conn.execute(quota.delete().where(quota.c.day < day_key(now)))
        return gone

    # -- what the console shows -------------------------------------------------------------

    def waiting(self) -> int:
        """How many callbacks are queued or ringing (a count, never who)."""
        with self.db.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(queue)).scalar_one()

    def totals(self, since: float, until: float) -> Counter:
        """Each event's total over the hours from ``since`` to ``until`` (UTC hours)."""
        with self.db.connect() as conn:
            rows = conn.execute(
                sa.select(counts.c.event, sa.func.sum(counts.c.count))
                .where(counts.c.hour >= hour_key(since), counts.c.hour <= hour_key(until))
                .group_by(counts.c.event)
            ).all()
        return Counter({event: int(total or 0) for event, total in rows})


def _add(conn: sa.Connection, hour: str, event: str, n: int = 1) -> None:
    statement = upsert(conn, counts).values(hour=hour, event=event, count=n)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["hour", "event"], set_={"count": counts.c.count + n}
        )
    )
