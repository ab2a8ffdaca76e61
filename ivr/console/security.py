"""Who is logged in, CSRF tokens, and the session cookie settings for the staff console.

The session is Flask's signed cookie: it carries only the staff name, the stamp of the
password it was made with (a password change logs out every old session) and the CSRF token.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from flask import Flask, abort, current_app, g, request, session

from .accounts import StaffAccounts

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_HOURS = 12


def data_dir(app: Flask) -> Path:
    """Where the staff database lives: DATA_DIR, beside the published versions."""
    return Path(app.config["SETTINGS"].data_dir)


def configure_sessions(app: Flask) -> None:
    settings = app.config["SETTINGS"]
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,  # no script can read the login
        SESSION_COOKIE_SAMESITE="Lax",  # other sites cannot post with it
        # Outside development the console is only ever reached over https (behind the proxy).
        SESSION_COOKIE_SECURE=not settings.development,
        SESSION_COOKIE_NAME="hotline_staff",
        PERMANENT_SESSION_LIFETIME=SESSION_HOURS * 3600,
    )
    if not app.secret_key and settings.development:
        app.secret_key = _development_key(data_dir(app))


def _development_key(folder: Path) -> str:
    """One random key per checkout, kept in a file so every gunicorn worker signs alike."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "development-secret-key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w") as out:
        out.write(key)
    return key


def sessions_possible() -> bool:
    """False in production without SECRET_KEY: the console then refuses to log anyone in."""
    return bool(current_app.secret_key)


def accounts() -> StaffAccounts:
    return current_app.extensions["staff"]


def load_staff_user() -> None:
    """Set g.staff_user (a name) when the request carries a valid staff session.

    Runs before every request of the app (the /simulator phone opens to staff through it), but
    touches the session only when its cookie is present, so Twilio's webhooks and the cached
    /audio files never read a session or get a `Vary: Cookie`.
    """
    g.staff_user = None
    if not sessions_possible() or current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return
    name = session.get("staff")
    if not name:
        return
    account = accounts().get(name)
    if account is None or not hmac.compare_digest(
        account.session_stamp, str(session.get("stamp", ""))
    ):
        session.clear()  # removed account or changed password: the old session ends here
        return
    g.staff_user = account.name


def log_in(name: str, stamp: str) -> None:
    session.clear()  # a fresh session (and CSRF token) at login: no session fixation
    session.permanent = True
    session["staff"] = name
    session["stamp"] = stamp
    session[CSRF_FIELD] = secrets.token_urlsafe(32)


def log_out() -> None:
    session.clear()


def csrf_token() -> str:
    if not sessions_possible():
        return ""  # no session without a key; the page then only says what is missing
    token = session.get(CSRF_FIELD)
    if not token:
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    """Every POST carries the session's token in a form field or (fetch) in a header."""
    expected = session.get(CSRF_FIELD)
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD, "")
    if not expected or not sent or not hmac.compare_digest(str(expected), str(sent)):
        abort(
            400, "The form was out of date or not from this console. Reload the page and try again."
        )
