"""The staff recording line: ``POST /voice/staff``, set on a second Twilio number.

A staffer with only a phone records a language's session (ivr/publish/studio.py) here: they
key their account's phone PIN (``StaffAccounts.check_pin``, ivr/console/phone_pins.py) and a
language; the line reads the next clip of
their session, beeps and records it with ``<Record>`` (length limited from its words, ``#``
ends it), fetches the take from Twilio and deletes it there (ivr/staffline/recordings.py),
checks it like a browser take, and plays it back: 1 keep, 2 again, 3 skip, 9 choose a prompt
by its code (shown on the console and by ``flask --app ivr content codes``; 0 for the number
clips). This is the only place the line uses ``<Record>``: the public line never records.

Signed like every webhook (ivr/security.py checks every request under /voice). After the
PIN, every action URL carries a token signed with SECRET_KEY naming the staffer, valid for a
few hours, so any worker on any machine answers any step and no URL can be made up to record
as someone else. The staffer hears the line in their console language (Spanish or English);
the words to record in the session's language: Twilio's voice for it, or the offline
computer voice where Twilio has none (Kreyòl).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

from flask import Blueprint, Response, abort, current_app, request, url_for
from flask_babel import force_locale, gettext, ngettext
from itsdangerous import BadSignature, URLSafeTimedSerializer
from twilio.twiml.voice_response import Gather, VoiceResponse

from ..audio.splice import has_number
from ..audio.takes import TakeRefused, record_limit
from ..publish.studio import Item
from ..security import twilio_signed, webhook_form
from .recordings import RecordingUnavailable

log = logging.getLogger(__name__)

bp = Blueprint("staffline", __name__, url_prefix="/voice/staff")
# Takes played back to the staffer: Twilio fetches <Play> URLs with a plain GET, which the
# /voice gate refuses, so they are served here, each by a short-lived signed name.
audio_bp = Blueprint("staffline_audio", __name__, url_prefix="/staff-audio")

SALT = "ivr.staffline"
AUDIO_SALT = "ivr.staffline.take"
TOKEN_SECONDS = 4 * 3600  # a recording session by phone, with room to spare
AUDIO_SECONDS = 3600
PIN_TRIES = 3
QUIET_TRIES = 3  # nothing recorded this many times in a row: the line hangs up
CHOICE_TRIES = 3
MAX_CODE_DIGITS = 4
UI_LANGUAGES = ("es", "en")
# The voices the instructions are read in, when the pack has no <Say> voice for them.
UI_VOICES = {"es": ("Polly.Mia", "es-MX"), "en": ("Polly.Joanna", "en-US")}


def _secret() -> str:
    settings = current_app.config["SETTINGS"]
    key = current_app.secret_key or settings.twilio_auth_token.reveal()
    if not key:  # development without either: a fixed key per checkout (simulator's rule)
        key = hashlib.sha256(str(settings.content_dir).encode()).hexdigest()
    return str(key)


def _caller_key(caller: str) -> str:
    """Wrong PINs are counted per caller under this keyed hash, never the number itself."""
    return hmac.new(_secret().encode(), caller.encode(), hashlib.sha256).hexdigest()[:32]


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


def _minutes(ui: str, minutes: int) -> str:
    with force_locale(ui):
        return ngettext(
            "Too many wrong PINs. Try again in %(num)d minute.",
            "Too many wrong PINs. Try again in %(num)d minutes.",
            minutes,
        )


def _int(value: str | None, default: int = 0) -> int:
    try:
        return max(0, min(int(value or default), 99))
    except ValueError:
        return default


# -- the PIN ---------------------------------------------------------------------------------


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


# -- reading a clip and recording it ---------------------------------------------------------


def _lang() -> str:
    lang = request.args.get("lang", "")
    if _pack().language(lang) is None:
        abort(403)
    return lang


def _words(verb: Any, lang: str, words: str) -> None:
    """The words to record, in their own language's voice (never another language's)."""
    language = _pack().language(lang)
    if language.has_say_voice:
        verb.say(words, voice=language.say_voice, language=language.say_language)
        return
    offline = getattr(current_app.extensions.get("audio"), "offline", None)
    url = offline.url_for(language, "studio.cue", words) if offline is not None else None
    if url:
        verb.play(url)
    else:
        verb.pause(length=1)


def _next(
    name: str, lang: str, item_key: str | None = None, lead: str = "", quiet: int = 0
) -> Response:
    ui = _ui(name)
    studio = _studio()
    token = request.args.get("t") or _token(name)
    response = VoiceResponse()
    if lead:
        _say(response, lead, ui)
    item = studio.session(lang).item(item_key) if item_key else studio.next_item(lang, name)
    if item is None:
        drafts = len(studio.takes(lang, status="draft"))
        language = _pack().language(lang)
        _say(
            response,
            _t(
                ui,
                N_(
                    "Every prompt in %(language)s has a take. %(drafts)d takes are waiting to be "
                    "published: publish them on the staff console. Thank you! Goodbye."
                ),
                language=language.name,
                drafts=drafts,
            ),
            ui,
        )
        response.hangup()
        return _twiml(response)
    _announce(response, item, studio, ui, lang)
    expected = studio.expected_seconds(lang, item.clip.spoken)
    response.record(
        action=url_for("staffline.take", t=token, lang=lang, item=item.clip.key),
        method="POST",
        max_length=record_limit(expected),
        finish_on_key="#",
        timeout=4,
        play_beep=True,
        trim="trim-silence",
    )
    # Nothing was recorded (Twilio goes on past an empty <Record>).
    if quiet + 1 >= QUIET_TRIES:
        _say(response, _t(ui, N_("Nothing was recorded. Goodbye.")), ui)
        response.hangup()
    else:
        _say(response, _t(ui, N_("Nothing was recorded.")), ui)
        response.redirect(
            url_for("staffline.next_clip", t=token, lang=lang, item=item.clip.key, quiet=quiet + 1),
            method="POST",
        )
    return _twiml(response)


def _announce(response: VoiceResponse, item: Item, studio: Any, ui: str, lang: str) -> None:
    total = len(studio.session(lang).items)
    if item.numbers:
        _say(
            response,
            _t(
                ui,
                N_("Part %(n)d of %(total)d, for the phone numbers. Say only:"),
                n=item.position,
                total=total,
            ),
            ui,
        )
    else:
        _say(
            response,
            _t(
                ui,
                N_("Part %(n)d of %(total)d, prompt code %(code)d. Say:"),
                n=item.position,
                total=total,
                code=item.code,
            ),
            ui,
        )
    _words(response, lang, item.clip.spoken)
    if not item.numbers and has_number(item.parts):
        _say(response, _t(ui, N_("Leave the phone number out: it is added by itself.")), ui)
    _say(response, _t(ui, N_("After the beep, say it, then press the pound key.")), ui)


@bp.post("/next")
@twilio_signed
def next_clip() -> Response:
    name = _staffer()
    item = request.args.get("item") or None
    return _next(name, _lang(), item, quiet=_int(request.args.get("quiet")))


REFUSALS = {
    "silent": N_("Nothing but silence was recorded: check the phone's microphone."),
    "quiet": N_("The take is too quiet: hold the phone closer."),
    "clipping": N_("The take is distorted: hold the phone a little further away."),
    "too_short": N_("The take is too short for its words: say all of them."),
    "too_long": N_("The take is too long for its words: say only these words, then press pound."),
    "unreadable": N_("The take could not be read."),
}


@bp.post("/take")
@twilio_signed
def take() -> Response:
    """<Record>'s action: fetch the take, delete it from Twilio, check it, play it back."""
    name = _staffer()
    lang = _lang()
    form = webhook_form()
    item_key = request.args.get("item", "")[:16]
    sid = form.get("RecordingSid", "")
    recordings = current_app.extensions.get("twilio_recordings")
    data = None
    if recordings is not None:
        try:
            data = recordings.fetch(sid, form.get("RecordingUrl", ""))
        except RecordingUnavailable as exc:
            log.warning("staff take not fetched: %s", exc)
        finally:
            recordings.delete(sid)  # kept or not, nothing stays at Twilio
    if form.get("Digits") == "hangup":
        return _twiml(VoiceResponse())  # nobody is there to keep it
    ui = _ui(name)
    if data is None:
        return _next(name, lang, item_key, lead=_t(ui, N_("The take could not be fetched.")))
    studio = _studio()
    try:
        kept = studio.add_take(lang, item_key, data, author=name, via="phone")
    except KeyError:
        return _next(name, lang, lead=_t(ui, N_("That part changed meanwhile.")))
    except TakeRefused as refused:
        log.info("staff take refused: %s", refused.code)
        return _choices(
            name,
            lang,
            item_key,
            None,
            _t(ui, REFUSALS.get(refused.code, N_("The take could not be read."))),
        )
    return _choices(name, lang, item_key, kept.id)


def _choices(
    name: str, lang: str, item_key: str, take_id: str | None, lead: str = "", tries: int = 0
) -> Response:
    ui = _ui(name)
    token = request.args["t"]
    response = VoiceResponse()
    if tries >= CHOICE_TRIES:
        _say(response, _t(ui, N_("Goodbye.")), ui)
        response.hangup()
        return _twiml(response)
    gather = Gather(
        input="dtmf",
        num_digits=1,
        action=url_for(
            "staffline.choice",
            t=token,
            lang=lang,
            item=item_key,
            take=take_id,
            tries=tries or None,
        ),
        method="POST",
        timeout=8,
        action_on_empty_result=True,
    )
    if lead:
        _say(gather, lead, ui)
    if take_id is not None:
        if not tries:
            _say(gather, _t(ui, N_("Your take:")), ui)
            gather.play(url_for("staffline_audio.take_audio", name=_audio_name(take_id)))
        _say(gather, _t(ui, N_("To keep it, press 1.")), ui)
    _say(
        gather,
        _t(
            ui,
            N_(
                "To record it again, press 2. To skip it, press 3. To choose a prompt by its "
                "code, press 9."
            ),
        ),
        ui,
    )
    response.append(gather)
    return _twiml(response)


@bp.post("/choice")
@twilio_signed
def choice() -> Response:
    name = _staffer()
    lang = _lang()
    ui = _ui(name)
    studio = _studio()
    key = webhook_form().get("Digits", "")
    item_key = request.args.get("item", "")[:16]
    take_id = request.args.get("take") or None
    if key == "1" and take_id:
        try:
            studio.keep(take_id, author=name)
        except KeyError:
            return _next(
                name, lang, item_key, lead=_t(ui, N_("That take is gone. Record it again."))
            )
        return _next(name, lang, lead=_t(ui, N_("Kept.")))
    if key in ("2", "3", "9") and take_id:
        studio.drop(take_id, author=name)
    if key == "2":
        return _next(name, lang, item_key)
    if key == "3":
        studio.skip(lang, name, item_key)
        return _next(name, lang, lead=_t(ui, N_("Skipped.")))
    if key == "9":
        return _ask_code(name, lang)
    return _choices(name, lang, item_key, take_id, tries=_int(request.args.get("tries")) + 1)


def _ask_code(name: str, lang: str) -> Response:
    ui = _ui(name)
    response = VoiceResponse()
    gather = Gather(
        input="dtmf",
        action=url_for("staffline.code", t=request.args["t"], lang=lang),
        method="POST",
        finish_on_key="#",
        timeout=8,
        action_on_empty_result=True,
    )
    _say(
        gather,
        _t(ui, N_("Key the prompt's code, then the pound key. For the phone number parts, key 0.")),
        ui,
    )
    response.append(gather)
    return _twiml(response)


@bp.post("/code")
@twilio_signed
def code() -> Response:
    name = _staffer()
    lang = _lang()
    ui = _ui(name)
    digits = webhook_form().get("Digits", "")
    if not digits.isdigit() or len(digits) > MAX_CODE_DIGITS:
        return _next(name, lang, lead=_t(ui, N_("That is not a code.")))
    item = _studio().item_for_code(lang, int(digits))
    if item is None:
        return _next(name, lang, lead=_t(ui, N_("No prompt has the code %(code)s."), code=digits))
    return _next(name, lang, item.clip.key)


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


# -- playing a take back ---------------------------------------------------------------------


def _audio_name(take_id: str) -> str:
    return URLSafeTimedSerializer(_secret(), salt=AUDIO_SALT).dumps(take_id) + ".wav"


@audio_bp.get("/<name>")
def take_audio(name: str) -> Response:
    try:
        take_id = URLSafeTimedSerializer(_secret(), salt=AUDIO_SALT).loads(
            name.removesuffix(".wav"), max_age=AUDIO_SECONDS
        )
        data = _studio().take_audio(str(take_id))
    except (BadSignature, KeyError):
        abort(404)
    response = Response(data, mimetype="audio/wav")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
