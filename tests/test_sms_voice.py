"""The text key on the line: announced after a guidance to callers a text can reach, sent
through twilio's client when pressed, the outcome said, and the caller back at the same menu."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from ivr import create_app
from ivr.db import schema
from ivr.sim import HANG_UP, Call, CallParty, FlaskTransport, ScriptedCaller
from ivr.sim import events as ev
from ivr.sim.captions import prompt_of
from ivr.sim.signing import new_sid
from ivr.sms import compose, load_words
from tests.conftest import ROOT
from tests.fake_twilio_api import HANG, FakeTwilioApi

TOKEN = "sms-voice-token"
ACCOUNT = "AC" + "4" * 32
SMS_FROM = "+15558675310"
CALLER = "+526641234567"
BASE = "http://hotline.test"


@pytest.fixture
def api():
    fake = FakeTwilioApi(ACCOUNT, TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def line(tmp_path, api):
    env = {
        "TWILIO_AUTH_TOKEN": TOKEN,
        "DATA_DIR": str(tmp_path / "data"),
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_SMS_FROM": SMS_FROM,
        "SMS_PEPPER": "voice-test-pepper",
        "TWILIO_API_BASE": api.base_url,
    }
    return create_app({"ENV": env, "TESTING": True})


def call(app, keys, caller=CALLER) -> ev.Transcript:
    party = CallParty(caller=caller, call_sid=new_sid("CA"))
    transcript = Call(FlaskTransport(app), BASE + "/voice", auth_token=TOKEN, party=party).run(
        ScriptedCaller([*keys, HANG_UP])
    )
    assert transcript.errors == []
    return transcript


def heard(transcript: ev.Transcript) -> list[str]:
    """The prompt ids the caller heard, in order."""
    ids = []
    for prompt in transcript.of(ev.Play):
        named = prompt_of(prompt.url)
        ids.append(named[1] if named else prompt.url)
    return ids


def after_last_key(transcript: ev.Transcript) -> list[str]:
    """The prompt ids heard after the last key was pressed."""
    gathers = [i for i, e in enumerate(transcript.events) if isinstance(e, ev.Gather)]
    after = ev.Transcript(transcript.events[gathers[-1] + 1 :])
    return heard(after)


def test_the_key_is_announced_after_a_guidance_option_first_then_the_other_keys(line):
    ids = heard(call(line, ["1", "1"]))  # Spanish, active MPP case, hangs up at its menu
    menu = ids[ids.index("after.immdef") :]
    assert menu[:3] == ["after.immdef", "keys.text", "keys.repeat"]
    assert ids.count("keys.text") == 1  # not on the main menu
    assert ids.index("keys.text") > ids.index("mpp_active.6")  # after the whole guidance


def test_a_caller_a_text_cannot_reach_hears_no_such_option_and_8_is_a_wrong_key(line, api):
    ids = heard(call(line, ["1", "1", "8"], caller="anonymous"))
    assert "keys.text" not in ids
    assert "common.wrong_key" in ids
    assert api.requests == []


@pytest.mark.parametrize(("lang_key", "lang"), [("1", "es"), ("2", "ht"), ("3", "en")])
def test_pressing_8_sends_exactly_that_page_and_returns_to_the_same_menu(
    line, api, pack, lang_key, lang
):
    transcript = call(line, [lang_key, "1", "8"])
    [request] = api.requests
    body = compose(pack, load_words(ROOT / "prompts"), "mpp_active", lang).body
    assert request.form == {"To": CALLER, "From": SMS_FROM, "Body": body}
    assert request.auth == (ACCOUNT, TOKEN)
    after = after_last_key(transcript)
    assert after[0] == "text.sent"
    assert after[1:4] == ["after.numbers", "after.aol", "after.immdef"]  # the same menu
    assert "keys.text" in after


def test_every_press_sends_its_own_text_though_the_answer_is_cached(line, api):
    call(line, ["1", "3", "8", "8"])
    call(line, ["1", "3", "8"], caller="+526649876543")
    assert [r.form["To"] for r in api.requests] == [CALLER, CALLER, "+526649876543"]


def test_the_fourth_text_of_a_day_is_refused_and_said_so(line, api):
    transcript = call(line, ["1", "2", "8", "8", "8", "8"])
    assert len(api.requests) == 3
    assert after_last_key(transcript)[0] == "text.limit"


@pytest.mark.parametrize("answer", [400, 429, 500, HANG])
def test_twilio_refusing_failing_or_silent_is_could_not_be_sent_in_a_second(line, api, answer):
    api.answer_next(answer)
    started = time.perf_counter()
    transcript = call(line, ["1", "4", "8"])
    requests = transcript.of(ev.Request)
    assert all(r.status == 200 for r in requests)
    assert max(r.latency for r in requests) < 1.5  # Twilio waits 15 s; we answer in ~1
    assert after_last_key(transcript)[0] == "text.failed"
    assert time.perf_counter() - started < 10
    # A failed text does not count against the caller's three.
    api.answer_next(201, 201, 201)
    call(line, ["1", "4", "8", "8", "8"])
    assert [r.form["To"] for r in api.requests].count(CALLER) == 4


def test_in_development_the_simulators_show_the_text_that_would_arrive(tmp_path, pack):
    app = create_app(
        {"ENV": {"HOTLINE_ENV": "development", "DATA_DIR": str(tmp_path)}, "TESTING": True}
    )
    transcript = call(app, ["3", "5", "8"])  # English, none of these, text me
    [text] = transcript.of(ev.Text)
    assert text.body == compose(pack, load_words(ROOT / "prompts"), "no_mpp", "en").body
    assert after_last_key(transcript)[0] == "text.sent"


def test_texting_leaves_no_number_or_callsid_in_any_table(tmp_path, api, database_url):
    env = {
        "TWILIO_AUTH_TOKEN": TOKEN,
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database_url,
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_SMS_FROM": SMS_FROM,
        "SMS_PEPPER": "voice-test-pepper",
        "TWILIO_API_BASE": api.base_url,
    }
    app = create_app({"ENV": env, "TESTING": True})
    party = CallParty(caller=CALLER, call_sid=new_sid("CA"))
    transcript = Call(FlaskTransport(app), BASE + "/voice", auth_token=TOKEN, party=party).run(
        ScriptedCaller(["2", "2", "8", "8", HANG_UP])
    )
    assert transcript.errors == [] and len(api.requests) == 2
    app.extensions["counts"].flush()
    with app.extensions["db"].connect() as conn:
        rows = {t.name: conn.execute(select(t)).all() for t in schema.metadata.sorted_tables}
    assert [r.count for r in rows["sms_quota"]] == [2]
    assert ("ht", "mpp_closed_menu", "sms_sent", "", 2) in [tuple(r[1:]) for r in rows["counts"]]
    stored = repr(rows)
    for needle in (CALLER, CALLER[1:], CALLER[3:], party.call_sid, party.call_sid[2:]):
        assert needle not in stored
