"""Staff phone PINs: what a staffer keys on the staff recording line (POST /voice/staff).

A PIN is digits only (a phone keypad), so it is stored like a password (a werkzeug scrypt
hash, table ``staff_pins``) and never shown again after it is set. The console makes a
random one of :data:`GENERATED_DIGITS` digits; ``flask --app ivr staff set-pin`` makes one
too, or takes the staffer's own from standard input (at least :data:`MIN_DIGITS`).

The line asks only for the PIN, so a PIN names its account: a PIN someone else already has
is refused (only on the command line, where whoever types it runs the server anyway; the
console never lets anyone choose one, so it cannot be used to find another's).

Wrong PINs are limited like wrong passwords (ivr/console/accounts.py): per caller (a keyed
hash of the calling number, never the number) and for the whole line, each locked for a
delay that doubles past the allowance, counted in the database so every worker sees them.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import Database, upsert
from ..db.schema import login_failures, staff, staff_pins
from .accounts import FAILURES_ALLOWED, FIRST_LOCK, FORGET_AFTER, LONGEST_LOCK, AccountError, Locked

GENERATED_DIGITS = 8
MIN_DIGITS = 6
MAX_DIGITS = 12
#: Wrong PINs from all callers together before the whole staff line locks (a caller's own
#: allowance is FAILURES_ALLOWED): enough that staff are rarely locked out by someone else.
LINE_FAILURES_ALLOWED = 4 * FAILURES_ALLOWED
LINE_KEY = "pin:line"

_PIN = re.compile(rf"\d{{{MIN_DIGITS},{MAX_DIGITS}}}")
# Checked when no account has a PIN, so the answer takes as long either way.
_DUMMY = generate_password_hash("00000000", method="scrypt")
_checking = threading.Lock()  # one PIN check at a time in a process: scrypt is slow on purpose


def check_pin(pin: str) -> str:
    pin = pin.strip()
    if not _PIN.fullmatch(pin):
        raise AccountError(f"A phone PIN is {MIN_DIGITS} to {MAX_DIGITS} digits (0-9).")
    return pin


@dataclass(frozen=True)
class PinResult:
    name: str | None  # the staffer, or None for a wrong PIN
    locked: Locked | None = None  # refused without checking


class StaffPins:
    def __init__(self, db: Database, secret: str, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.secret = secret.encode() or b"no secret key"
        self.clock = clock

    def set_pin(self, name: str, pin: str | None = None) -> str:
        """Give ``name`` a new PIN (a random one when ``pin`` is None); returns it. A chosen
        PIN another account has is refused (AccountError)."""
        if pin is None:
            pin = self._unused_pin()
        else:
            pin = check_pin(pin)
            if self._owner(pin) not in (None, name):
                raise AccountError("Another staff account has that PIN: choose another one.")
        pin_hash = generate_password_hash(pin, method="scrypt")
        with self.db.begin() as conn:
            if not conn.execute(sa.select(staff.c.name).where(staff.c.name == name)).first():
                raise AccountError(f"There is no staff account called {name!r}.")
            conn.execute(sa.delete(staff_pins).where(staff_pins.c.name == name))
            conn.execute(
                sa.insert(staff_pins).values(name=name, pin_hash=pin_hash, created=self.clock())
            )
        return pin

    def remove(self, name: str) -> bool:
        with self.db.begin() as conn:
            return bool(
                conn.execute(sa.delete(staff_pins).where(staff_pins.c.name == name)).rowcount
            )

    def has_pin(self, name: str) -> bool:
        with self.db.connect() as conn:
            return bool(
                conn.execute(sa.select(staff_pins.c.name).where(staff_pins.c.name == name)).first()
            )

    def _unused_pin(self) -> str:
        while True:
            pin = "".join(secrets.choice("0123456789") for _ in range(GENERATED_DIGITS))
            if pin[0] != "0" and self._owner(pin) is None:  # no leading 0: easy to read out
                return pin

    def _owner(self, pin: str) -> str | None:
        with self.db.connect() as conn:
            rows = conn.execute(sa.select(staff_pins.c.name, staff_pins.c.pin_hash)).all()
        with _checking:
            found = None
            for name, pin_hash in rows:
                if check_password_hash(pin_hash, pin) and found is None:
                    found = name
            if not rows:
                check_password_hash(_DUMMY, pin)
        return found

    # -- the staff line ---------------------------------------------------------------------

    def caller_key(self, caller: str) -> str:
        """The throttling key of a calling number: a keyed hash, never the number."""
        digest = hmac.new(self.secret, caller.encode(), hashlib.sha256).hexdigest()[:32]
        return f"pin:{digest}"

    def identify(self, pin: str, caller: str) -> PinResult:
        """The staffer whose PIN this is, unless the caller or the line is locked after too
        many wrong PINs (then refused without checking)."""
        keys = (self.caller_key(caller or "unknown"), LINE_KEY)
        now = self.clock()
        with self.db.connect() as conn:
            locks = conn.execute(
                sa.select(login_failures.c.locked_until).where(login_failures.c.key.in_(keys))
            ).scalars()
            waits = [until - now for until in locks if until > now]
        if waits:
            return PinResult(None, Locked(math.ceil(max(waits))))
        name = self._owner(pin) if _PIN.fullmatch(pin or "") else None
        with self.db.begin() as conn:
            if name is not None:
                conn.execute(sa.delete(login_failures).where(login_failures.c.key == keys[0]))
                return PinResult(name)
            self._count(conn, keys[0], now, FAILURES_ALLOWED)
            self._count(conn, LINE_KEY, now, LINE_FAILURES_ALLOWED)
        return PinResult(None)

    @staticmethod
    def _count(conn: sa.Connection, key: str, now: float, allowed: int) -> None:
        row = conn.execute(
            sa.select(login_failures.c.count, login_failures.c.last_failure)
            .where(login_failures.c.key == key)
            .with_for_update()
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
