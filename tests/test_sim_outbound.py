"""The emulator's side of issue 18: <Reject>, the fake Calls API, and calls the line places
answered as a test chooses, with AnsweredBy and status callbacks the way Twilio sends them
(shared/twiml/rest-calls.json)."""

from __future__ import annotations

import pytest
from flask import Flask, request
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from ivr.sim import events as ev
from ivr.sim import outbound
from ivr.sim.emulator import Call
from ivr.sim.messages import FakeMessagesApi, InProcessHttpClient
from ivr.sim.transport import FlaskTransport

ACCOUNT = "AC" + "4" * 32
TOKEN = "sim-outbound-token"


def far_end(answer: str = "<Response><Say>Hello</Say><Hangup/></Response>") -> Flask:
    """A stand-in for the line: answers every webhook with ``answer``, keeps every form."""
    app = Flask(__name__)
    app.seen = []  # type: ignore[attr-defined]

    @app.post("/<path:path>")
    def hook(path: str):
        app.seen.append((request.path, request.args.to_dict(), request.form.to_dict()))  # type: ignore[attr-defined]
        return answer, 200, {"Content-Type": "text/xml"}

    return app


@pytest.fixture
def api():
    return FakeMessagesApi(ACCOUNT, TOKEN)  # in-process: the same logic as on 127.0.0.1


def client(api) -> Client:
    return Client(ACCOUNT, TOKEN, http_client=InProcessHttpClient(api))


def place(api, **extra):
    values = dict(
        to="+526641234567",
        from_="+15558675310",
        url="http://line/voice",
        status_callback="http://line/status?id=1",
    )
    return client(api).calls.create(**(values | extra))


def test_the_fake_calls_api_answers_like_twilio(api):
    call = place(api, machine_detection="Enable", timeout=25)
    assert call.status == "queued" and call.direction == "outbound-api"
    [kept] = api.calls.book.ringing("+526641234567")
    assert kept.sid == call.sid and kept.form["MachineDetection"] == "Enable"
    with pytest.raises(TwilioRestException) as refused:
        place(api, to="+1555")
    assert refused.value.code == 21211 and refused.value.status == 400
    with pytest.raises(TwilioRestException) as refused:
        Client(ACCOUNT, "wrong", http_client=InProcessHttpClient(api)).calls.create(
            to="+15017122661", from_="+15558675310", url="http://line/voice"
        )
    assert refused.value.status == 401
    ended = client(api).calls(call.sid).update(status="completed")
    assert ended.status == "completed" and api.calls.book.ringing() == []


def test_a_person_answers_with_answered_by_then_the_status_callback_says_completed(api):
    line = far_end()
    call = place(api, machine_detection="Enable")
    kept = api.calls.book.get(call.sid)
    transcript = outbound.run(
        kept, "human", FlaskTransport(line), caller=None, auth_token=TOKEN, book=api.calls.book
    )
    (path, _, first), (status_path, args, status) = line.seen
    assert path == "/voice" and first["AnsweredBy"] == "human"
    assert first["CallStatus"] == "in-progress" and first["Direction"] == "outbound-api"
    assert (first["From"], first["To"]) == ("+15558675310", "+526641234567")
    assert "MachineDetectionDuration" in first
    assert status_path == "/status" and args == {"id": "1"}
    assert status["CallStatus"] == "completed" and status["AnsweredBy"] == "human"
    assert status["CallbackSource"] == "call-progress-events" and status["SipResponseCode"] == "200"
    assert int(status["Duration"]) >= 1  # billed minutes, rounded up
    assert transcript.captions() == ["Hello"]
    assert api.calls.book.get(call.sid).status == "completed"


@pytest.mark.parametrize("how,sip", [("busy", "486"), ("no-answer", "487"), ("failed", "404")])
def test_nobody_answers_no_webhook_only_the_status_callback(api, how, sip):
    line = far_end()
    call = api.calls.book.get(place(api).sid)
    emulated, wait = outbound.answer(call, how, FlaskTransport(line), auth_token=TOKEN)
    assert emulated is None and wait.reason == how
    [(path, _, status)] = line.seen
    assert path == "/status"
    assert (status["CallStatus"], status["CallDuration"], status["SipResponseCode"]) == (
        how,
        "0",
        sip,
    )
    assert "AnsweredBy" not in status


def test_machine_detection_modes_name_the_machine_as_twilio_does(api):
    for mode, expected in (("Enable", "machine_start"), ("DetectMessageEnd", "machine_end_beep")):
        call = api.calls.book.get(place(api, machine_detection=mode).sid)
        assert outbound.answered_by(call, "machine") == expected
    plain = api.calls.book.get(place(api).sid)
    assert outbound.answered_by(plain, "machine") is None  # no detection asked: no AnsweredBy


def test_progress_events_come_in_order_when_asked_for(api):
    line = far_end()
    events = ["initiated", "ringing", "answered", "completed"]
    call = api.calls.book.get(place(api, status_callback_event=events).sid)
    outbound.run(call, "human", FlaskTransport(line), caller=None, auth_token=TOKEN)
    statuses = [form["CallStatus"] for path, _, form in line.seen if path == "/status"]
    assert statuses == ["initiated", "ringing", "in-progress", "completed"]


def test_async_detection_requests_the_url_at_once_and_reports_the_verdict_apart(api):
    line = far_end()
    call = place(
        api,
        machine_detection="Enable",
        async_amd="true",
        async_amd_status_callback="http://line/amd",
    )
    outbound.answer(api.calls.book.get(call.sid), "machine", FlaskTransport(line), auth_token=TOKEN)
    (first_path, _, first), (amd_path, _, verdict) = line.seen[:2]
    assert first_path == "/voice" and "AnsweredBy" not in first
    assert amd_path == "/amd" and verdict["AnsweredBy"] == "machine_start"
    assert set(verdict) == {"AccountSid", "CallSid", "AnsweredBy", "MachineDetectionDuration"}


def test_reject_first_turns_a_call_away_unanswered(api):
    line = far_end('<Response><Reject reason="busy"/><Say>never said</Say></Response>')
    call = Call(FlaskTransport(line), "http://line/voice", auth_token=TOKEN)
    call.start()
    assert call.answered is False and call.rejected == "busy"
    assert call.transcript.prompts == [] and not call.transcript.errors


def test_reject_after_the_call_was_answered_is_an_error(api):
    line = far_end("<Response><Say>Hi</Say><Reject/></Response>")
    call = Call(FlaskTransport(line), "http://line/voice", auth_token=TOKEN)
    call.start()
    assert call.answered is True
    assert any("<Reject> after the call was answered" in e.message for e in call.transcript.errors)


def test_an_unknown_reject_reason_is_reported(api):
    line = far_end('<Response><Reject reason="go-away"/></Response>')
    call = Call(FlaskTransport(line), "http://line/voice", auth_token=TOKEN)
    call.start()
    assert call.rejected == "rejected" and call.transcript.errors
    assert isinstance(call.transcript.events[-1], ev.Hangup)
