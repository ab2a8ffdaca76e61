"""A browser phone per staffer: each browser calls from its own fake number, kept for its
session, so the 3-texts-a-day limit and the texts themselves are that caller's, as on the real
line; and `scripts/phone --url` captions what the server plays, not this checkout's prompts/."""

from __future__ import annotations

import io
import os
import re

import pytest
from itsdangerous import URLSafeSerializer

from ivr import create_app
from ivr.sim import phone
from ivr.sim.serve import serving

SECRET = "simulator-caller-secret"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    env = {**os.environ, "HOTLINE_ENV": "development", "SECRET_KEY": SECRET, "DATA_DIR": str(data)}
    return create_app({"ENV": env})


@pytest.fixture(scope="module")
def pack(app):
    return app.extensions["content"].current()


def caller_of(reply: dict) -> str:
    _, state = URLSafeSerializer("unused").loads_unsafe(reply["token"])
    return state["party"][0]


class Browser:
    """One browser: its own cookies (session), driving the browser phone's JSON API."""

    def __init__(self, app) -> None:
        self.client = app.test_client()
        self.token = ""

    def call(self) -> dict:
        reply = self.client.post("/simulator/api/call").get_json()
        self.token = reply["token"]
        return reply

    def press(self, keys: str) -> dict:
        reply = self.client.post(
            "/simulator/api/answer", json={"token": self.token, "keys": keys}
        ).get_json()
        self.token = reply.get("token", "")
        return reply


def texts_in(reply: dict) -> list[str]:
    return [e["body"] for e in reply["events"] if e["type"] == "text"]


def to_the_text_key(browser: Browser, pack) -> None:
    """Spanish, then the first situation: its menu offers the numbers by text (key 8)."""
    browser.call()
    browser.press(pack.language("es").key)
    browser.press(pack.flow.nodes[pack.flow.main].options[0].key)


def test_each_browser_has_its_own_number_for_its_whole_session(app):
    ana, luis = Browser(app), Browser(app)
    first = caller_of(ana.call())
    assert re.fullmatch(r"\+1\d{3}55501\d\d", first)  # set aside for fiction: reaches no one
    assert caller_of(ana.call()) == first  # the next call, the same caller
    page = ana.client.get("/simulator").get_data(as_text=True)
    assert f"{first[:2]} {first[2:5]}-{first[5:8]}-{first[8:]}" in page  # shown to her
    others = {caller_of(Browser(app).call()) for _ in range(6)}
    assert len(others | {first, caller_of(luis.call())}) > 1


def test_the_daily_texts_are_each_callers_own_and_each_text_arrives_in_its_own_call(app, pack):
    spanish = pack.texts("es")
    ana, luis = Browser(app), Browser(app)
    while caller_of(luis.call()) == caller_of(ana.call()):  # two different staffers' numbers
        luis = Browser(app)
    to_the_text_key(ana, pack)
    to_the_text_key(luis, pack)

    for _ in range(3):  # ana's three texts of the day
        reply = ana.press("8")
        assert len(texts_in(reply)) == 1
    over = ana.press("8")
    assert texts_in(over) == []
    heard = [p.get("text") for p in over["wait"].get("prompts", [])] + [
        e.get("text") for e in over["events"]
    ]
    assert spanish["text.limit"] in heard  # her limit, not luis's

    reply = luis.press("8")  # his own first text still arrives, in his own call
    assert len(texts_in(reply)) == 1
    # A later call of hers does not receive anything sent during another call.
    to_the_text_key(ana, pack)
    assert texts_in(ana.press("9")) == []


def test_the_terminal_phone_against_a_server_captions_what_the_server_plays(app, pack):
    # Staff changed the words on the server: this checkout's prompts/ still has the old ones.
    old = pack.texts("es")["safety.notice"]
    new = "La ayuda legal es gratis. Si alguien le cobra, es una estafa."
    app.extensions["publisher"].set_text("es", "safety.notice", new, author="ana")
    out = io.StringIO()
    with serving(app) as base:
        phone.main(
            ["--url", base, "--mute", "--lang-key", pack.language("es").key],
            stdin=io.StringIO("1\n"),  # a situation: its guidance says the safety notice
            stdout=out,
        )
    said = out.getvalue()
    assert f"] {new}" in said  # the <Play> of the new audio, captioned with its words
    assert old not in said
