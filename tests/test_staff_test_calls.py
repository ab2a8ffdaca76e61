"""Staff test calls stay inside the console (issue #20, item 2).

In production, with a Twilio account that sends texts (the fake Messages API on 127.0.0.1
stands in for it), a logged-in staffer's browser phone presses 8 after a guidance: the text
shows in the phone, from the console's own outbox, and nothing reaches the account; the call
is not counted with callers' calls, and leaves no quota row. A real call pressing 8 still
texts through the account and is counted. The phone says so on screen, in both languages.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from ivr import create_app
from ivr.db import schema
from ivr.security import TEST_CALL_KEY
from ivr.sim import Call, FlaskTransport, ScriptedCaller
from ivr.sim import events as ev
from ivr.sim.signing import CallParty, new_sid
from ivr.sim.waits import HANG_UP
from ivr.sms import compose, load_words
from tests.conftest import ROOT
from tests.fake_twilio_api import FakeTwilioApi

TOKEN = "test-calls-token"
ACCOUNT = "AC" + "6" * 32
SMS_FROM = "+15558675310"
PASSWORD = "correct horse battery"


@pytest.fixture
def api():
    fake = FakeTwilioApi(ACCOUNT, TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def app(tmp_path, api):
    env = {
        "TWILIO_AUTH_TOKEN": TOKEN,
        "SECRET_KEY": "test-calls-" + "k" * 32,
        "DATA_DIR": str(tmp_path / "data"),
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_SMS_FROM": SMS_FROM,
        "SMS_PEPPER": "test-calls-pepper",
        "TWILIO_API_BASE": api.base_url,
    }
    app = create_app({"ENV": env, "TESTING": True})
    app.extensions["staff"].add("maria", PASSWORD)
    return app


def staff(app, language: str = "en"):
    app.extensions["staff"].set_language("maria", language)
    client = app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"name": "maria", "password": PASSWORD, "csrf_token": token}
    assert client.post("/admin/login", data=form).status_code == 302
    return client, token


def tables(app) -> dict[str, list]:
    app.extensions["counts"].flush()
    with app.extensions["db"].connect() as conn:
        return {
            name: conn.execute(sa.select(schema.metadata.tables[name])).all()
            for name in ("counts", "sms_quota")
        }


def test_the_browser_phone_texts_only_its_own_screen_and_is_never_counted(app, api, pack):
    client, token = staff(app)
    headers = {"X-CSRF-Token": token}
    reply = client.post("/simulator/api/call", headers=headers).get_json()
    texts = []
    for keys in ("1", "1", "8"):  # Spanish, an active MPP case, then "send me the numbers"
        assert reply["wait"]["type"] == "gather", reply
        reply = client.post(
            "/simulator/api/answer", json={"token": reply["token"], "keys": keys}, headers=headers
        ).get_json()
        texts += [e["body"] for e in reply["events"] if e["type"] == "text"]
    body = compose(pack, load_words(ROOT / "prompts"), "mpp_active", "es").body
    assert texts == [body]  # the page's numbers, shown on the phone
    assert api.requests == []  # nothing went through the Twilio account
    assert tables(app) == {"counts": [], "sms_quota": []}
    assert app.extensions["counts"].pending() == {}


def test_a_real_call_still_texts_through_the_account_and_is_counted(app, api):
    party = CallParty(caller="+526641234567", call_sid=new_sid("CA"))
    transcript = Call(
        FlaskTransport(app), "http://localhost/voice", auth_token=TOKEN, party=party
    ).run(ScriptedCaller(["1", "1", "8", HANG_UP]))
    assert transcript.errors == [] and transcript.of(ev.Gather)
    [request] = api.requests
    assert request.auth == (ACCOUNT, TOKEN) and request.form["To"] == "+526641234567"
    found = tables(app)
    events = {row.event for row in found["counts"]}
    assert {"call_answered", "sms_sent"} <= events and len(found["sms_quota"]) == 1


def test_the_test_call_mark_cannot_come_from_outside(app, api):
    # Only an in-process request sets the WSGI key; an HTTP header of that name is HTTP_*.
    transport = FlaskTransport(app)
    assert TEST_CALL_KEY not in transport.environ
    party = CallParty(caller="+526641234567", call_sid=new_sid("CA"))
    transcript = Call(transport, "http://localhost/voice", auth_token=TOKEN, party=party).run(
        ScriptedCaller(["1", HANG_UP])
    )
    assert transcript.errors == []
    assert {row.event for row in tables(app)["counts"]} >= {"call_answered"}


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "This is a test call. It is not counted"),
        ("es", "Esta es una llamada de prueba. No se cuenta"),
    ],
)
def test_the_phone_says_so_on_screen(app, language, words):
    client, _ = staff(app, language)
    page = client.get("/simulator").get_data(as_text=True)
    assert words in page
