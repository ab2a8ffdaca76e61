"""Issue #13's "done when", as a staff test call (issue #20): on the browser phone (Debian's
Chromium, headless, against a real server, with a Twilio account configured: the fake Messages
API on 127.0.0.1) a staffer presses 8 after a guidance and reads the text message on the
phone, which says it is a test call; the text went only to the console's own outbox (the
account received nothing), the console's "What callers need" page does not count the call,
and afterwards no file under DATA_DIR, no table and no log line holds the caller's number or
the CallSid. (A real caller's text through the account: tests/test_sms_voice.py and
tests/test_staff_test_calls.py.)"""

from __future__ import annotations

import logging
import re

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import select
from test_browser_support import TIMEOUT_MS, needs_chromium

from ivr import create_app
from ivr.db import schema
from ivr.sim.serve import serving
from ivr.sms import compose, load_words
from tests.conftest import ROOT
from tests.fake_twilio_api import FakeTwilioApi

pytestmark = needs_chromium

TOKEN = "browser-sms-token"
ACCOUNT = "AC" + "5" * 32
SMS_FROM = "+15558675310"
PASSWORD = "correct horse battery"


@pytest.fixture
def api():
    fake = FakeTwilioApi(ACCOUNT, TOKEN).start()
    yield fake
    fake.stop()


def traces(caller: str, call_sid: str) -> list[bytes]:
    """Every way the number or the call could be written down."""
    digits = caller.lstrip("+")
    return [s.encode() for s in (caller, digits, digits[1:], call_sid, call_sid[2:])]


def test_a_caller_texted_after_a_guidance_reads_it_and_leaves_no_trace(
    tmp_path, api, pack, caplog, browser
):
    from playwright.sync_api import expect

    data = tmp_path / "data"
    env = {
        "HOTLINE_ENV": "development",  # the browser phone is open without a login
        "TWILIO_AUTH_TOKEN": TOKEN,
        "DATA_DIR": str(data),
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_SMS_FROM": SMS_FROM,
        "SMS_PEPPER": "browser-test-pepper",
        "TWILIO_API_BASE": api.base_url,
    }
    app = create_app({"ENV": env})
    app.extensions["staff"].add("maria", PASSWORD)
    app.extensions["staff"].set_language("maria", "en")  # the words asserted below
    texts = pack.texts("es")
    body = compose(pack, load_words(ROOT / "prompts"), "mpp_active", "es").body
    tokens: list[str] = []

    context = browser.new_context(locale="en-US")
    with caplog.at_level(logging.DEBUG), serving(app) as server, context:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)

        def keep_token(response) -> None:
            if "/simulator/api/" in response.url and response.ok:
                tokens.append(response.json().get("token") or "")

        page.on("response", keep_token)
        page.goto(f"{server}/simulator?speed=100")  # the guidance in 2 s; keys still wait 1.5 s
        expect(page.locator("#test-note")).to_contain_text("This is a test call.")
        page.click("#call")
        captions = page.locator("#captions li")

        def heard(text: str) -> None:
            expect(captions.filter(has_text=text).first).to_be_visible()

        def press(key: str) -> None:
            page.click(f'.key[data-key="{key}"]')

        heard(texts["language.option"])
        press("1")
        heard(texts["main.mpp_active"])
        press("1")
        heard(texts["keys.text"])  # after the guidance, with the menu's options
        press("8")
        message = page.locator('#captions li[data-kind="text"]')
        expect(message).to_have_count(1)
        expect(message).to_contain_text("Text message to your phone:")
        for line in body.splitlines():
            expect(message).to_contain_text(line)
        heard(texts["text.sent"])
        page.click("#hangup")

        assert api.requests == []  # nothing went through the Twilio account

        # The counts page counts neither the test call nor its text.
        page.goto(f"{server}/admin/login")
        page.fill("#name", "maria")
        page.fill("#password", PASSWORD)
        page.press("#password", "Enter")
        page.goto(f"{server}/admin/needs/")
        expect(page.locator("main")).to_contain_text("Calls answered: 0")
        html = page.content()
        assert not re.search(r"· sent: ", html)
        assert "No calls in these days." in page.locator("main").inner_text()

    # The CallSid rode in the browser's continuation token (signed, not secret): read it.
    _, state = URLSafeSerializer("unused").loads_unsafe(next(t for t in tokens if t))
    caller, _line, call_sid = state["party"][:3]
    assert re.fullmatch(r"\+1\d{3}55501\d\d", caller)  # the browser's own fictional number
    assert call_sid.startswith("CA")
    needles = traces(caller, call_sid)

    app.extensions["counts"].flush()
    database = app.extensions["db"]
    with database.connect() as conn:
        rows = {t.name: conn.execute(select(t)).all() for t in schema.metadata.sorted_tables}
    assert rows["counts"] == [] and rows["sms_quota"] == []  # a test call: nothing kept
    stored = repr(rows).encode()
    assert not [n for n in needles if n in stored]
    database.close()
    files = [p for p in data.rglob("*") if p.is_file()]
    assert data / "hotline.sqlite3" in files
    for path in files:
        content = path.read_bytes()
        assert not [n for n in needles if n in content], path
    logged = "\n".join(r.getMessage() for r in caplog.records).encode()
    assert caplog.records
    assert not [n for n in needles if n in logged]
