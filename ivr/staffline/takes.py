"""The staff line's recording steps: read the next clip of the staffer's session, record
it with ``<Record>``, fetch the take from Twilio (and delete it there), check it, play it back
(at ``/staff-audio/<signed>.wav``), then 1 keep, 2 again, 3 skip, 9 a prompt by its code.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from twilio.twiml.voice_response import Gather, VoiceResponse

from ..audio.splice import has_number
from ..audio.takes import TakeRefused, record_limit
from ..publish.recording_session import Item
from ..security import twilio_signed, webhook_form
from .line import (
    CHOICE_TRIES,
    N_,
    _int,
    _pack,
    _say,
    _secret,
    _staffer,
    _studio,
    _t,
    _token,
    _twiml,
    _ui,
    bp,
    log,
)
from .recordings import RecordingUnavailable

# Takes played back to the staffer: Twilio fetches <Play> URLs with a plain GET, which the
# /voice gate refuses, so they are served here, each by a short-lived signed name.
audio_bp = Blueprint("staffline_audio", __name__, url_prefix="/staff-audio")

AUDIO_SALT = "ivr.staffline.take"
AUDIO_SECONDS = 3600
QUIET_TRIES = 3  # nothing recorded this many times in a row: the line hangs up
MAX_CODE_DIGITS = 4


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
