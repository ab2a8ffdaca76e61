"""What a staff account is: its role, the rules its name and password follow, and how a row of
the ``staff`` table becomes a :class:`StaffAccount`.

Each account has a role (:data:`ROLES`): a *speaker* records takes, an *editor* also changes
and publishes the content, an *administrator* also manages accounts and goes back to old
versions (which console page needs which role: ``ivr/console/roles.py``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import sqlalchemy as sa

from ..db.schema import staff

MIN_PASSWORD = 10

SPEAKER = "speaker"  # records takes in the recording session; publishes only their own
EDITOR = "editor"  # words, numbers, hours, dates, drafts, publishing, undoing one change
ADMINISTRATOR = "administrator"  # everything: accounts, roles, PINs, limits, old versions
ROLES = (SPEAKER, EDITOR, ADMINISTRATOR)  # each role may do all the ones before it may
DEFAULT_ROLE = EDITOR  # a new account, unless it is the first (always an administrator)

_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,39}")


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


def _stamp(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:20]


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
