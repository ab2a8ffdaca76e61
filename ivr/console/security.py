"""Who is logged in, CSRF tokens, and the session cookie settings for the staff console.

The session cookie (Flask's signed cookie) carries only a random session token and the CSRF
token. The session itself lives in the database (:class:`~.accounts.StaffAccounts`), looked up
on every console request, so logging out, a password change or a removed account ends it on
every machine, and an idle one ends after STAFF_IDLE_MINUTES. Twilio's webhooks and the audio
files never look at sessions (nor the database).
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, Response, abort, current_app, g, request, session

from ..atomic import private_dir
from .accounts import StaffAccounts

log = logging.getLogger(__name__)

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_HOURS = 12  # the cookie's own lifetime; the server ends idle sessions much sooner
SESSION_TOKEN = "session"
# Paths that never read a session (nor the database): the phone line.
LINE_PATHS = ("/voice", "/audio")
CONSOLE_PATH = "/admin"
DATABASE_DOWN = """<!doctype html>
<html lang="es"><head><meta charset="utf-8"><title>Base de datos / Database</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto; line-height: 1.5">
<h1>No se puede llegar a la base de datos</h1>
<p>No se cambió nada. La línea telefónica sigue contestando con la última versión.
Intente de nuevo en unos minutos.</p>
<h1 lang="en">The database cannot be reached</h1>
<p lang="en">The database did not answer or refused to save (for example, its disk is full).
Nothing was changed. The phone line keeps answering callers with the last version it loaded.
Try again in a few minutes.</p>
</body></html>
"""


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
    private_dir(folder)
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
    """Set g.staff_user (a name) and g.staff_account when the request carries a live session.

    Runs before every request of the app (the /simulator phone opens to staff through it), but
    touches the session only when its cookie is present, and never on the phone line's paths,
    so Twilio's webhooks and the cached /audio files never read a session, never wait on the
    database and never get a `Vary: Cookie`.
    """
    g.staff_user = None
    g.staff_account = None
    if request.path.startswith(LINE_PATHS) or (request.endpoint or "").endswith("static"):
        return  # the phone line, and files that are the same for everyone: no database
    if not sessions_possible() or current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return
    token = session.get(SESSION_TOKEN)
    if not token:
        return
    try:
        account = accounts().session_user(token)
    except sa.exc.SQLAlchemyError:
        if request.path.startswith(CONSOLE_PATH):
            raise  # the console's "database cannot be reached" page
        log.warning("staff session not checked: the database cannot be reached")
        return
    if account is None:
        session.clear()  # ended, idle too long, password changed or account removed
        return
    g.staff_user = account.name
    g.staff_account = account


def log_in(name: str, stamp: str | None = None) -> None:
    """Start a server-side session for ``name`` (``stamp`` is no longer needed)."""
    token = accounts().start_session(name)
    session.clear()  # a fresh session (and CSRF token) at login: no session fixation
    session.permanent = True
    session[SESSION_TOKEN] = token
    session[CSRF_FIELD] = secrets.token_urlsafe(32)


def log_out() -> None:
    """End the session here and on the server (a copied cookie stops working too)."""
    token = session.get(SESSION_TOKEN)
    session.clear()
    accounts().end_session(token)


def database_unavailable(error: Exception) -> Response:
    """The console's answer when the database cannot be reached or refuses a write."""
    log.error("console: database error: %s", str(error).splitlines()[0][:300])
    return Response(DATABASE_DOWN, 503, mimetype="text/html", headers={"Retry-After": "30"})


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
