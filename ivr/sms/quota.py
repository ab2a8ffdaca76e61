"""At most DAILY_LIMIT texts per caller per day, without keeping anyone's number.

A caller is known here only by HMAC-SHA256(SMS_PEPPER, day + number): a plain hash of a phone
number is reversed in minutes by trying every number, a keyed one is not without the pepper.
The day is inside the key, so yesterday's row could not be linked to today's caller even with
the pepper; rows of earlier days are deleted by every check, and by `purge()`.

Stored in the `sms_quota` table through SQLAlchemy Core. When the database cannot be reached
the count is kept in this process's memory instead (a caller may then get a few more texts
across workers; the line never fails because of the quota).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from flask import current_app, has_app_context
from sqlalchemy import Engine, delete, update
from sqlalchemy.exc import SQLAlchemyError

from ..db import schema, upsert
from .settings import DAILY_LIMIT

log = logging.getLogger(__name__)

# day is the ISO date ("2026-12-01") as text, as in the store's schema.
sms_quota = schema.sms_quota


def today_utc() -> date:
    return datetime.now(UTC).date()


def caller_key(pepper: str, number: str, day: date) -> str:
    """HMAC-SHA256 of the day and the number, keyed with the secret pepper (hex)."""
    if not pepper:
        raise ValueError("SMS_PEPPER is required: an unkeyed hash of a number is reversible")
    message = f"{day.isoformat()}|{number}".encode()
    return hmac.new(pepper.encode(), message, hashlib.sha256).hexdigest()


@contextmanager
def _database_slot() -> Iterator[bool]:
    """In a webhook, one of the worker's database slots without waiting (ivr.gate): a hung
    database may hold this call's thread, never every thread of the worker."""
    slots = current_app.extensions.get("db_gate") if has_app_context() else None
    if slots is None:
        yield True
        return
    with slots.turn(wait=0) as inside:
        yield inside


class SmsQuota:
    """`take(number)` -> True when this caller may get one more text today (and counts it)."""

    def __init__(
        self,
        engine: Engine | None,
        pepper: str,
        limit: int = DAILY_LIMIT,
        today: Callable[[], date] = today_utc,
    ) -> None:
        self.engine = engine
        self.pepper = pepper
        self.limit = limit
        self.today = today
        self._memory: dict[str, int] = {}
        self._memory_day: date | None = None
        self._lock = threading.Lock()

    def take(self, number: str) -> bool:
        day = self.today()
        key = caller_key(self.pepper, number, day)
        if self.engine is not None:
            with _database_slot() as inside:
                if inside:
                    try:
                        return self._take_db(key, day)
                    except SQLAlchemyError as exc:
                        # Never the key or the number: only what kind of failure.
                        log.warning(
                            "sms quota: database unavailable (%s); counting in memory",
                            type(exc).__name__,
                        )
                else:
                    log.warning("sms quota: the database is busy or slow; counting in memory")
        return self._take_memory(key, day)

    def give_back(self, number: str) -> None:
        """A text that could not be sent does not count against the caller."""
        day = self.today()
        key = caller_key(self.pepper, number, day)
        if self.engine is not None:
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        update(sms_quota)
                        .where(sms_quota.c.key_hash == key, sms_quota.c.count > 0)
                        .values(count=sms_quota.c.count - 1)
                    )
                return
            except SQLAlchemyError as exc:
                log.warning("sms quota: database unavailable (%s)", type(exc).__name__)
        with self._lock:
            if key in self._memory:
                self._memory[key] = max(0, self._memory[key] - 1)

    def purge(self) -> int:
        """Delete every row of an earlier day; how many went."""
        day = self.today()
        with self._lock:
            if self._memory_day != day:
                self._memory, self._memory_day = {}, day
        if self.engine is None:
            return 0
        try:
            with self.engine.begin() as conn:
                stale = delete(sms_quota).where(sms_quota.c.day < day.isoformat())
                return conn.execute(stale).rowcount
        except SQLAlchemyError:
            return 0

    def _take_db(self, key: str, day: date) -> bool:
        with self.engine.begin() as conn:
            conn.execute(delete(sms_quota).where(sms_quota.c.day < day.isoformat()))
            conn.execute(
                upsert(conn, sms_quota)
                .values(key_hash=key, day=day.isoformat(), count=0)
                .on_conflict_do_nothing(index_elements=["key_hash"])
            )
            # One conditional UPDATE: two workers can never both grant the last text.
            granted = conn.execute(
                update(sms_quota)
                .where(sms_quota.c.key_hash == key, sms_quota.c.count < self.limit)
                .values(count=sms_quota.c.count + 1)
            ).rowcount
            return granted == 1

    def _take_memory(self, key: str, day: date) -> bool:
        with self._lock:
            if self._memory_day != day:
                self._memory, self._memory_day = {}, day
            count = self._memory.get(key, 0)
            if count >= self.limit:
                return False
            self._memory[key] = count + 1
            return True
