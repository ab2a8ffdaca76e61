"""The rendered-TwiML cache saves work without ever serving words or audio that changed."""

import shutil

from conftest import ROOT, TOKEN, sign

from ivr import create_app, twiml_cache


def make_app(tmp_path):
    shutil.copytree(ROOT / "prompts", tmp_path / "prompts")
    env = {
        "TWILIO_AUTH_TOKEN": TOKEN,
        "CONTENT_DIR": str(tmp_path / "prompts"),
        "DATA_DIR": str(tmp_path / "data"),
    }
    return create_app({"ENV": env, "TESTING": True})


def post(client, path, **params):
    params = {"CallSid": "CA1", "AccountSid": "AC1", **params}
    signature = sign("http://localhost" + path, params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


def test_the_same_question_runs_the_engine_once_and_is_answered_alike(tmp_path, monkeypatch):
    from ivr import flow

    app = make_app(tmp_path)
    runs = []
    real_next_step = flow.next_step
    monkeypatch.setattr(flow, "next_step", lambda *a: runs.append(a[1:]) or real_next_step(*a))
    client = app.test_client()
    first = post(client, "/voice/main?lang=es", Digits="")
    second = post(client, "/voice/main?lang=es", Digits="", CallSid="CA2")
    other_key = post(client, "/voice/main?lang=es", Digits="1")
    assert first.data == second.data != other_key.data
    assert len(runs) == 2  # the silence once, key 1 once: the document was looked up first


def test_an_edited_text_is_heard_on_the_next_request(tmp_path, monkeypatch):
    app = make_app(tmp_path)
    client = app.test_client()
    before = post(client, "/voice/language", Digits="1").get_data(as_text=True)
    notice = tmp_path / "prompts" / "text" / "es.yaml"
    text = notice.read_text(encoding="utf-8")
    edited = text.replace("Lista de espera de Tijuana: oprima 3.", "Lista de Tijuana: oprima 3.")
    notice.write_text(edited, encoding="utf-8")
    app.extensions["content"].seed()  # what the 1 s check does, without waiting for it

    after = post(client, "/voice/language", Digits="1").get_data(as_text=True)
    assert "Lista de Tijuana: oprima 3." in after and "Lista de Tijuana" not in before
    assert "<Say" in after  # the old audio speaks the old words: never played


def test_documents_live_as_long_as_their_generation():
    cache = twiml_cache.TwimlCache()
    pinned = object()
    assert cache.get_or_render(("v1", 1), pinned, "k", lambda: "<Play>") == "<Play>"
    assert cache.get_or_render(("v1", 1), pinned, "k", lambda: "<Say>") == "<Play>"
    # a new pack version or audio manifest: rendered again
    assert cache.get_or_render(("v2", 1), pinned, "k", lambda: "<Say>") == "<Say>"
    assert cache.get_or_render(("v2", 2), pinned, "k", lambda: "<Say/>") == "<Say/>"


def test_a_full_cache_starts_again_rather_than_growing():
    cache = twiml_cache.TwimlCache(size=2)
    for key in "abc":
        cache.get_or_render("g", None, key, lambda key=key: key)
    assert cache.get_or_render("g", None, "a", lambda: "again") == "again"


def test_a_cached_answer_is_served_before_flask_with_the_same_bytes_and_log_line(
    tmp_path, caplog
):
    import logging

    from flask import request_started

    from ivr.sim import Call, FlaskTransport, ScriptedCaller
    from ivr.sim import events as ev

    app = make_app(tmp_path)
    flask_requests = []
    request_started.connect(lambda sender, **extra: flask_requests.append(1), app, weak=False)
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.INFO, logger="ivr")  # the in-process phone quiets it to warnings

    def one_call():
        caplog.clear()
        flask_requests.clear()
        transcript = Call(FlaskTransport(app), "http://localhost/voice", auth_token=TOKEN).run(
            ScriptedCaller(["2", "1", "0", None, "*", "4", "9", "#"])
        )
        lines = [r.getMessage().split(" ", 2)[2] for r in caplog.records if r.name == "ivr.voice"]
        return transcript.of(ev.Request), lines, len(flask_requests)

    first, first_lines, first_flask = one_call()
    again, again_lines, again_flask = one_call()
    assert first_flask == len(first) > 5  # nothing cached yet: every answer rendered by Flask
    assert again_flask == 0  # every question asked before: answered from the cache
    assert [r.status for r in again] == [200] * len(first)
    assert [r.url for r in again] == [r.url for r in first]
    assert again_lines == first_lines  # the same log line, after the call tag



def test_the_cached_answer_has_the_views_bytes_and_headers(tmp_path):
    app = make_app(tmp_path)
    client = app.test_client()
    for path, digits in [("/voice", ""), ("/voice/language", "3"), ("/voice/main?lang=en", "4")]:
        rendered = post(client, path, Digits=digits)
        cached = post(client, path, Digits=digits, CallSid="CA2")
        assert cached.status_code == rendered.status_code == 200
        assert cached.data == rendered.data
        assert cached.headers["Content-Type"] == rendered.headers["Content-Type"]
        assert cached.headers["Content-Length"] == rendered.headers["Content-Length"]
