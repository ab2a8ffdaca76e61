"""Staff accounts in the hotline's database: adding, removing, turning off, roles, passwords,
and what the console and the CLI ask of them (one :class:`StaffAccounts`, whose logins and
sessions are in ``sessions.py`` and phone PINs in ``phone_pins.py``).

Passwords are stored only as werkzeug scrypt hashes. The first account is made on the command
line (`flask --app ivr staff add NAME`) and is always an administrator, so there is no default
account and no sign-up page to attack; administrators make the others in the console (Accounts)
or on the command line. What each role may do: ``account_rules.py``.

Every change to an account made with ``by=`` (the console and the CLI always pass it) is written
to the audit log in the same transaction. An administrator cannot leave the hotline without an
active administrator (:meth:`StaffAccounts.set_role`, :meth:`StaffAccounts.disable`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from ..db import Database
from ..db.schema import login_failures, staff, staff_sessions
from ..publish.audit import AuditLog
from .account_rules import (
    _ACCOUNT,
    ADMINISTRATOR,
    DEFAULT_ROLE,
    AccountError,
    LastAdministrator,
    StaffAccount,
    _account,
    _stamp,
    check_name,
    check_password,
    check_role,
)
from .phone_pins import PhonePins
from .sessions import IDLE_MINUTES, StaffSessions

LANGUAGES = ("es", "en")


def temporary_password() -> str:
    """A password an administrator hands on once; its owner must choose their own."""
    return secrets.token_urlsafe(12)  # 16 characters, ~96 bits


_ACTIVE_ADMIN = (staff.c.role == ADMINISTRATOR) & staff.c.disabled_at.is_(None)


class StaffAccounts(PhonePins, StaffSessions):
    def __init__(
        self,
        db: Database,
        clock: Callable[[], float] = time.time,
        idle_minutes: float = IDLE_MINUTES,
        pin_key: bytes | str | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.idle_seconds = idle_minutes * 60
        self.audit = AuditLog(db)
        # The PIN hashes' key, derived from SECRET_KEY (never SECRET_KEY itself, which signs
        # cookies): without it no PIN can be set or checked.
        secret = pin_key.encode() if isinstance(pin_key, str) else pin_key
        self._pin_key = (
            hmac.new(secret, b"hotline staff phone PIN", hashlib.sha256).digest()
            if secret
            else None
        )

    # -- accounts (the console's Accounts page and the CLI) -----------------------------------

    def add(
        self,
        name: str,
        password: str,
        role: str | None = None,
        *,
        temporary: bool = False,
        by: str | None = None,
    ) -> StaffAccount:
        """A new account: ``role`` (an editor when None), except that the first account is
        always an administrator (someone must be able to manage the others). ``temporary``:
        the person must choose their own password when they first log in."""
        name = check_name(name)
        check_password(password)
        role = check_role(role) if role is not None else DEFAULT_ROLE
        password_hash = generate_password_hash(password, method="scrypt")
        with self.db.begin() as conn:
            if conn.execute(sa.select(staff.c.name).where(staff.c.name == name)).first():
                raise AccountError(
                    f"There is already a staff account called {name!r}.", "name_taken"
                )
            if conn.execute(sa.select(staff.c.name).limit(1)).first() is None:
                role = ADMINISTRATOR
            created = self.clock()
            conn.execute(
                sa.insert(staff).values(
                    name=name,
                    password_hash=password_hash,
                    created=created,
                    role=role,
                    password_temporary=temporary,
                )
            )
            self._log(conn, by, "account_add", name, f"role: {role}")
        return StaffAccount(
            name, created, _stamp(password_hash), role=role, password_temporary=temporary
        )

    def set_password(
        self, name: str, password: str, *, temporary: bool = False, by: str | None = None
    ) -> None:
        """A new password; every open session of that name ends. ``temporary``: set by an
        administrator for someone else, who must then choose their own."""
        name = check_name(name)
        check_password(password)
        password_hash = generate_password_hash(password, method="scrypt")
        with self.db.begin() as conn:
            done = conn.execute(
                sa.update(staff)
                .where(staff.c.name == name)
                .values(password_hash=password_hash, password_temporary=temporary)
            )
            if not done.rowcount:
                raise AccountError(f"There is no staff account called {name!r}.", "no_account")
            conn.execute(sa.delete(login_failures).where(login_failures.c.key == f"user:{name}"))
            conn.execute(sa.delete(staff_sessions).where(staff_sessions.c.name == name))
            action = "account_password_reset" if temporary else "account_password"
            self._log(conn, by, action, name, "temporary password" if temporary else "new password")

    def remove(self, name: str, *, by: str | None = None) -> None:
        name = check_name(name)
        with self.db.begin() as conn:
            self._keep_an_administrator(conn, name, None)
            conn.execute(sa.delete(staff_sessions).where(staff_sessions.c.name == name))
            if not conn.execute(sa.delete(staff).where(staff.c.name == name)).rowcount:
                raise AccountError(f"There is no staff account called {name!r}.", "no_account")
            self._log(conn, by, "account_remove", name, "removed")

    def set_role(self, name: str, role: str, *, by: str | None = None) -> StaffAccount:
        """Change what ``name`` may do (at their next page: roles are read on every request).
        Refused when it would leave no active administrator."""
        name, role = check_name(name), check_role(role)
        with self.db.begin() as conn:
            before = self._row(conn, name)
            if before.role == role:
                return _account(before)
            if role != ADMINISTRATOR:
                self._keep_an_administrator(conn, name, before)
            conn.execute(sa.update(staff).where(staff.c.name == name).values(role=role))
            self._log(conn, by, "account_role", name, f"{before.role} → {role}")
            return _account(self._row(conn, name))

    def disable(self, name: str, *, by: str | None = None) -> None:
        """Turn the account off: its sessions end at once, its password and PIN stop working
        (its name stays in the history). Refused when it would leave no active
        administrator."""
        name = check_name(name)
        with self.db.begin() as conn:
            before = self._row(conn, name)
            if before.disabled_at is not None:
                return
            self._keep_an_administrator(conn, name, before)
            conn.execute(
                sa.update(staff).where(staff.c.name == name).values(disabled_at=self.clock())
            )
            conn.execute(sa.delete(staff_sessions).where(staff_sessions.c.name == name))
            self._log(conn, by, "account_disable", name, "turned off")

    def enable(self, name: str, *, by: str | None = None) -> None:
        name = check_name(name)
        with self.db.begin() as conn:
            if self._row(conn, name).disabled_at is None:
                return
            conn.execute(sa.update(staff).where(staff.c.name == name).values(disabled_at=None))
            self._log(conn, by, "account_enable", name, "turned on")

    def set_language(self, name: str, lang: str) -> None:
        if lang not in LANGUAGES:
            raise AccountError(f"The console speaks {' and '.join(LANGUAGES)}, not {lang!r}.")
        with self.db.begin() as conn:
            done = conn.execute(sa.update(staff).where(staff.c.name == name).values(language=lang))
            if not done.rowcount:
                raise AccountError(f"There is no staff account called {name!r}.", "no_account")

    def list(self) -> list[StaffAccount]:
        with self.db.connect() as conn:
            rows = conn.execute(sa.select(*_ACCOUNT).order_by(staff.c.name)).all()
        return [_account(row) for row in rows]

    def get(self, name: str) -> StaffAccount | None:
        with self.db.connect() as conn:
            row = conn.execute(sa.select(*_ACCOUNT).where(staff.c.name == name)).first()
        return _account(row) if row else None

    def _row(self, conn: sa.Connection, name: str) -> sa.Row:
        row = conn.execute(sa.select(*_ACCOUNT).where(staff.c.name == name)).first()
        if row is None:
            raise AccountError(f"There is no staff account called {name!r}.", "no_account")
        return row

    def _keep_an_administrator(self, conn: sa.Connection, name: str, row: sa.Row | None) -> None:
        """Refuse (AccountError) when ``name`` is the last active administrator and other
        accounts remain: nobody could then manage accounts from the console."""
        if row is not None and (row.role != ADMINISTRATOR or row.disabled_at is not None):
            return
        # FOR UPDATE: two administrators demoting each other at once on PostgreSQL take
        # turns, and the second sees the first's change (SQLite writers queue anyway).
        admins = (
            conn.execute(sa.select(staff.c.name).where(_ACTIVE_ADMIN).with_for_update())
            .scalars()
            .all()
        )
        if name not in admins or len(admins) > 1:
            return
        others = conn.execute(sa.select(staff.c.name).where(staff.c.name != name).limit(1))
        if others.first() is not None:
            raise LastAdministrator(
                f"{name!r} is the last administrator: make another account an administrator first."
            )

    def _log(self, conn: sa.Connection, by: str | None, action: str, name: str, summary: str):
        if by is not None:
            self.audit.record(
                who=by, action=action, what=f"account {name}", summary=summary, conn=conn
            )
