"""Staff accounts and failed-login counters in one SQLite file shared by every gunicorn worker.

Passwords are stored only as werkzeug scrypt hashes. Accounts are made on the command line
(`flask --app ivr staff add NAME`), never through the web, so there is no default account and
no sign-up page to attack.

Repeated failed logins lock the account name and the client address for a delay that doubles
with every failure past the limit; the counters live in SQLite (not in process memory) so that
spreading guesses over several workers does not multiply the allowance.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from werkzeug.security import generate_password_hash

from .throttle import check_password_hash  # werkzeug's, bounded per process (or Busy)

FAILURES_ALLOWED = 5  # failed attempts before the first lock
FIRST_LOCK = 30.0  # seconds; doubles with each further failure
LONGEST_LOCK = 15 * 60.0
FORGET_AFTER = 60 * 60.0  # an hour without failures starts the count again
MIN_PASSWORD = 10

_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,39}")

# Checked against when the name is unknown, so a wrong name takes as long as a wrong password
# and the timing does not reveal which staff names exist.
_DUMMY_HASH = generate_password_hash("not a password of anyone", method="scrypt")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS staff (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS login_failures (
    key TEXT PRIMARY KEY,          -- 'user:<name>' or 'addr:<client address>'
    count INTEGER NOT NULL,
    last_failure REAL NOT NULL,
    locked_until REAL NOT NULL
);
"""


class AccountError(ValueError):
    """A staff command cannot be done; the message says why in plain words."""


@dataclass(frozen=True)
class Locked:
    """Login refused without checking the password: wait this many seconds."""

    seconds: int


@dataclass(frozen=True)
class StaffAccount:
    name: str
    created: float
    # Changes when the password does, so a session made with the old password stops working.
    session_stamp: str


def check_name(name: str) -> str:
    name = name.strip().lower()
    if not _NAME.fullmatch(name):
        raise AccountError(
            "A staff name is 1-40 lowercase letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        )
    return name


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"The password must be at least {MIN_PASSWORD} characters long.")


def _stamp(password_hash: str) -> str:
    # A digest of salt and hash: unique per password set, and the session cookie (readable
    # by whoever holds it) shows nothing of the stored hash itself.
    return hashlib.sha256(password_hash.encode()).hexdigest()[:20]


_SELECT_ACCOUNT = "SELECT name, created, password_hash FROM staff"


def _account(row: tuple) -> StaffAccount:
    name, created, password_hash = row
    return StaffAccount(name, created, _stamp(password_hash))


class StaffAccounts:
    def __init__(self, path: Path | str, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self.clock = clock
        self._ready = False

    def _create(self) -> None:
        # On first use, not at app start: apps that never see a staff member (tests, the
        # CLI) leave no database behind.
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=10)
        try:
            # WAL lets the workers read while one of them writes a failure counter.
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
        finally:
            db.close()
        try:
            os.chmod(self.path, 0o600)  # password hashes: readable by the service user only
        except OSError:
            pass
        self._ready = True

    @contextmanager
    def _db(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        if not self._ready:
            self._create()
        # A short-lived connection per operation: safe across threads and forked workers.
        # Reads (every staff page asks who is logged in) need not queue for the write lock.
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()

    # -- accounts (the CLI) -------------------------------------------------------------------

    def add(self, name: str, password: str) -> StaffAccount:
        name = check_name(name)
        check_password(password)
        password_hash = generate_password_hash(password, method="scrypt")
        with self._db() as db:
            if db.execute("SELECT 1 FROM staff WHERE name = ?", (name,)).fetchone():
                raise AccountError(f"There is already a staff account called {name!r}.")
            db.execute(
                "INSERT INTO staff (name, password_hash, created) VALUES (?, ?, ?)",
                (name, password_hash, created := self.clock()),
            )
        return StaffAccount(name, created, _stamp(password_hash))

    def set_password(self, name: str, password: str) -> None:
        name = check_name(name)
        check_password(password)
        password_hash = generate_password_hash(password, method="scrypt")
        with self._db() as db:
            done = db.execute(
                "UPDATE staff SET password_hash = ? WHERE name = ?", (password_hash, name)
            )
            if not done.rowcount:
                raise AccountError(f"There is no staff account called {name!r}.")
            db.execute("DELETE FROM login_failures WHERE key = ?", (f"user:{name}",))

    def remove(self, name: str) -> None:
        name = check_name(name)
        with self._db() as db:
            if not db.execute("DELETE FROM staff WHERE name = ?", (name,)).rowcount:
                raise AccountError(f"There is no staff account called {name!r}.")

    def list(self) -> list[StaffAccount]:
        with self._db(write=False) as db:
            rows = db.execute(f"{_SELECT_ACCOUNT} ORDER BY name").fetchall()
        return [_account(row) for row in rows]

    def get(self, name: str) -> StaffAccount | None:
        with self._db(write=False) as db:
            row = db.execute(f"{_SELECT_ACCOUNT} WHERE name = ?", (name,)).fetchone()
        return _account(row) if row else None

    # -- logging in (the web) -----------------------------------------------------------------

    def login(self, name: str, password: str, address: str) -> StaffAccount | Locked | None:
        """The account if the password is right; Locked if too many failures came first;
        None for a wrong name or password (which one is not said)."""
        name = name.strip().lower()
        keys = (f"user:{name}", f"addr:{address}")
        now = self.clock()
        with self._db() as db:
            waits = [
                row[0] - now
                for row in (
                    db.execute(
                        "SELECT locked_until FROM login_failures WHERE key = ?", (k,)
                    ).fetchone()
                    for k in keys
                )
                if row and row[0] > now
            ]
            if waits:
                return Locked(math.ceil(max(waits)))
            row = db.execute(f"{_SELECT_ACCOUNT} WHERE name = ?", (name,)).fetchone()
        # The hash check runs outside the write lock: scrypt takes a while on purpose.
        ok = check_password_hash(row[2] if row else _DUMMY_HASH, password) and row is not None
        with self._db() as db:
            if ok:
                db.execute("DELETE FROM login_failures WHERE key = ?", (keys[0],))
                return _account(row)
            for key in keys:
                self._count_failure(db, key, now)
        return None

    def _count_failure(self, db: sqlite3.Connection, key: str, now: float) -> None:
        row = db.execute(
            "SELECT count, last_failure FROM login_failures WHERE key = ?", (key,)
        ).fetchone()
        count = 1 if row is None or now - row[1] > FORGET_AFTER else row[0] + 1
        locked_until = 0.0
        if count >= FAILURES_ALLOWED:
            locked_until = now + min(FIRST_LOCK * 2 ** (count - FAILURES_ALLOWED), LONGEST_LOCK)
        db.execute(
            "INSERT OR REPLACE INTO login_failures (key, count, last_failure, locked_until) "
            "VALUES (?, ?, ?, ?)",
            (key, count, now, locked_until),
        )
