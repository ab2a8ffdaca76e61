"""The emulator sees the same call over real HTTP as through Flask's test client."""

from __future__ import annotations

from ivr.sim import Call, FlaskTransport, HttpTransport, ScriptedCaller
from ivr.sim import events as ev
from ivr.sim.fake import scripted_app
from ivr.sim.serve import serving

TWIML = {
    "/voice": '<Response><Gather numDigits="1" action="/menu"><Say>Pick</Say></Gather></Response>',
    "/menu": '<Response><Say>Picked</Say><Dial action="/done">+15551230001</Dial></Response>',
    "/done": "<Response><Hangup/></Response>",
}


def shape(transcript: ev.Transcript) -> list[tuple]:
    """The events without timing that depends on the transport."""
    rows = []
    for event in transcript.events:
        if isinstance(event, ev.Request):
            rows.append(("request", event.method, event.url.split("/", 3)[-1], event.status))
        else:
            rows.append((type(event).__name__, getattr(event, "caption", ""), event.at))
    return rows


def test_http_and_in_process_transports_give_the_same_transcript():
    app, seen = scripted_app(TWIML, auth_token="tok")
    in_process = Call(FlaskTransport(app), "http://127.0.0.1/voice", auth_token="tok")
    expected = in_process.run(ScriptedCaller(["1"], ["busy"]))
    with serving(app) as base:
        over_http = Call(HttpTransport(), base + "/voice", auth_token="tok")
        got = over_http.run(ScriptedCaller(["1"], ["busy"]))
    assert shape(got) == shape(expected)
    assert all(s.signature_valid for s in seen)
    assert got.errors == []


def test_an_unreachable_server_is_an_error_not_a_crash():
    transcript = Call(HttpTransport(), "http://127.0.0.1:9/voice").run(ScriptedCaller([]))
    assert "no answer" in transcript.errors[0].message


def test_without_keep_alive_every_request_asks_for_its_own_connection():
    app, seen = scripted_app(TWIML)
    with serving(app) as base:
        Call(HttpTransport(keep_alive=False), base + "/voice").run(ScriptedCaller(["1"], ["busy"]))
    assert [s.headers.get("Connection") for s in seen] == ["close"] * 3
