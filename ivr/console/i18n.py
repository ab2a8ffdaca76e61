"""The console in the staffer's language (Flask-Babel catalogs in ``ivr/translations``), and
dates in the hotline's own time zone.

Source strings are English; ``es`` is the default because most hotline staff read Spanish.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime
from flask import Flask, current_app, g, request, session
from flask_babel import Babel, get_locale

# The interface languages, in the order the switch offers them, named in their own words.
UI_LANGUAGES = {"es": "Español", "en": "English"}
DEFAULT_UI = "es"
SESSION_KEY = "ui_lang"


def init_babel(app: Flask) -> None:
    """Flask-Babel for the whole app: the console and the browser phone share the catalogs."""
    if "babel" in app.extensions:
        return
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(app.root_path + "/translations"))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_UI)
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["SETTINGS"].hotline_timezone
    Babel(app, locale_selector=ui_language)
    app.jinja_env.globals.update(ui_language=ui_language, ui_languages=UI_LANGUAGES)
    app.jinja_env.filters["when"] = when


def ui_language() -> str:
    """The language this staffer reads the console in: their account's (kept in the database,
    so it follows them to any browser), else the choice made before logging in, else the
    browser's."""
    account = g.get("staff_account")
    if account is not None and account.language in UI_LANGUAGES:
        return account.language
    chosen = session.get(SESSION_KEY) if _has_session() else None
    if chosen in UI_LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(UI_LANGUAGES)) or DEFAULT_UI


def chosen_before_login() -> str | None:
    """The language picked with the switch on the login page, if any (the account takes it)."""
    chosen = session.get(SESSION_KEY) if _has_session() else None
    return chosen if chosen in UI_LANGUAGES else None


def set_ui_language(lang: str) -> bool:
    """Keep the choice: on the staffer's account when logged in (every browser, every
    machine), in this browser's session otherwise. False for a language the console is not
    written in."""
    if lang not in UI_LANGUAGES:
        return False
    session[SESSION_KEY] = lang
    account = g.get("staff_account")
    if account is not None:
        current_app.extensions["staff"].set_language(account.name, lang)
        g.staff_account = replace(account, language=lang)
    return True


def _has_session() -> bool:
    # Only read the session when the browser sent one: webhooks never touch it.
    return current_app.config["SESSION_COOKIE_NAME"] in request.cookies or bool(g.get("staff_user"))


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def when(iso: str | None) -> str:
    """'2026-11-23T17:36:02Z' -> '23 nov 2026, 09:36' in the hotline's time zone and the
    staffer's language (storage keeps UTC ISO)."""
    try:
        moment = datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
    except ValueError:
        return str(iso or "")
    zone = _zone(current_app.config["SETTINGS"].hotline_timezone)
    return format_datetime(moment, "d MMM y, HH:mm", tzinfo=zone, locale=get_locale())


def language_name(code: str) -> str:
    """A content language's name in the staffer's language ('ht' -> 'criollo haitiano')."""
    try:
        name = Locale.parse(code).get_display_name(get_locale())
    except (ValueError, TypeError, UnknownLocaleError):
        return code
    return name or code
