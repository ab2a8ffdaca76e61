"""The recording session's console pages, without a browser: the words, the takes, the
phone PIN, publishing, the coverage page's human-voice share."""

from __future__ import annotations

import re

import pytest
from voices_support import speak

from ivr import create_app
from ivr.console.phone_pins import GENERATED_PIN

PASSWORD = "correct horse battery"


@pytest.fixture
def app(tmp_path):
    app = create_app(
        {"ENV": {"HOTLINE_ENV": "development", "DATA_DIR": str(tmp_path)}, "TESTING": True}
    )
    app.extensions["staff"].add("maria", PASSWORD)
    app.extensions["staff"].set_language("maria", "en")
    return app


def csrf(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


@pytest.fixture
def client(app):
    client = app.test_client()
    token = csrf(client, "/admin/login")
    client.post("/admin/login", data={"name": "maria", "password": PASSWORD, "csrf_token": token})
    client.token = csrf(client, "/admin/studio")
    return client


def post(client, path, json=True, **form):
    headers = {"X-CSRF-Token": client.token}
    if json:
        headers["Accept"] = "application/json"
    return client.post(path, data=form, headers=headers)


def parts(app, lang: str = "es") -> int:
    """How many parts a session has (it follows the content pack)."""
    with app.app_context():
        return len(app.extensions["studio"].session(lang).items)


def test_choose_a_language_and_get_the_first_part(app, client):
    page = client.get("/admin/studio").get_data(as_text=True)
    assert "Record in Kreyòl ayisyen" in page
    assert "0 % of call time in a human voice" in page
    assert "only a draft for this language" in page  # Kreyòl only
    page = client.get("/admin/studio/es").get_data(as_text=True)
    assert 'class="say-this" lang="es">Español: oprima 1.</p>' in page
    assert f"Part 1 of {parts(app)} · prompt code 1" in page


def test_record_hear_keep_and_the_next_comes(app, client):
    page = client.get("/admin/studio/es").get_data(as_text=True)
    item = re.search(r'data-item="([0-9a-f]{16})"', page).group(1)
    with app.app_context():
        words = app.extensions["studio"].session("es").item(item).clip.spoken
    reply = post(
        client,
        "/admin/studio/es/takes",
        item=item,
        audio=(__import__("io").BytesIO(speak(words)), "take.wav"),
    )
    assert reply.status_code == 200, reply.get_data(as_text=True)
    take = reply.json
    assert take["seconds"] > 0.5 and "silence trimmed" in take["summary"]
    audio = client.get(take["audio"])
    assert audio.status_code == 200 and audio.data[:4] == b"RIFF"
    kept = post(client, f"/admin/studio/es/takes/{take['take']}/keep")
    assert kept.json == {"next": "/admin/studio/es"}
    page = client.get("/admin/studio/es").get_data(as_text=True)
    assert f"Part 2 of {parts(app)}" in page
    assert "Callers do not hear your 1 kept take yet." in page


def test_a_refused_take_says_why_and_stays(client):
    page = client.get("/admin/studio/es").get_data(as_text=True)
    item = re.search(r'data-item="([0-9a-f]{16})"', page).group(1)
    import io

    reply = post(
        client, "/admin/studio/es/takes", item=item, audio=(io.BytesIO(speak("sí")), "t.wav")
    )
    assert reply.status_code == 422
    assert reply.json["code"] == "too_short"
    assert reply.json["error"] == "The take is too short for its words. Say all of them."
    # Without JavaScript: the page says it, on the same part.
    reply = post(
        client,
        "/admin/studio/es/takes",
        json=False,
        item=item,
        audio=(io.BytesIO(speak("sí")), "t.wav"),
    )
    page = client.get(reply.headers["Location"]).get_data(as_text=True)
    assert "That take was not kept." in page and f'data-item="{item}"' in page


def test_skip_and_choose_by_code(client):
    page = client.get("/admin/studio/en").get_data(as_text=True)
    item = re.search(r'data-item="([0-9a-f]{16})"', page).group(1)
    assert post(client, "/admin/studio/en/skip", item=item).json["next"] == "/admin/studio/en"
    page = client.get("/admin/studio/en").get_data(as_text=True)
    assert "Part 2 of" in page
    codes = client.get("/admin/studio/en/prompts").get_data(as_text=True)
    assert '<span class="code">0</span>' in codes and '<span class="code">1</span>' in codes
    jump = client.get("/admin/studio/en/prompts?code=1")
    page = client.get(jump.headers["Location"]).get_data(as_text=True)
    assert "prompt code 1" in page
    assert client.get("/admin/studio/en/prompts?code=9999").status_code == 302


def test_a_phone_pin_is_shown_once(app, client):
    page = post(client, "/admin/studio/pin", json=False).get_data(as_text=True)
    pin = re.search(r'<strong class="pin">([\d ]+)</strong>', page).group(1).replace(" ", "")
    assert len(pin) == GENERATED_PIN
    with app.app_context():
        assert app.extensions["staff"].check_pin(pin, "caller-key") == "maria"
    page = client.get("/admin/studio").get_data(as_text=True)
    assert pin not in page.replace(" ", "") and "You have a phone PIN." in page


def test_the_coverage_page_shows_the_human_share(client):
    page = client.get("/admin/coverage").get_data(as_text=True)
    assert 'id="voice-share"' in page
    assert "Haitian Creole: 0 % of call time in a human voice" in page
    assert "only a draft voice" in page


def test_bad_input_never_500s(client):
    assert client.get("/admin/studio/xx").status_code == 404
    assert client.get("/admin/studio/es?item=zzz").status_code == 404
    assert client.get("/admin/studio/es?item=0123456789abcdef").status_code == 404
    assert post(client, "/admin/studio/es/takes", item="nope").status_code == 404
    assert post(client, "/admin/studio/es/takes/0123456789abcdef/keep").status_code == 200
    assert client.get("/admin/studio/takes/0123456789abcdef.wav").status_code == 404
    assert post(client, "/admin/studio/es/skip", item="x").status_code == 404
    assert client.get("/admin/studio/es/prompts?code=abc").status_code == 302


def test_the_session_reads_in_spanish_for_a_spanish_reader(app, client):
    app.extensions["staff"].set_language("maria", "es")
    page = client.get("/admin/studio/ht").get_data(as_text=True)
    assert "Grabando en Kreyòl ayisyen" in page
    assert "Parte 1 de" in page and "del tiempo de llamada con voz humana" in page
    assert "solo un borrador" in page


def log_in(app, name: str):
    client = app.test_client()
    token = csrf(client, "/admin/login")
    client.post("/admin/login", data={"name": name, "password": PASSWORD, "csrf_token": token})
    client.token = csrf(client, "/admin/studio")
    return client


def test_a_speaker_publishes_their_own_takes_and_an_editor_everyones(app, client):
    """Recording and publishing one's own takes is a speaker's; everyone's, an editor's."""
    accounts = app.extensions["staff"]
    for name, role in (("sara", "speaker"), ("luis", "speaker"), ("eddie", "editor")):
        accounts.add(name, PASSWORD, role)
        accounts.set_language(name, "en")
    studio = app.extensions["studio"]
    with app.app_context():
        for who in ("sara", "luis"):
            item = studio.next_item("en", who)
            take = studio.add_take(
                "en", item.clip.key, speak(item.clip.spoken, "en"), author=who, via="browser"
            )
            studio.keep(take.id, author=who)
    sara = log_in(app, "sara")
    page = sara.get("/admin/studio/en").get_data(as_text=True)
    assert "Publish my takes" in page and 'name="whose" value="all"' not in page
    refused = post(sara, "/admin/studio/en/publish", json=False, whose="all")
    assert refused.status_code == 403 and 'data-needs-role="editor"' in refused.get_data(
        as_text=True
    )
    assert post(sara, "/admin/studio/en/publish", json=False).status_code == 302
    assert [t.author for t in studio.takes("en", status="draft")] == ["luis"]
    log = app.extensions["publisher"].audit_log()[0]
    assert (log.who, log.action) == ("sara", "publish_takes")
    eddie = log_in(app, "eddie")
    page = eddie.get("/admin/studio/en").get_data(as_text=True)
    assert 'name="whose" value="all"' in page
    assert post(eddie, "/admin/studio/en/publish", json=False, whose="all").status_code == 302
    assert studio.takes("en", status="draft") == []
