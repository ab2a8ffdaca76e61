"""Phone PINs, which let staff into the staff recording line: setting, clearing and checking
them, and locking the line after too many wrong ones.

A phone PIN (4-8 digits) names its account, so no two accounts share one. It is kept as
HMAC-SHA256 keyed with a key derived from SECRET_KEY: a stolen database alone does not give
the PINs away (an unkeyed or salted hash of 4-8 digits is reversed by trying them all), and it
can be looked up without checking every account's hash. Changing SECRET_KEY therefore voids
every PIN (set them again). Wrong PINs are counted in ``login_failures`` like wrong passwords:
for the whole line (a larger allowance) and, when the line passes one, for the caller's own
key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable

import sqlalchemy as sa

from ..db import Database
from ..db.schema import login_failures, staff
from .account_rules import AccountError, check_name
from .sessions import FAILURES_ALLOWED, locked_for

PIN_DIGITS = (4, 8)  # shortest and longest phone PIN
GENERATED_PIN = 6  # digits of a PIN the console makes
# Wrong PINs from every caller together before the staff line locks for a while (a caller's
# own allowance, when the line passes a key for the caller, is FAILURES_ALLOWED).
LINE_PIN_FAILURES = 4 * FAILURES_ALLOWED
LINE_PIN_KEY = "pin:line"

_PIN = re.compile(rf"[0-9]{{{PIN_DIGITS[0]},{PIN_DIGITS[1]}}}")


def check_pin_format(pin: str) -> str:
    """A PIN of 4-8 digits that is not all one digit nor a straight run (1234, 9876)."""
    pin = pin.strip()
    if not _PIN.fullmatch(pin):
        raise AccountError(
            f"A phone PIN is {PIN_DIGITS[0]} to {PIN_DIGITS[1]} digits (0-9).", "bad_pin"
        )
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)}
    if len(steps) == 1 and steps <= {-1, 0, 1}:
        raise AccountError(
            "That PIN is too easy to guess (one digit, or digits in a row).", "easy_pin"
        )
    return pin


class PhonePins:
    """Phone PINs, a part of :class:`~.accounts.StaffAccounts`, which sets the attributes
    below and gives ``_row`` and ``_log``; ``_count_failure`` comes from ``StaffSessions``."""

    db: Database
    clock: Callable[[], float]
    _pin_key: bytes | None

    def _pin_hash(self, pin: str) -> str:
        if self._pin_key is None:
            raise AccountError(
                "Phone PINs need the server's SECRET_KEY, which is not set.", "no_secret_key"
            )
        return "hmac-sha256:" + hmac.new(self._pin_key, pin.encode(), hashlib.sha256).hexdigest()

    def set_pin(self, name: str, pin: str | None = None, *, by: str | None = None) -> str:
        """Give ``name`` a phone PIN and return it: ``pin`` (4-8 digits, refused when another
        account has it), or a random unused one of GENERATED_PIN digits when None (the
        console only makes PINs, so it cannot be used to find out another's)."""
        name = check_name(name)
        chosen = pin is not None
        pin = check_pin_format(pin) if pin is not None else ""
        for _ in range(100):
            if not chosen:  # no leading 0: easier to read out and to key
                pin = secrets.choice("123456789") + "".join(
                    secrets.choice("0123456789") for _ in range(GENERATED_PIN - 1)
                )
                try:
                    check_pin_format(pin)
                except AccountError:
                    continue
            pin_hash = self._pin_hash(pin)
            try:
                with self.db.begin() as conn:
                    self._row(conn, name)
                    owner = conn.execute(
                        sa.select(staff.c.name).where(staff.c.phone_pin_hash == pin_hash)
                    ).scalar()
                    if owner == name:
                        return pin
                    if owner is None:
                        conn.execute(
                            sa.update(staff)
                            .where(staff.c.name == name)
                            .values(phone_pin_hash=pin_hash)
                        )
                        self._log(conn, by, "account_pin", name, "phone PIN set")
                        return pin
            except sa.exc.IntegrityError:
                pass  # another account took it at the same moment (the unique index)
            if chosen:
                raise AccountError(
                    "Another staff account has that PIN: choose another one.", "pin_taken"
                )
        raise AccountError("No unused PIN could be found.")  # pragma: no cover

    def clear_pin(self, name: str, *, by: str | None = None) -> None:
        name = check_name(name)
        with self.db.begin() as conn:
            if self._row(conn, name).phone_pin_hash is None:
                return
            conn.execute(sa.update(staff).where(staff.c.name == name).values(phone_pin_hash=None))
            self._log(conn, by, "account_pin_clear", name, "phone PIN removed")

    def pin_wait(self, caller_key: str | None = None) -> int:
        """Seconds before the staff line (or this caller) may try a PIN again; 0: now."""
        keys = [LINE_PIN_KEY] + ([f"pin:{caller_key}"] if caller_key else [])
        now = self.clock()
        with self.db.connect() as conn:
            return locked_for(conn, keys, now)

    def check_pin(self, pin: str, caller_key: str | None = None) -> str | None:
        """The name of the active account whose PIN this is; None for a wrong PIN, and
        (without checking) while the line or this caller is locked after too many wrong PINs
        (:meth:`pin_wait` says how long). ``caller_key``: a keyed hash the line makes of the
        caller (never a phone number), to lock one prankster before the whole line."""
        if self.pin_wait(caller_key):
            return None
        pin = str(pin or "").strip()
        name = None
        if _PIN.fullmatch(pin) and self._pin_key is not None:
            with self.db.connect() as conn:
                name = conn.execute(
                    sa.select(staff.c.name).where(
                        (staff.c.phone_pin_hash == self._pin_hash(pin))
                        & staff.c.disabled_at.is_(None)
                    )
                ).scalar()
        now = self.clock()
        with self.db.begin() as conn:
            if name is not None:
                if caller_key:
                    conn.execute(
                        sa.delete(login_failures).where(login_failures.c.key == f"pin:{caller_key}")
                    )
                return name
            self._count_failure(conn, LINE_PIN_KEY, now, LINE_PIN_FAILURES)
            if caller_key:
                self._count_failure(conn, f"pin:{caller_key}", now)
        return None
