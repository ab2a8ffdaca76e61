"""The browser phone at /simulator: a keypad in the page, the real webhooks behind it.

The page never runs call logic. It asks this blueprint to start a call or to answer the
current <Gather>/<Dial>; the server runs the Python emulator against the app's own /voice
webhooks (in-process, signed like Twilio) and returns what the caller hears next plus a
signed continuation token. The page plays the prompts, handles barge-in and timeouts, and
sends the keys back with the token.

Open to everyone in development mode; otherwise only to a logged-in staff user, which the
staff console marks by setting `g.staff_user` in a `before_request` hook.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from typing import Any

import phonenumbers
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    session,
)

from . import continuation
from . import events as ev
from .captions import pack_captions
from .emulator import Call
from .media import MediaLibrary
from .signing import CallParty, new_sid
from .transport import FlaskTransport
from .waits import DialWait, Ended, GatherWait, Press, RecordResult, RecordWait, Wait

bp = Blueprint(
    "simulator",
    __name__,
    url_prefix="/simulator",
    template_folder="templates",
    static_folder="static",
)


def init_app(app: Flask) -> None:
    """Register the browser phone on `app` (once)."""
    if bp.name not in app.blueprints:
        app.register_blueprint(bp)


#: A take sent from the page (a staff call's <Record>): minutes of compressed audio, base64.
MAX_ANSWER_BYTES = 8 * 1024 * 1024
LINES = {"": "/voice", "staff": "/voice/staff"}  # the hotline, or the staff recording line


@bp.before_request
def only_for_development_or_staff() -> None:
    settings = current_app.config["SETTINGS"]
    if not (settings.development or g.get("staff_user")):
        abort(404)  # do not even tell the public the simulator exists
    if request.endpoint == "simulator.answer":
        request.max_content_length = MAX_ANSWER_BYTES


# U.S. numbers 555-0100 to 555-0199 are set aside for fiction: they reach no one, so a text
# the line sends to a test caller can never reach a real person, even with a Twilio account.
FICTION_AREA_CODES = (
    "213", "310", "323", "415", "505", "512", "520", "602", "619", "626",
    "702", "714", "760", "805", "818", "858", "909", "915", "949", "956",
)  # fmt: skip
CALLER_KEY = "simulator_caller"


def caller_number() -> str:
    """This browser's own fake number, kept in its session: a staffer's test calls share
    one caller's daily texts and inbox, as a real caller's do, and never anyone else's."""
    number = session.get(CALLER_KEY)
    if not (isinstance(number, str) and re.fullmatch(r"\+1\d{3}55501\d{2}", number)):
        area = secrets.choice(FICTION_AREA_CODES)
        number = f"+1{area}55501{secrets.randbelow(100):02d}"
        session[CALLER_KEY] = number
    return number


@bp.get("")
def phone() -> str:
    return render_template("simulator/phone.html", caller=pretty_number(caller_number()))


@bp.get("/api/caption")
def caption() -> Any:
    """The written words of one of the line's audio files, as the server plays them now
    (the terminal phone's captions when it calls a running server)."""
    url = str(request.args.get("url", ""))[:300]
    words = pack_captions(current_app.extensions["content"].current(), _catalogue())(url)
    if not words:
        abort(404)
    return jsonify(text=words)


@bp.post("/api/call")
def start_call() -> Any:
    body = request.get_json(silent=True) or {}
    line = str(body.get("line") or "")
    if line not in LINES:
        abort(400)
    call = _new_call(LINES[line])
    wait = call.start()
    return _reply(call, wait, call.transcript.events)


@bp.post("/api/answer")
def answer() -> Any:
    body = request.get_json(silent=True) or {}
    try:
        call, wait = continuation.load(
            _secret(),
            str(body.get("token", "")),
            _transport(),
            auth_token=_auth_token(),
            media=_media(),
        )
    except continuation.BadToken:
        abort(400)
    try:
        if isinstance(wait, GatherWait):
            keys = str(body.get("keys") or "")
            barge_in_at = body.get("barge_in_at")
            press = Press(keys, float(barge_in_at) if barge_in_at is not None else None)
            after = call.answer_gather(wait, press if keys else None)
        elif isinstance(wait, RecordWait):
            if call.recordings is None:
                abort(409)  # no fake Twilio to keep the recording (a real account is set)
            after = call.answer_record(wait, _said(body))
        else:
            after = call.answer_dial(wait, str(body.get("outcome", "")))
    except (TypeError, ValueError):
        abort(400)
    events = call.transcript.events
    # The page has already played this wait's prompts; what is new starts at the Gather/Dial.
    first = next(
        (
            i
            for i, e in enumerate(events)
            if isinstance(e, ev.Gather | ev.Dial | ev.Record | ev.Hangup)
        ),
        0,
    )
    return _reply(call, after, events[first:])


def _said(body: dict) -> RecordResult:
    """What the page sent at a <Record>: base64 audio (the microphone or a file) and how it
    ended ("#" pressed, "timeout" for silence, "hangup")."""
    ended_by = str(body.get("ended_by") or "#")
    if ended_by not in ("#", "timeout", "hangup"):
        raise ValueError("a recording ends by #, silence or hanging up")
    audio = body.get("audio")
    if not audio:
        return RecordResult(None, ended_by)
    try:
        data = base64.b64decode(str(audio), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("the audio is not base64") from exc
    return RecordResult(data, ended_by)


# -- the JSON the page reads ----------------------------------------------------------------------


def _reply(call: Call, wait: Wait, events: list[ev.Event]) -> Any:
    caption = pack_captions(current_app.extensions["content"].current(), _catalogue())
    payload: dict[str, Any] = {
        "events": [e for e in (_event(event, caption) for event in events) if e],
        "clock": call.transcript.clock,
    }
    if isinstance(wait, GatherWait):
        payload["wait"] = {
            "type": "gather",
            "prompts": [_event(p, caption) for p in wait.prompts],
            "timeout": wait.timeout,
            "numDigits": wait.num_digits,
            "finishOnKey": wait.finish_on_key,
        }
    elif isinstance(wait, RecordWait):
        payload["wait"] = {
            "type": "record",
            "maxLength": wait.max_length,
            "finishOnKey": wait.finish_on_key,
            "timeout": wait.timeout,
        }
    elif isinstance(wait, DialWait):
        payload["wait"] = {
            "type": "dial",
            "numbers": [{"e164": n, "name": _directory_name(n)} for n in wait.numbers],
            "timeout": wait.timeout,
        }
    else:
        assert isinstance(wait, Ended)
        payload["wait"] = {"type": "ended", "reason": wait.reason}
    if isinstance(wait, GatherWait | DialWait | RecordWait):
        payload["token"] = continuation.dump(_secret(), call, wait)
    return jsonify(payload)


def _event(event: ev.Event, caption) -> dict[str, Any] | None:
    if isinstance(event, ev.Say):
        return {
            "type": "say",
            "text": event.text,
            "language": event.language,
            "voice": event.voice,
            "seconds": event.seconds,
        }
    if isinstance(event, ev.Play):
        return {
            "type": "play",
            "url": event.url,
            "seconds": event.seconds,
            "text": (caption(event.url) if event.url else None) or event.url,
        }
    if isinstance(event, ev.Pause):
        return {"type": "pause", "seconds": event.seconds}
    if isinstance(event, ev.Gather):
        return {"type": "gather", "keys": event.keys, "outcome": event.outcome}
    if isinstance(event, ev.Dial):
        return {"type": "dial", "numbers": list(event.numbers), "outcome": event.outcome}
    if isinstance(event, ev.Record):
        return {"type": "record", "seconds": event.seconds, "digits": event.digits}
    if isinstance(event, ev.Hangup):
        return {"type": "hangup", "reason": event.reason}
    if isinstance(event, ev.Error):
        return {"type": "error", "message": event.message}
    if isinstance(event, ev.Text):
        return {"type": "text", "body": event.body}
    return None


def _directory_name(e164: str) -> str:
    pack = current_app.extensions["content"].current()
    for number in pack.numbers.values():
        if number.e164 == e164:
            return f"{pack.organizations[number.org].name} ({number.label})"
    return "not in the directory"


# -- running the emulator against this very app ---------------------------------------------------


def _new_call(path: str = "/voice") -> Call:
    party = CallParty(caller=caller_number(), call_sid=new_sid("CA"))
    return Call(
        _transport(), _voice_url(path), auth_token=_auth_token(), party=party, media=_media()
    )


def _voice_url(path: str = "/voice") -> str:
    # Sign the URL the webhook will check: the public base URL when one is configured.
    settings = current_app.config["SETTINGS"]
    base = settings.public_base_url or request.host_url.rstrip("/")
    return base + path


def _transport() -> FlaskTransport:
    # A staff test call: its texts stay in the console's outbox, it is never counted.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return FlaskTransport(app, test_call=True)


def _media() -> MediaLibrary:
    # One media cache per app: audio URLs are content-hashed, so entries never go stale.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return app.extensions.setdefault("simulator.media", MediaLibrary(FlaskTransport(app)))


def _catalogue() -> Any:
    return current_app.extensions.get("audio")


def _auth_token() -> str:
    return current_app.config["SETTINGS"].twilio_auth_token.reveal()


def _secret() -> str:
    """The key continuation tokens are signed with, the same in every worker of a deployment."""
    key = current_app.secret_key or _auth_token()
    if not key:
        # Development without SECRET_KEY: a fixed key per checkout. Tokens only protect the
        # integrity of a simulated call, which anyone may drive in development anyway.
        key = hashlib.sha256(str(current_app.config["SETTINGS"].content_dir).encode()).hexdigest()
    return str(key)


def pretty_number(e164: str) -> str:
    parsed = phonenumbers.parse(e164)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
