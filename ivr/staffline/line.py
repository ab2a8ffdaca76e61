"""The staff recording line, ``POST /voice/staff``, set on a second Twilio number: its
blueprints and what every step shares (the staffer's signed token, the words it speaks, its
answer to an error). The steps are in login.py (PIN, language) and takes.py (a clip read,
recorded, played back, kept or not).

A staffer with only a phone records a language's session (ivr/publish/studio.py) here: they key
their account's phone PIN (``StaffAccounts.check_pin``, ivr/console/phone_pins.py) and a
language; the line reads the next clip of their session, beeps and records it with ``<Record>``
(length limited from its words, ``#`` ends it), fetches the take from Twilio and deletes it
there (ivr/staffline/recordings.py), checks it like a browser take, and plays it back: 1 keep,
2 again, 3 skip, 9 choose a prompt by its code (shown on the console and by ``flask --app ivr
content codes``; 0 for the number clips). This is the only place the line uses ``<Record>``:
the public line never records.

Signed like every webhook (ivr/security.py checks every request under /voice). After the
PIN, every action URL carries a token signed with SECRET_KEY naming the staffer, valid for a
few hours, so any worker on any machine answers any step and no URL can be made up to record
as someone else. The staffer hears the line in their console language (Spanish or English);
the words to record in the session's language: Twilio's voice for it, or the offline
computer voice where Twilio has none (Kreyòl).
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from flask import Blueprint, Response, abort, current_app, request
from flask_babel import force_locale, gettext
from itsdangerous import BadSignature, URLSafeTimedSerializer
from twilio.twiml.voice_response import VoiceResponse

log = logging.getLogger(__name__)

bp = Blueprint("staffline", __name__, url_prefix="/voice/staff")

SALT = "ivr.staffline"
TOKEN_SECONDS = 4 * 3600  # a recording session by phone, with room to spare
CHOICE_TRIES = 3
UI_LANGUAGES = ("es", "en")
# The voices the instructions are read in, when the pack has no <Say> voice for them.
UI_VOICES = {"es": ("Polly.Mia", "es-MX"), "en": ("Polly.Joanna", "en-US")}


def _secret() -> str:
    settings = current_app.config["SETTINGS"]
    key = current_app.secret_key or settings.twilio_auth_token.reveal()
    if not key:  # development without either: a fixed key per checkout (simulator's rule)
        key = hashlib.sha256(str(settings.content_dir).encode()).hexdigest()
    return str(key)


def _token(name: str) -> str:
    return URLSafeTimedSerializer(_secret(), salt=SALT).dumps({"n": name})


def _staffer() -> str:
    """The staffer the URL's token names; 403 for a bad or old token."""
    try:
        data = URLSafeTimedSerializer(_secret(), salt=SALT).loads(
            request.args.get("t", ""), max_age=TOKEN_SECONDS
        )
        name = str(data["n"])
    except (BadSignature, KeyError, TypeError):
        abort(403)
    account = current_app.extensions["staff"].get(name)
    if account is None or account.disabled:
        abort(403)  # the account was removed or turned off meanwhile
    return name


def _ui(name: str | None) -> str:
    account = current_app.extensions["staff"].get(name) if name else None
    return account.language if account is not None and account.language in UI_LANGUAGES else "es"


def _pack() -> Any:
    return current_app.extensions["content"].current()


def _studio() -> Any:
    return current_app.extensions["studio"]


def _twiml(response: VoiceResponse) -> Response:
    return Response(str(response), status=200, mimetype="text/xml")


def _say(verb: Any, text: str, ui: str) -> None:
    language = _pack().language(ui)
    if language is not None and language.has_say_voice:
        verb.say(text, voice=language.say_voice, language=language.say_language)
    else:
        voice, code = UI_VOICES[ui]
        verb.say(text, voice=voice, language=code)


def _t(ui: str, message: str, **params: Any) -> str:
    with force_locale(ui):
        return gettext(message, **params)


def N_(message: str) -> str:  # noqa: N802 — marks words for pybabel extract (gettext's name)
    return message


def _int(value: str | None, default: int = 0) -> int:
    try:
        return max(0, min(int(value or default), 99))
    except ValueError:
        return default


@bp.errorhandler(Exception)
def on_error(exc: Exception) -> Any:
    """Twilio never gets a 500: a refused token stays 403, anything else says sorry."""
    from werkzeug.exceptions import HTTPException

    if isinstance(exc, HTTPException) and exc.code in (403, 503):
        return exc
    log.exception("staff line %s failed", request.path)
    response = VoiceResponse()
    for ui in UI_LANGUAGES:
        _say(response, _t(ui, N_("Sorry, something went wrong. Please call again.")), ui)
    response.hangup()
    return _twiml(response)
