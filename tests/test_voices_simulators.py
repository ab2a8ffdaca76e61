"""The terminal and browser phones play a staff call: a sound file (or the microphone) for
each <Record>, through the development app's in-process fake of Twilio's Recordings API."""

from __future__ import annotations

import base64
import io

import pytest
from voices_support import speak

from ivr import create_app
from ivr.sim import phone
from ivr.sim.connect import Line
from ivr.sim.transport import FlaskTransport


@pytest.fixture
def app(tmp_path):
    app = create_app({"ENV": {"HOTLINE_ENV": "development", "DATA_DIR": str(tmp_path / "d")}})
    app.extensions["staff"].add("ana", "correct horse battery")
    app.extensions["staff"].set_language("ana", "en")
    with app.app_context():
        app.pin = app.extensions["staff"].set_pin("ana")
    return app


def test_the_terminal_phone_records_a_sound_file(app, tmp_path, monkeypatch):
    take = tmp_path / "take.wav"
    take.write_bytes(speak("Español: oprima 1."))
    line = Line(FlaskTransport(app), "http://localhost/voice", "", None, None)
    monkeypatch.setattr(phone, "connect", lambda url, token: line)
    typed = f"{app.pin}#\n1\n{take}\n1\nq\n"
    out = io.StringIO()
    assert phone.main(["--staff", "--mute"], stdin=io.StringIO(typed), stdout=out) == 0
    output = out.getvalue()
    assert "Calling http://localhost/voice/staff" in output
    assert "RECORDING (at most" in output and "(recorded 1." in output
    assert "Kept." in output
    with app.app_context():
        takes = app.extensions["studio"].takes("es")
    assert [(t.status, t.via, t.words) for t in takes] == [("draft", "phone", "Español: oprima 1.")]
    assert app.extensions["recordings_fake"].kept() == []  # deleted from the fake Twilio


def test_the_terminal_phone_refuses_a_staff_call_to_a_remote_server(monkeypatch):
    line = Line(object(), "http://127.0.0.1:1/voice", "", None, None)
    monkeypatch.setattr(phone, "connect", lambda url, token: line)
    out = io.StringIO()
    assert phone.main(["--staff", "--url", "http://127.0.0.1:1"], stdout=out) == 2
    assert "leave out --url" in out.getvalue()


def test_the_browser_phone_plays_a_staff_call(app):
    client = app.test_client()
    call = client.post("/simulator/api/call", json={"line": "staff"}).json
    assert call["wait"]["type"] == "gather"
    reply = client.post(
        "/simulator/api/answer", json={"token": call["token"], "keys": app.pin + "#"}
    )
    reply = client.post("/simulator/api/answer", json={"token": reply.json["token"], "keys": "3"})
    wait = reply.json["wait"]
    assert wait["type"] == "record" and wait["finishOnKey"] == "#" and wait["maxLength"] >= 5
    words = [e["text"] for e in reply.json["events"] if e["type"] == "say"]
    english = next(w for w in words if w.startswith("English"))
    audio = base64.b64encode(speak(english, "en")).decode()
    reply = client.post(
        "/simulator/api/answer",
        json={"token": reply.json["token"], "audio": audio, "ended_by": "#"},
    ).json
    assert reply["events"][0]["type"] == "record" and reply["events"][0]["seconds"] > 0.5
    plays = [p for p in reply["wait"]["prompts"] if p["type"] == "play"]
    assert plays and "/staff-audio/" in plays[0]["url"]
    reply = client.post("/simulator/api/answer", json={"token": reply["token"], "keys": "1"}).json
    assert any(e.get("text") == "Kept." for e in reply["events"])
    # Saying nothing: no request, the line says so and asks again.
    reply = client.post(
        "/simulator/api/answer",
        json={"token": reply["token"], "audio": None, "ended_by": "timeout"},
    ).json
    assert any(e.get("text") == "Nothing was recorded." for e in reply["events"])
    bad = client.post(
        "/simulator/api/answer", json={"token": reply["token"], "audio": "%%%", "ended_by": "#"}
    )
    assert bad.status_code == 400
    junk = base64.b64encode(b"not audio").decode()
    bad = client.post(
        "/simulator/api/answer", json={"token": reply["token"], "audio": junk, "ended_by": "#"}
    )
    assert bad.status_code == 400


def test_the_browser_phone_page_offers_both_lines(app):
    page = app.test_client().get("/simulator").get_data(as_text=True)
    assert '<option value="staff">La línea de grabación del personal</option>' in page
    assert 'id="record-mic"' in page
    assert app.test_client().post("/simulator/api/call", json={"line": "other"}).status_code == 400
