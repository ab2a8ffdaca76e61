"""The staff line's first steps: the call asks for the staffer's phone PIN (wrong PINs
counted per caller, then refused for a while), then for the language to record in.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Response, current_app, request, url_for
from flask_babel import force_locale, ngettext
from twilio.twiml.voice_response import Gather, VoiceResponse

from ..security import twilio_signed, webhook_form
from .line import (
    CHOICE_TRIES,
    N_,
    UI_LANGUAGES,
    _int,
    _pack,
    _say,
    _secret,
    _staffer,
    _t,
    _token,
    _twiml,
    _ui,
    bp,
    log,
)
from .takes import _next

PIN_TRIES = 3


# -- the PIN ---------------------------------------------------------------------------------


def _caller_key(caller: str) -> str:
    """Wrong PINs are counted per caller under this keyed hash, never the number itself."""
    return hmac.new(_secret().encode(), caller.encode(), hashlib.sha256).hexdigest()[:32]


def _minutes(ui: str, minutes: int) -> str:
    with force_locale(ui):
        return ngettext(
            "Too many wrong PINs. Try again in %(num)d minute.",
            "Too many wrong PINs. Try again in %(num)d minutes.",
            minutes,
        )


def _ask_pin(response: VoiceResponse, tries: int, wrong: bool = False) -> None:
    gather = Gather(
        input="dtmf",
        action=url_for("staffline.pin", tries=tries or None),
        method="POST",
        finish_on_key="#",
        timeout=10,
        action_on_empty_result=True,
    )
    for ui in UI_LANGUAGES:
        if wrong:
            _say(gather, _t(ui, N_("That PIN is not right.")), ui)
        _say(
            gather, _t(ui, N_("Staff recording line. Key your phone PIN, then the pound key.")), ui
        )
    response.append(gather)


@bp.post("")
@twilio_signed
def incoming() -> Response:
    response = VoiceResponse()
    _ask_pin(response, 0)
    return _twiml(response)


@bp.post("/pin")
@twilio_signed
def pin() -> Response:
    form = webhook_form()
    tries = _int(request.args.get("tries"))
    digits = form.get("Digits", "")[:32]
    response = VoiceResponse()
    accounts = current_app.extensions["staff"]
    caller = _caller_key(form.get("From", "") or "unknown")
    wait = accounts.pin_wait(caller)
    if wait:  # refused without checking the PIN
        minutes = max(1, round(wait / 60))
        for ui in UI_LANGUAGES:
            _say(
                response,
                _minutes(ui, minutes),
                ui,
            )
        response.hangup()
        return _twiml(response)
    name = accounts.check_pin(digits, caller)
    if name is None:
        log.info("staff line: wrong PIN")
        if tries + 1 >= PIN_TRIES:
            for ui in UI_LANGUAGES:
                _say(response, _t(ui, N_("That PIN is not right. Goodbye.")), ui)
            response.hangup()
        else:
            _ask_pin(response, tries + 1, wrong=bool(digits))
        return _twiml(response)
    log.info("staff line: %s called", name)
    return _language_menu(name, _token(name))


# -- the language ----------------------------------------------------------------------------


def _language_menu(name: str, token: str, tries: int = 0) -> Response:
    ui = _ui(name)
    response = VoiceResponse()
    if tries >= CHOICE_TRIES:
        _say(response, _t(ui, N_("Goodbye.")), ui)
        response.hangup()
        return _twiml(response)
    gather = Gather(
        input="dtmf",
        num_digits=1,
        action=url_for("staffline.language", t=token, tries=tries or None),
        method="POST",
        timeout=8,
        action_on_empty_result=True,
    )
    _say(gather, _t(ui, N_("Hello, %(name)s."), name=name), ui)
    for language in _pack().languages:
        _say(
            gather,
            _t(
                ui,
                N_("To record in %(language)s, press %(key)s."),
                language=language.name,
                key=language.key,
            ),
            ui,
        )
    response.append(gather)
    return _twiml(response)


@bp.post("/language")
@twilio_signed
def language() -> Response:
    name = _staffer()
    key = webhook_form().get("Digits", "")
    chosen = next((lang for lang in _pack().languages if lang.key == key), None)
    if chosen is None:
        return _language_menu(name, request.args["t"], _int(request.args.get("tries")) + 1)
    return _next(name, chosen.code)
