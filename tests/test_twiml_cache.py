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


def test_the_same_menu_is_rendered_once_within_a_second(tmp_path, monkeypatch):
    app = make_app(tmp_path)
    renders = []
    real_render = twiml_cache.TwimlCache.get_or_render

    def counting(self, key, pinned, render):
        return real_render(self, key, pinned, lambda: renders.append(key) or render())

    monkeypatch.setattr(twiml_cache.TwimlCache, "get_or_render", counting)
    client = app.test_client()
    first = post(client, "/voice/main?lang=es", Digits="")
    second = post(client, "/voice/main?lang=es", Digits="")
    assert first.data == second.data
    assert len(renders) == 1


def test_an_edited_text_is_heard_on_the_next_request(tmp_path, monkeypatch):
    app = make_app(tmp_path)
    client = app.test_client()
    before = post(client, "/voice/language", Digits="1").get_data(as_text=True)
    notice = tmp_path / "prompts" / "text" / "es.yaml"
    text = notice.read_text(encoding="utf-8")
    edited = text.replace("alguien le cobra por ella", "alguien le pide dinero por ella")
    notice.write_text(edited, encoding="utf-8")
    app.extensions["content"].seed()  # what the 1 s check does, without waiting for it

    after = post(client, "/voice/language", Digits="1").get_data(as_text=True)
    assert "le pide dinero por ella" in after and "le pide dinero" not in before
    assert "<Say" in after  # the old audio speaks the old words: never played


def test_an_entry_expires_so_a_deleted_file_stops_playing(monkeypatch):
    cache = twiml_cache.TwimlCache(seconds=1.0)
    clock = [50.0]
    monkeypatch.setattr(twiml_cache.time, "monotonic", lambda: clock[0])
    assert cache.get_or_render("k", None, lambda: "<Play>") == "<Play>"
    assert cache.get_or_render("k", None, lambda: "<Say>") == "<Play>"
    clock[0] += 1.0
    assert cache.get_or_render("k", None, lambda: "<Say>") == "<Say>"
