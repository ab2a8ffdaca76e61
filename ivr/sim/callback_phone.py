"""The browser phone's missed call and callback (issue 18), development only.

    POST /simulator/api/missed   ring the missed-call number (/voice/missed): the line answers
                                 <Reject reason="busy"/>, so the call is never answered
    POST /simulator/api/ringing  is the line calling this phone back? (the worker placed the
                                 callback through the development fake of the Calls API,
                                 whose calls are files under DATA_DIR/sim-calls)
    POST /simulator/api/pickup   answer it as a person, let voicemail answer, be busy, or not
                                 answer: played as Twilio plays it (ivr/sim/outbound.py), with
                                 the status callback that ends the line's queue row
    POST /simulator/api/hangup   the caller hangs up a paused call: the line hears of it (a
                                 call the line placed reports its end to the status callback)

Only where the callbacks go to the development fake (HOTLINE_ENV=development without a Twilio
account): elsewhere a staff test would ring a real phone, so these answer 404.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, jsonify, request

from .. import outbound as line_outbound
from . import continuation
from . import outbound as far_end
from .emulator import Call
from .signing import CallParty, new_sid
from .waits import HANG_UP, Ended, GatherWait
from .web import (
    _auth_token,
    _media,
    _reply,
    _secret,
    _transport,
    _voice_url,
    bp,
)

PHONE = CallParty().caller  # the browser phone's own (simulated) number
ANSWERS = ("human", "machine", "busy", "no-answer")


def _book() -> Any:
    settings = current_app.config["SETTINGS"]
    if not settings.development or settings.twilio_account_sid:
        abort(404)  # real Twilio: a test must never ring a real phone from here
    return line_outbound.development_api(settings.data_dir).calls.book


@bp.post("/api/missed")
def missed_call() -> Any:
    _book()
    call = Call(
        _transport(),
        _voice_url() + "/missed",
        auth_token=_auth_token(),
        party=CallParty(call_sid=new_sid("CA")),
        media=_media(),
    )
    wait = call.start()
    payload = _reply(call, wait, call.transcript.events).get_json()
    payload["rejected"] = call.rejected
    payload["answered"] = call.answered
    return jsonify(payload)


@bp.post("/api/ringing")
def ringing() -> Any:
    calls = _book().ringing(PHONE)
    if not calls:
        return jsonify({"ringing": None})
    call = calls[-1]
    return jsonify({"ringing": {"sid": call.sid, "from": call.from_}})


@bp.post("/api/pickup")
def pickup() -> Any:
    body = request.get_json(silent=True) or {}
    book = _book()
    how = str(body.get("how", ""))
    call = book.get(str(body.get("sid", "")))
    if call is None or how not in ANSWERS or call.to != PHONE:
        abort(400)
    emulated, wait = far_end.answer(
        call, how, _transport(), auth_token=_auth_token(), book=book, media=_media()
    )
    if emulated is None:
        assert isinstance(wait, Ended)
        return jsonify({"events": [], "clock": 0, "wait": {"type": "ended", "reason": how}})
    return _reply(emulated, wait, emulated.transcript.events)


@bp.post("/api/hangup")
def hang_up() -> Any:
    """The caller put the phone down at a <Gather>: on a call the line placed, Twilio then
    reports the end to the line (the callback is answered and its number deleted)."""
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
    if isinstance(wait, GatherWait):
        call.answer_gather(wait, HANG_UP)
    else:
        call.answer_dial(wait, HANG_UP)
    return jsonify({"ended": True})
