"""The browser phone can miss-call the line and then ring with the callback (issue 18): the
endpoints behind its buttons, and a whole callback in Debian's Chromium."""

from __future__ import annotations

import os
import time

import pytest
import sqlalchemy as sa
from test_browser_support import TIMEOUT_MS, needs_chromium

from ivr import create_app
from ivr.callbacks.worker import Worker
from ivr.db import schema
from ivr.sim.serve import serving


@pytest.fixture
def app(tmp_path):
    env = {"HOTLINE_ENV": "development", "DATA_DIR": str(tmp_path)}
    return create_app({"ENV": env, "TESTING": True})


def waiting(app) -> int:
    with app.extensions["db"].connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(schema.callback_queue)).scalar()


def test_a_missed_call_then_the_callback_answered_and_hung_up(app):
    client = app.test_client()
    missed = client.post("/simulator/api/missed", json={}).get_json()
    assert missed["rejected"] == "busy" and missed["answered"] is False
    assert missed["wait"] == {"type": "ended", "reason": "<Reject reason='busy'>"}
    assert client.post("/simulator/api/ringing", json={}).get_json() == {"ringing": None}
    Worker(app).tick(time.time() + 21)  # the worker's round after CALLBACK_DELAY_SECONDS
    ring = client.post("/simulator/api/ringing", json={}).get_json()["ringing"]
    assert ring["from"] == "+15558675310"  # the number the phone dialed
    answer = client.post("/simulator/api/pickup", json={"sid": ring["sid"], "how": "human"})
    answer = answer.get_json()
    assert answer["wait"]["type"] == "gather"  # the language menu
    assert waiting(app) == 1
    client.post("/simulator/api/hangup", json={"token": answer["token"]})
    assert waiting(app) == 0  # the call ended: the number is gone


def test_letting_voicemail_answer_brings_a_second_try(app):
    client = app.test_client()
    client.post("/simulator/api/missed", json={})
    Worker(app).tick(time.time() + 21)
    ring = client.post("/simulator/api/ringing", json={}).get_json()["ringing"]
    reply = client.post("/simulator/api/pickup", json={"sid": ring["sid"], "how": "machine"})
    assert reply.get_json()["wait"]["type"] == "ended"
    assert waiting(app) == 1  # a retry is waiting
    assert (
        client.post("/simulator/api/pickup", json={"sid": ring["sid"], "how": "x"}).status_code
        == 400
    )


def test_no_missed_calls_from_the_simulator_with_a_real_twilio_account(tmp_path):
    env = {
        "HOTLINE_ENV": "development",
        "DATA_DIR": str(tmp_path),
        "TWILIO_ACCOUNT_SID": "AC" + "5" * 32,
        "TWILIO_AUTH_TOKEN": "real",
    }
    app = create_app({"ENV": env, "TESTING": True})
    client = app.test_client()
    for path in ("missed", "ringing", "pickup"):
        assert client.post(f"/simulator/api/{path}", json={}).status_code == 404
    assert 'id="missed"' not in client.get("/simulator").get_data(as_text=True)


@needs_chromium
def test_the_browser_phone_misses_a_call_and_rings_with_the_callback(browser):
    from playwright.sync_api import expect

    app = create_app({"ENV": {**os.environ, "HOTLINE_ENV": "development"}})
    pack = app.extensions["content"].current()
    with serving(app) as base:
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{base}/simulator?speed=100")  # keys still wait 1.5 s
        page.click("#missed")
        expect(page.locator("#status")).to_contain_text("cost you nothing")
        assert waiting(app) == 1
        Worker(app).tick(time.time() + 21)  # what the worker process does after 20 s
        expect(page.locator("#incoming")).to_be_visible()
        page.click('[data-pickup="human"]')
        offer = pack.texts("en")[pack.flow.language_prompt]
        expect(page.locator("#captions li").filter(has_text=offer).first).to_be_visible()
        page.click("#hangup")
        deadline = time.time() + 10
        while waiting(app) and time.time() < deadline:
            time.sleep(0.1)
        assert waiting(app) == 0
        expect(page.locator("#captions li.error")).to_have_count(0)
        context.close()
