"""Logging in to the console: the password check, the locks after repeated failures, and the
server-side sessions that follow.

Sessions live on the server: the cookie carries a random token, the table ``staff_sessions``
its sha256. Every console request looks it up (:meth:`StaffSessions.session_user`), so a
logout, a password change or a removed account ends a session on every machine at once, and a
session idle for longer than STAFF_IDLE_MINUTES ends by itself.

Repeated failed logins lock the account name and the client address for a delay that doubles
with every failure past the limit; the counters live in the database (not in process memory)
so that spreading guesses over several workers or machines does not multiply the allowance.
Wrong phone PINs are counted the same way (``phone_pins.py``).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from ..db import Database, upsert
from ..db.schema import login_failures, staff, staff_sessions
from .account_rules import _ACCOUNT, StaffAccount, _account
from .throttle import check_password_hash  # werkzeug's, bounded per process (or Busy)

log = logging.getLogger(__name__)

FAILURES_ALLOWED = 5  # failed attempts before the first lock
FIRST_LOCK = 30.0  # seconds; doubles with each further failure
LONGEST_LOCK = 15 * 60.0
FORGET_AFTER = 60 * 60.0  # an hour without failures starts the count again
IDLE_MINUTES = 60.0
# last_seen is written at most this often per session, not on every page.
TOUCH_EVERY = 30.0


@functools.cache
def _dummy_hash() -> str:
    """Checked against when the name is unknown, so a wrong name takes as long as a wrong
    password and the timing does not reveal which staff names exist. Made at the first login,
    not at import: scrypt takes 32 MB while it runs, and a worker that never sees a login
    should not peak by that much at start."""
    return generate_password_hash("not a password of anyone", method="scrypt")


def locked_for(conn: sa.Connection, keys: Sequence[str], now: float) -> int:
    """Whole seconds until the last lock on any of ``keys`` ends (0: none is locked)."""
    locks = conn.execute(
        sa.select(login_failures.c.locked_until).where(login_failures.c.key.in_(keys))
    ).scalars()
    waits = [until - now for until in locks if until > now]
    return math.ceil(max(waits)) if waits else 0


@dataclass(frozen=True)
class Locked:
    """Login refused without checking the password: wait this many seconds."""

    seconds: int


@dataclass(frozen=True)
class Disabled:
    """The password was right, but an administrator turned the account off."""

    name: str


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class StaffSessions:
    """Logins and sessions, a part of :class:`~.accounts.StaffAccounts` (whose ``__init__``
    sets the attributes below)."""

    db: Database
    clock: Callable[[], float]
    idle_seconds: float

    # -- sessions (the web) -------------------------------------------------------------------

    def start_session(self, name: str) -> str:
        """A new session for ``name``; the token goes into the cookie (only its hash is kept)."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        with self.db.begin() as conn:
            # Sessions nobody used for a long time are of no use to anyone: tidy up here.
            conn.execute(
                sa.delete(staff_sessions).where(
                    staff_sessions.c.last_seen < now - self.idle_seconds
                )
            )
            conn.execute(
                sa.insert(staff_sessions).values(
                    id=_token_id(token), name=name, created=now, last_seen=now
                )
            )
            conn.execute(sa.update(staff).where(staff.c.name == name).values(last_seen=now))
        return token

    def session_user(self, token: str | None) -> StaffAccount | None:
        """The account a session token belongs to; None if the session ended, is unknown or
        was idle for longer than STAFF_IDLE_MINUTES (it then ends)."""
        if not token:
            return None
        session_id, now = _token_id(str(token)), self.clock()
        with self.db.connect() as conn:
            row = conn.execute(
                sa.select(*_ACCOUNT, staff_sessions.c.last_seen.label("session_seen"))
                .join(staff_sessions, staff_sessions.c.name == staff.c.name)
                .where(staff_sessions.c.id == session_id)
            ).first()
        if row is None:
            return None
        if now - row.session_seen > self.idle_seconds or row.disabled_at is not None:
            self.end_session(token)
            return None
        if now - row.session_seen > TOUCH_EVERY:
            try:
                with self.db.begin() as conn:
                    conn.execute(
                        sa.update(staff_sessions)
                        .where(staff_sessions.c.id == session_id)
                        .values(last_seen=now)
                    )
                    conn.execute(
                        sa.update(staff).where(staff.c.name == row.name).values(last_seen=now)
                    )
            except sa.exc.OperationalError as error:
                # A database that cannot write (a full disk) must not lock staff out of
                # reading the console; the session just looks idle since the last write.
                log.warning("staff session not touched: %s", str(error).splitlines()[0])
        return _account(row)

    def end_session(self, token: str | None) -> None:
        if token:
            with self.db.begin() as conn:
                conn.execute(
                    sa.delete(staff_sessions).where(staff_sessions.c.id == _token_id(str(token)))
                )

    # -- logging in (the web) -----------------------------------------------------------------

    def login(
        self, name: str, password: str, address: str
    ) -> StaffAccount | Locked | Disabled | None:
        """The account if the password is right; Locked if too many failures came first;
        Disabled if the password is right but the account is turned off; None for a wrong
        name or password (which one is not said)."""
        name = name.strip().lower()
        keys = (f"user:{name}", f"addr:{address}")
        now = self.clock()
        with self.db.connect() as conn:
            if wait := locked_for(conn, keys, now):
                return Locked(wait)
            row = conn.execute(sa.select(*_ACCOUNT).where(staff.c.name == name)).first()
        # The hash check runs outside any transaction: scrypt takes a while on purpose.
        ok = check_password_hash(row.password_hash if row else _dummy_hash(), password)
        with self.db.begin() as conn:
            if ok and row is not None:
                conn.execute(sa.delete(login_failures).where(login_failures.c.key == keys[0]))
                return _account(row) if row.disabled_at is None else Disabled(row.name)
            for key in keys:
                self._count_failure(conn, key, now)
        return None

    def _count_failure(
        self, conn: sa.Connection, key: str, now: float, allowed: int = FAILURES_ALLOWED
    ) -> None:
        row = conn.execute(
            sa.select(login_failures.c.count, login_failures.c.last_failure)
            .where(login_failures.c.key == key)
            .with_for_update()  # two workers counting at once: one waits (PostgreSQL)
        ).first()
        count = 1 if row is None or now - row.last_failure > FORGET_AFTER else row.count + 1
        locked_until = 0.0
        if count >= allowed:
            locked_until = now + min(FIRST_LOCK * 2 ** (count - allowed), LONGEST_LOCK)
        values = {"count": count, "last_failure": now, "locked_until": locked_until}
        conn.execute(
            upsert(conn, login_failures)
            .values(key=key, **values)
            .on_conflict_do_update(index_elements=["key"], set_=values)
        )
