"""A paused emulated call as a signed token, so the browser can carry it between requests.

Nothing about a browser call is kept on the server: any gunicorn worker can resume it from the
token. The signature stops a page from making the server execute TwiML the line never sent.
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

from . import events as ev
from .emulator import Call
from .media import MediaLibrary
from .signing import CallParty
from .transport import Transport
from .waits import DialWait, GatherWait, Position, RecordWait
from .webhooks import StatusCallback

SALT = "ivr.sim.continuation"


class BadToken(Exception):
    pass


def dump(secret: str, call: Call, wait: GatherWait | DialWait | RecordWait) -> str:
    party = call.party
    data = {
        "url": wait.position.url,
        "twiml": wait.position.twiml,
        "index": wait.position.index,
        "party": [party.caller, party.line, party.call_sid, party.account_sid, party.direction],
        "clock": call.transcript.clock,
        "requests": call.requests_made,
        "entry": call.url,
    }
    callback = call.status_callback
    if callback is not None and not call.status_sent:
        # A call the line placed: Twilio reports its end to the line's StatusCallback.
        data["status"] = [
            callback.url,
            callback.method,
            list(callback.events),
            dict(callback.extra),
        ]
    return URLSafeSerializer(secret, salt=SALT).dumps(data)


def load(
    secret: str, token: str, transport: Transport, *, auth_token: str, media: MediaLibrary
) -> tuple[Call, GatherWait | DialWait | RecordWait]:
    """The call and the wait the token describes; BadToken if it was not made here."""
    try:
        data = URLSafeSerializer(secret, salt=SALT).loads(token)
        caller, line, call_sid, account_sid, *direction = data["party"]
        position = Position(data["url"], data["twiml"], int(data["index"]))
        callback = None
        if data.get("status"):
            url, method, events, extra = data["status"]
            callback = StatusCallback(str(url), str(method), tuple(events), dict(extra))
        call = Call(
            transport,
            data["entry"],
            auth_token=auth_token,
            party=CallParty(caller, line, call_sid, account_sid, *direction),
            media=media,
            transcript=ev.Transcript(clock=float(data["clock"])),
            requests_made=int(data["requests"]),
            status_callback=callback,
        )
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise BadToken(str(exc)) from exc
    wait = call.wait_at(position)
    if not isinstance(wait, GatherWait | DialWait | RecordWait):
        raise BadToken("the token does not point at a <Gather>, <Dial> or <Record>")
    return call, wait
