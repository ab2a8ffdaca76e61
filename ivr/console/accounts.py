"""Staff accounts, their roles, login sessions, phone PINs and failed-login counters, in the
hotline's database.

Passwords are stored only as werkzeug scrypt hashes. The first account is made on the command
line (`flask --app ivr staff add NAME`) and is always an administrator, so there is no default
account and no sign-up page to attack; administrators make the others in the console (Accounts)
or on the command line. Each account has a role (:data:`ROLES`): a *speaker* records takes, an
*editor* also changes and publishes the content, an *administrator* also manages accounts and
goes back to old versions (which console page needs which role: ``ivr/console/roles.py``).

Every change to an account made with ``by=`` (the console and the CLI always pass it) is written
to the audit log in the same transaction. An administrator cannot leave the hotline without an
active administrator (:meth:`StaffAccounts.set_role`, :meth:`StaffAccounts.disable`).

Sessions live on the server: the cookie carries a random token, the table ``staff_sessions``
its sha256. Every console request looks it up (:meth:`StaffAccounts.session_user`), so a
logout, a password change or a removed account ends a session on every machine at once, and a
session idle for longer than STAFF_IDLE_MINUTES ends by itself.

Repeated failed logins lock the account name and the client address for a delay that doubles
with every failure past the limit; the counters live in the database (not in process memory)
so that spreading guesses over several workers or machines does not multiply the allowance.

A phone PIN (4-8 digits, for the staff recording line) names its account, so no two accounts
share one. It is kept as HMAC-SHA256 keyed with a key derived from SECRET_KEY: a stolen
database alone does not give the PINs away (an unkeyed or salted hash of 4-8 digits is
reversed by trying them all), and it can be looked up without checking every account's hash.
Changing SECRET_KEY therefore voids every PIN (set them again). Wrong PINs are counted in
``login_failures`` like wrong passwords: for the whole line (a larger allowance) and, when the
line passes one, for the caller's own key.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import math
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from ..db import Database, upsert
from ..db.schema import login_failures, staff, staff_sessions
from ..publish.audit import AuditLog
from .throttle import check_password_hash  # werkzeug's, bounded per process (or Busy)

log = logging.getLogger(__name__)

FAILURES_ALLOWED = 5  # failed attempts before the first lock
FIRST_LOCK = 30.0  # seconds; doubles with each further failure
LONGEST_LOCK = 15 * 60.0
FORGET_AFTER = 60 * 60.0  # an hour without failures starts the count again
MIN_PASSWORD = 10
IDLE_MINUTES = 60.0
# last_seen is written at most this often per session, not on every page.
TOUCH_EVERY = 30.0
LANGUAGES = ("es", "en")

SPEAKER = "speaker"  # records takes in the recording session; publishes only their own
EDITOR = "editor"  # words, numbers, hours, dates, drafts, publishing, undoing one change
ADMINISTRATOR = "administrator"  # everything: accounts, roles, PINs, limits, old versions
ROLES = (SPEAKER, EDITOR, ADMINISTRATOR)  # each role may do all the ones before it may
DEFAULT_ROLE = EDITOR  # a new account, unless it is the first (always an administrator)

PIN_DIGITS = (4, 8)  # shortest and longest phone PIN
GENERATED_PIN = 6  # digits of a PIN the console makes
# Wrong PINs from every caller together before the staff line locks for a while (a caller's
# own allowance, when the line passes a key for the caller, is FAILURES_ALLOWED).
LINE_PIN_FAILURES = 4 * FAILURES_ALLOWED
LINE_PIN_KEY = "pin:line"

_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,39}")
_PIN = re.compile(rf"[0-9]{{{PIN_DIGITS[0]},{PIN_DIGITS[1]}}}")


@functools.cache
def _dummy_hash() -> str:
    """Checked against when the name is unknown, so a wrong name takes as long as a wrong
    password and the timing does not reveal which staff names exist. Made at the first login,
    not at import: scrypt takes 32 MB while it runs, and a worker that never sees a login
    should not peak by that much at start."""
    return generate_password_hash("not a password of anyone", method="scrypt")


class AccountError(ValueError):
    """A staff command cannot be done; the message says why in plain words (English, for the
    CLI); ``code`` lets the console say it in the staffer's language."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class LastAdministrator(AccountError):
    """The change would leave no active administrator."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "last_administrator")


@dataclass(frozen=True)
class Locked:
    """Login refused without checking the password: wait this many seconds."""

    seconds: int


@dataclass(frozen=True)
class Disabled:
    """The password was right, but an administrator turned the account off."""

    name: str


@dataclass(frozen=True)
class StaffAccount:
    name: str
    created: float
    # Changes when the password does (kept for callers that show or compare it).
    session_stamp: str
    language: str = "es"  # the console's language for this person
    role: str = DEFAULT_ROLE
    disabled: bool = False
    password_temporary: bool = False  # set by an administrator: must choose their own
    last_seen: float | None = None
    has_pin: bool = False

    def can(self, role: str) -> bool:
        """True when this account's role includes ``role`` (an administrator can do all)."""
        return rank(self.role) >= rank(role)


def check_name(name: str) -> str:
    name = name.strip().lower()
    if not _NAME.fullmatch(name):
        raise AccountError(
            "A staff name is 1-40 lowercase letters, digits, '.', '_' or '-', "
            "starting with a letter or digit.",
            "bad_name",
        )
    return name


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(
            f"The password must be at least {MIN_PASSWORD} characters long.", "short_password"
        )


def check_role(role: str) -> str:
    role = role.strip().lower()
    if role not in ROLES:
        raise AccountError(f"A role is one of {', '.join(ROLES)}, not {role!r}.", "bad_role")
    return role


def rank(role: str) -> int:
    """Where ``role`` stands (an unknown role stands below every role: it may do nothing)."""
    return ROLES.index(role) if role in ROLES else -1


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


def temporary_password() -> str:
    """A password an administrator hands on once; its owner must choose their own."""
    return secrets.token_urlsafe(12)  # 16 characters, ~96 bits


def _stamp(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:20]


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_ACCOUNT = (
    staff.c.name,
    staff.c.created,
    staff.c.password_hash,
    staff.c.language,
    staff.c.role,
    staff.c.disabled_at,
    staff.c.password_temporary,
    staff.c.last_seen,
    staff.c.phone_pin_hash,
)


def _account(row: sa.Row) -> StaffAccount:
    return StaffAccount(
        row.name,
        row.created,
        _stamp(row.password_hash),
        row.language,
        role=row.role,
        disabled=row.disabled_at is not None,
        password_temporary=bool(row.password_temporary),
        last_seen=row.last_seen,
        has_pin=row.phone_pin_hash is not None,
    )


_ACTIVE_ADMIN = (staff.c.role == ADMINISTRATOR) & staff.c.disabled_at.is_(None)


class StaffAccounts:
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

    # -- phone PINs (the staff recording line) ------------------------------------------------

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
            locks = conn.execute(
                sa.select(login_failures.c.locked_until).where(login_failures.c.key.in_(keys))
            ).scalars()
            waits = [until - now for until in locks if until > now]
        return math.ceil(max(waits)) if waits else 0

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
            locks = conn.execute(
                sa.select(login_failures.c.locked_until).where(login_failures.c.key.in_(keys))
            ).scalars()
            waits = [until - now for until in locks if until > now]
            if waits:
                return Locked(math.ceil(max(waits)))
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
