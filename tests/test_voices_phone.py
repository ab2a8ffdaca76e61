"""Recording by phone: the staff line at POST /voice/staff, through the emulator, with takes
fetched from (and deleted at) a fake of Twilio's Recordings API on 127.0.0.1."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import sign
from voices_support import silence, speak

from ivr import create_app
from ivr.sim import events as ev
from ivr.sim.emulator import Call
from ivr.sim.media import MediaLibrary
from ivr.sim.transport import FlaskTransport
from ivr.sim.waits import HANG_UP, GatherWait, RecordResult, RecordWait
from tests.fake_twilio_api import FakeTwilioApi

ACCOUNT = "AC" + "5" * 32
TOKEN = "staff-line-token"
LINE = "http://localhost/voice/staff"
WRONG = "11111111"


@pytest.fixture
def api():
    fake = FakeTwilioApi(ACCOUNT, TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def app(api, tmp_path):
    env = {
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_API_BASE": api.base_url,
        "SECRET_KEY": "staff-line-secret",
        "DATA_DIR": str(tmp_path / "data"),
    }
    app = create_app({"ENV": env, "TESTING": True})
    app.extensions["staff"].add("ana", "correct horse battery")
    app.extensions["staff"].set_language("ana", "en")
    with app.app_context():
        app.pin = app.extensions["staff"].set_pin("ana")
    return app


class Script:
    """A staffer following a script: each answer in turn, checked against what the line
    waits for. Records say the words of the clip the line asked for."""

    def __init__(self, app, steps):
        self.app = app
        self.steps = list(steps)
        self.items = []

    def _next(self, kind):
        assert self.steps, f"the line waits for a {kind}, the script is over"
        step_kind, value = self.steps.pop(0)
        assert step_kind == kind, f"the line waits for a {kind}, the script has {step_kind}"
        return value

    def press(self, wait: GatherWait, transcript):
        return self._next("press")

    def dial(self, wait, transcript):  # pragma: no cover — the staff line dials nobody
        raise AssertionError("the staff line dialled")

    def record(self, wait: RecordWait, transcript):
        query = parse_qs(urlsplit(wait.action).query)
        with self.app.app_context():
            item = self.app.extensions["studio"].session(query["lang"][0]).item(query["item"][0])
        self.items.append(item)
        value = self._next("record")
        if value == "words":
            return RecordResult(speak(item.clip.spoken, item.clip.lang), "#")
        return value


def call(app, api, steps) -> tuple[ev.Transcript, Script]:
    script = Script(app, steps)
    transport = FlaskTransport(app)
    phone = Call(
        transport, LINE, auth_token=TOKEN, recordings=api.recordings, media=MediaLibrary(transport)
    )
    transcript = phone.run(script)
    assert not transcript.errors, transcript.errors
    assert not script.steps, f"left over: {script.steps}"
    return transcript, script


def said(transcript) -> list[str]:
    return [p.text for p in transcript.of(ev.Say)]


def test_a_whole_phone_session(app, api):
    with app.app_context():
        codes = {c: p for c, p in app.extensions["studio"].session("es").codes.items()}
    safety = next(code for code, pid in codes.items() if pid == "safety.notice")
    transcript, script = call(
        app,
        api,
        [
            ("press", WRONG + "#"),  # a wrong PIN first
            ("press", app.pin + "#"),
            ("press", "1"),  # Español
            ("record", "words"),  # the language menu's words ...
            ("press", "2"),  # ... again
            ("record", "words"),
            ("press", "1"),  # keep
            ("record", "words"),  # the main menu's first option
            ("press", "9"),  # choose a prompt by its code instead: the long safety notice
            ("press", f"{safety}#"),
            ("record", silence(3.0)),  # nothing said ...
            ("record", RecordResult(speak("sí"), "#")),  # ... then far too little
            ("press", "3"),  # skip it
            ("record", "words"),  # back in order: the main menu's first option
            ("press", "1"),
            ("record", HANG_UP),  # the staffer hangs up while recording
        ],
    )
    words = said(transcript)
    assert "That PIN is not right." in words
    assert "Hello, ana." in words
    assert "Nothing was recorded." in words  # Twilio trims a silent take to nothing
    assert any(w.startswith("The take is too short for its words") for w in words)
    assert words.count("Kept.") == 2 and "Skipped." in words
    # What the line read to record: the clip's words, in Twilio's Spanish voice.
    first = next(p for p in transcript.of(ev.Say) if p.text == script.items[0].clip.spoken)
    assert first.language == "es-MX"
    assert [i.prompt_id for i in script.items] == [
        "language.option",
        "language.option",
        "main.mpp_active",
        "safety.notice",
        "safety.notice",
        "main.mpp_active",
        "main.mpp_closed",
    ]
    # The takes were played back from the line's own URL, and decode as audio.
    plays = [p for p in transcript.of(ev.Play) if "/staff-audio/" in p.url]
    assert len(plays) == 4 and all(p.seconds > 0.3 for p in plays)  # not the refused one
    # Every recording was fetched once and deleted from Twilio, kept or not.
    records = [r for r in transcript.of(ev.Record) if r.sid]
    # Not the silent one (empty: no action request), nor the one she hung up on.
    assert len(records) == 5 and [r.sid for r in transcript.of(ev.Record)][3::3] == ["", ""]
    assert api.recordings.kept() == []
    deleted = [path for method, path in api.recordings.requests if method == "DELETE"]
    assert sorted(p.split("/")[-1].removesuffix(".json") for p in deleted) == sorted(
        r.sid for r in records
    )
    with app.app_context():
        studio = app.extensions["studio"]
        takes = studio.takes("es")
        assert sorted(t.words for t in takes if t.status == "draft") == sorted(
            [script.items[1].clip.spoken, script.items[5].clip.spoken]
        )
        assert {t.via for t in takes} == {"phone"} and all(t.author == "ana" for t in takes)
        assert studio.skipped("es", "ana") == [script.items[3].clip.key]
        # Next time she calls, the session resumes at the main menu's second option.
        assert studio.next_item("es", "ana").prompt_id == "main.mpp_closed"


def test_kreyol_words_are_read_by_the_offline_voice_never_another_language(app, api):
    transcript, script = call(
        app,
        api,
        [
            ("press", app.pin + "#"),
            ("press", "2"),
            ("record", "words"),
            ("press", "1"),
            ("record", HANG_UP),
        ],
    )
    cue = [p for p in transcript.of(ev.Play) if "/audio/ht/studio.cue." in p.url]
    assert len(cue) == 2 and cue[0].seconds > 0.5
    assert not any(p.language.startswith("fr") for p in transcript.of(ev.Say))


def test_the_number_clips_are_one_code_away(app, api):
    transcript, script = call(
        app,
        api,
        [
            ("press", app.pin + "#"),
            ("press", "3"),
            ("record", "words"),
            ("press", "9"),
            ("press", "0#"),
            ("record", "words"),
            ("press", "1"),
            ("record", HANG_UP),
        ],
    )
    assert script.items[1].numbers and script.items[1].clip.spoken == "0"
    assert any("for the phone numbers" in w for w in said(transcript))


def test_too_many_wrong_pins_lock_the_caller(app, api):
    transcript, _ = call(app, api, [("press", WRONG + "#")] * 3)
    assert said(transcript)[-1] == "That PIN is not right. Goodbye."
    transcript, _ = call(app, api, [("press", WRONG + "#")] * 3)  # the fifth locks
    assert said(transcript)[-1] == "Too many wrong PINs. Try again in 1 minute."
    # Even the right PIN is not checked while the caller is locked.
    transcript, _ = call(app, api, [("press", app.pin + "#")])
    assert any(w.startswith("Too many wrong PINs") for w in said(transcript))
    assert "Hello, ana." not in said(transcript) and transcript.ended


def test_the_staff_line_is_signed_like_every_webhook(app):
    client = app.test_client()
    assert client.post("/voice/staff").status_code == 403
    params = {"Digits": "1"}
    forged = "http://localhost/voice/staff/language?t=made-up"
    response = client.post(
        forged, data=params, headers={"X-Twilio-Signature": sign(forged, params, TOKEN)}
    )
    assert response.status_code == 403  # signed by Twilio, but no staffer's token


def test_a_take_url_is_not_guessable(app):
    client = app.test_client()
    assert client.get("/staff-audio/0123456789abcdef.wav").status_code == 404


def test_the_public_line_never_records_a_caller():
    """The walk finds a <Record> anywhere on the public line a problem (ivr/sim/explore.py)."""
    from ivr.sim.explore import Explorer

    class Routes:
        def send(self, method, url, form, headers):
            from ivr.sim.transport import Reply

            body = (
                b'<?xml version="1.0" encoding="UTF-8"?><Response>'
                b'<Say>Leave a message.</Say><Record action="/voice/x" /></Response>'
            )
            return Reply(200, "text/xml", body, 0.0)

    found = Explorer(Routes(), "http://localhost/voice").run()
    assert [f.message for f in found.findings] == ["<Record>: the line must never record a caller"]


def test_credentials_go_only_to_this_accounts_recording(api):
    from ivr.staffline.recordings import RecordingUnavailable, TwilioRecordings

    recordings = TwilioRecordings(ACCOUNT, TOKEN, api.base_url)
    sid, url = api.recordings.add("CA" + "0" * 32, speak("hola"), 1)
    assert recordings.fetch(sid, url)[:4] == b"RIFF"
    twilio = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Recordings/{sid}"
    assert recordings.is_ours(sid, twilio)  # what real Twilio sends: fetched at the base
    for elsewhere in (
        f"https://evil.example/2010-04-01/Accounts/{ACCOUNT}/Recordings/{sid}",
        f"{api.base_url}/2010-04-01/Accounts/AC{'6' * 32}/Recordings/{sid}",
        url.replace(sid, "RE" + "0" * 32),
    ):
        with pytest.raises(RecordingUnavailable):
            recordings.fetch(sid, elsewhere)
    assert recordings.delete(sid) and not recordings.delete(sid)  # 204, then 404
    with pytest.raises(RecordingUnavailable):
        recordings.fetch(sid, url)  # gone for good
    media = [path for method, path in api.recordings.requests if method == "GET"]
    assert all(path.endswith(".wav") for path in media)
