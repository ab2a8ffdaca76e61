"""The browser phone's server side: it drives the real webhooks and keeps no call state."""

from __future__ import annotations

import os

import pytest
from flask import g

from ivr import create_app
from ivr.sim.web import init_app

SECRET = "simulator-test-secret"


def make_app(**env: str):
    app = create_app({"ENV": {**os.environ, **env}})
    init_app(app)
    return app


@pytest.fixture(scope="module")
def dev_app():
    return make_app(HOTLINE_ENV="development", SECRET_KEY=SECRET)


@pytest.fixture(scope="module")
def pack(dev_app):
    return dev_app.extensions["content"].current()


def start(client):
    reply = client.post("/simulator/api/call")
    assert reply.status_code == 200
    return reply.get_json()


def test_a_new_call_waits_at_the_language_menu_with_each_language_offering_itself(dev_app, pack):
    answer = start(dev_app.test_client())
    assert answer["wait"]["type"] == "gather"
    texts = [p["text"] for p in answer["wait"]["prompts"]]
    assert texts == [pack.text(lang.code, pack.flow.language_prompt) for lang in pack.languages]


def test_pressing_a_language_key_brings_the_main_menu_in_that_language(dev_app, pack):
    client = dev_app.test_client()
    first = start(client)
    lang = pack.languages[0]
    reply = client.post(
        "/simulator/api/answer",
        json={"token": first["token"], "keys": lang.key, "barge_in_at": 0.5},
    ).get_json()
    assert reply["events"][0] == {"type": "gather", "keys": lang.key, "outcome": "digits"}
    assert reply["wait"]["prompts"][0]["text"] == pack.text(lang.code, "main.mpp_active")


def test_silence_times_out_and_the_line_asks_again(dev_app, pack):
    client = dev_app.test_client()
    first = start(client)
    reply = client.post("/simulator/api/answer", json={"token": first["token"], "keys": None})
    assert reply.get_json()["events"][0]["outcome"] == "timeout"
    assert reply.get_json()["wait"]["type"] == "gather"


def test_another_worker_with_the_same_secret_continues_the_call(dev_app, pack):
    other_worker = make_app(HOTLINE_ENV="development", SECRET_KEY=SECRET)
    first = start(dev_app.test_client())
    reply = other_worker.test_client().post(
        "/simulator/api/answer", json={"token": first["token"], "keys": pack.languages[0].key}
    )
    assert reply.status_code == 200
    assert reply.get_json()["wait"]["type"] == "gather"


def test_a_tampered_token_is_refused(dev_app):
    first = start(dev_app.test_client())
    forged = first["token"][:-4] + "AAAA"
    reply = dev_app.test_client().post("/simulator/api/answer", json={"token": forged, "keys": "1"})
    assert reply.status_code == 400


def test_the_page_has_a_keypad(dev_app):
    page = dev_app.test_client().get("/simulator").get_data(as_text=True)
    assert all(f'data-key="{key}"' in page for key in "0123456789*#")


def test_outside_development_the_simulator_is_hidden_from_the_public():
    app = make_app(HOTLINE_ENV="production", TWILIO_AUTH_TOKEN="tok", SECRET_KEY=SECRET)
    client = app.test_client()
    assert client.get("/simulator").status_code == 404
    assert client.post("/simulator/api/call").status_code == 404


def test_a_staff_user_may_use_it_in_production_and_its_webhooks_pass_the_signature_check():
    app = make_app(HOTLINE_ENV="production", TWILIO_AUTH_TOKEN="tok", SECRET_KEY=SECRET)

    @app.before_request
    def pretend_logged_in() -> None:
        g.staff_user = "staff@example.org"

    answer = start(app.test_client())
    assert answer["wait"]["type"] == "gather"
    assert [e for e in answer["events"] if e["type"] == "error"] == []
