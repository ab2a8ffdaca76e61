"""The console's pages through the real Flask app and the real Publisher: what staff see, and
what callers hear after staff change something (the /voice webhook's TwiML)."""

from __future__ import annotations

import io
import re
import subprocess

import pytest

from ivr import create_app

PASSWORD = "correct horse battery"


@pytest.fixture
def app(tmp_path, database_url):
    env = {"HOTLINE_ENV": "development", "DATA_DIR": str(tmp_path), "DATABASE_URL": database_url}
    app = create_app({"ENV": env, "TESTING": True})
    app.extensions["staff"].add("maria", PASSWORD)
    return app


def token(client, path: str = "/admin/") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


@pytest.fixture
def staff(app):
    """A logged-in browser session; `staff.post(path, **form)` adds the CSRF token."""
    client = app.test_client()
    client.post(
        "/admin/login",
        data={"name": "maria", "password": PASSWORD, "csrf_token": token(client, "/admin/login")},
    )
    csrf = token(client)
    original_post = client.post

    def post(path, data=None, **kwargs):
        return original_post(path, data={"csrf_token": csrf, **(data or {})}, **kwargs)

    client.post = post
    return client


def pack(app):
    return app.extensions["content"].current()


def first_menu(app) -> str:
    """What a new caller hears: every language offering itself (the language prompt)."""
    return app.test_client().post("/voice").get_data(as_text=True)


def es_verb(twiml: str) -> str:
    """The verb that speaks the Spanish language prompt: a <Play> of a file, or a <Say>."""
    play = re.search(r"<Play>(/audio/es/[^<]+)</Play>", twiml)
    return play.group(1) if play else re.search(r'<Say language="es[^"]*"[^>]*>([^<]+)', twiml)[1]


def speech_wav(path, words: str) -> bytes:
    subprocess.run(["espeak-ng", "-v", "es", "-w", str(path), words], check=True)
    return path.read_bytes()


# -- reading -------------------------------------------------------------------------------------


def test_the_coverage_grid_shows_every_prompt_in_every_language_with_counts(app, staff):
    page = staff.get("/admin/coverage").get_data(as_text=True)
    content = pack(app)
    rows = re.findall(r'<tr data-prompt="([^"]+)"', page)
    assert sorted(rows) == sorted(content.prompt_ids())
    cells = re.findall(r'<td data-lang="(\w+)" data-status="(\w+)"', page)
    assert len(cells) == len(rows) * len(content.languages)
    report = app.extensions["audio"].status(content)
    for language in content.languages:
        statuses = [s for lang, s in cells if lang == language.code]
        coverage = report[language.code]
        assert statuses.count("stale") == len(coverage.stale)
        assert statuses.count("missing") == len(coverage.missing)
        assert statuses.count("staff") + statuses.count("tts") == coverage.current
    # Current audio has a play button pointing at the file callers hear.
    url = app.extensions["audio"].url_for(
        "es", "safety.notice", content.text("es", "safety.notice")
    )
    assert f'data-src="{url}"' in page


def test_the_coverage_filters_by_language_status_and_node(app, staff):
    content = pack(app)
    prompt = content.flow.language_prompt
    original = content.raw_texts("es")[prompt]
    staff.post(f"/admin/prompts/es/{prompt}/text", data={"text": "Hola. " + original})

    stale = staff.get("/admin/coverage?lang=es&status=stale").get_data(as_text=True)
    assert re.findall(r'<tr data-prompt="([^"]+)"', stale) == [prompt]
    assert re.findall(r'<td data-lang="(\w+)"', stale) == ["es"]  # only the Spanish column
    english = staff.get("/admin/coverage?lang=en&status=stale").get_data(as_text=True)
    assert prompt not in re.findall(r'<tr data-prompt="([^"]+)"', english)

    node = content.flow.main
    main = staff.get(f"/admin/coverage?node={node}").get_data(as_text=True)
    shown = re.findall(r'<tr data-prompt="([^"]+)"', main)
    assert {o.prompt for o in content.flow.nodes[node].options} <= set(shown)
    assert content.flow.language_prompt not in shown


def test_the_flow_picture_is_drawn_from_the_pack_and_links_every_node(app, staff):
    page = staff.get("/admin/flow?lang=es").get_data(as_text=True)
    content = pack(app)
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    drawn = set(re.findall(r'data-node="([^"]+)"', svg))
    assert set(content.flow.nodes) <= drawn
    for nid in content.flow.nodes:
        assert f'href="/admin/coverage?node={nid}"' in svg
    for node in content.flow.nodes.values():
        if node.number:
            number = content.numbers[node.number]
            name = content.organizations[number.org].name
            assert number.e164 in svg
            assert f"Transfer: {name}"[:20] in svg
    for option in content.flow.nodes[content.flow.main].options:
        assert content.text("es", option.prompt) in page  # the list below the picture


# -- changing a text -----------------------------------------------------------------------------


def test_an_edited_text_goes_live_as_say_and_is_recorded_in_versions_and_audit(app, staff):
    content = pack(app)
    prompt = content.flow.language_prompt
    before = es_verb(first_menu(app))
    assert before.startswith("/audio/es/")  # the seed has current audio for it
    new = "Bienvenido. " + content.raw_texts("es")[prompt]

    response = staff.post(f"/admin/prompts/es/{prompt}/text", data={"text": new})

    assert response.status_code == 302
    assert es_verb(first_menu(app)) == new  # callers hear the new words, said by <Say>
    page = staff.get(f"/admin/prompts/es/{prompt}").get_data(as_text=True)
    assert "Saved. Version 1 is now live." in page
    assert "text changed: audio out of date" in page
    versions = staff.get("/admin/versions").get_data(as_text=True)
    assert "live now" in versions and "maria" in versions
    audit = staff.get("/admin/audit").get_data(as_text=True)
    assert "maria" in audit and f"es {prompt}" in audit and "Bienvenido." in audit


def test_a_text_the_validator_refuses_is_kept_in_the_form_with_the_reason(app, staff):
    content = pack(app)
    prompt = content.flow.language_prompt
    before = first_menu(app)

    response = staff.post(f"/admin/prompts/es/{prompt}/text", data={"text": "Sin tecla."})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Not saved." in page
    assert f"text/es.yaml: {prompt}:" in page  # the file and key, as the validator says
    assert ">Sin tecla.</textarea>" in page  # what staff typed is not lost
    assert first_menu(app) == before


def test_rebuild_makes_the_new_text_play_again(app, staff):
    content = pack(app)
    prompt = content.flow.language_prompt
    old_file = es_verb(first_menu(app))
    staff.post(
        f"/admin/prompts/es/{prompt}/text",
        data={"text": "Hola. " + content.raw_texts("es")[prompt]},
    )

    assert staff.post(f"/admin/prompts/es/{prompt}/rebuild").status_code == 302

    now = es_verb(first_menu(app))
    assert now.startswith(f"/audio/es/{prompt}.") and now != old_file
    with app.test_client().get(now) as audio:
        assert audio.status_code == 200
    page = staff.get(f"/admin/prompts/es/{prompt}").get_data(as_text=True)
    assert "computer voice" in page and "espeak" in page


def test_one_click_makes_new_audio_for_what_a_number_change_left_out_of_date(app, staff):
    publisher = app.extensions["publisher"]
    publisher.set_number("kind", e164="+12029189432", author="maria")
    stale = app.extensions["audio"].status(publisher.pack())
    assert stale["es"].stale and stale["en"].stale

    response = staff.post("/admin/coverage/rebuild", data={"lang": "es"})

    assert response.status_code == 302
    after = app.extensions["audio"].status(publisher.pack())
    assert after["es"].stale == [] and after["en"].stale == stale["en"].stale
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert f"New audio made for {len(stale['es'].stale)} prompt(s)." in page
    assert publisher.audit_log()[0].action == "rebuild_stale"


# -- recordings ----------------------------------------------------------------------------------


def test_an_upload_is_previewed_then_published_and_played(app, staff, tmp_path):
    prompt = pack(app).flow.language_prompt
    old = es_verb(first_menu(app))
    data = speech_wav(tmp_path / "me.wav", "Español, oprima uno.")

    staged = staff.post(
        f"/admin/prompts/es/{prompt}/upload",
        data={"audio": (io.BytesIO(data), "me.wav")},
        content_type="multipart/form-data",
    )

    assert staged.status_code == 302 and "/draft/" in staged.location
    assert es_verb(first_menu(app)) == old  # nothing live changed yet
    preview = staff.get(staged.location).get_data(as_text=True)
    wav = re.search(r'src="(/admin/drafts/[^"]+\.wav)"', preview).group(1)
    with staff.get(wav) as audio:
        assert audio.status_code == 200 and audio.data[:4] == b"RIFF"
    publish = re.search(r'action="([^"]+/publish)"', preview).group(1)

    assert staff.post(publish).status_code == 302

    now = es_verb(first_menu(app))
    assert now != old and now.startswith(f"/audio/es/{prompt}.")
    page = staff.get(f"/admin/prompts/es/{prompt}").get_data(as_text=True)
    assert "recorded by staff" in page and "staff:maria" in page
    # One click brings the earlier audio back.
    old_file = old.rsplit("/", 1)[1]
    assert f'value="{old_file}"' in page
    staff.post(f"/admin/prompts/es/{prompt}/restore", data={"file": old_file})
    assert es_verb(first_menu(app)) == old


def test_a_recording_sent_by_fetch_gets_json_with_the_preview_address(app, staff, tmp_path):
    prompt = pack(app).flow.language_prompt
    data = speech_wav(tmp_path / "me.wav", "Español, oprima uno.")
    response = staff.post(
        f"/admin/prompts/es/{prompt}/upload",
        data={"audio": (io.BytesIO(data), "recording.wav")},
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    assert "/draft/" in response.get_json()["draft"]


def test_a_corrupt_upload_is_refused_with_the_reason_and_the_old_audio_still_plays(app, staff):
    prompt = pack(app).flow.language_prompt
    before = first_menu(app)

    response = staff.post(
        f"/admin/prompts/es/{prompt}/upload",
        data={"audio": (io.BytesIO(b"not audio at all" * 64), "broken.m4a")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "That recording was not used." in page
    assert "broken.m4a" in page and "the old audio is still in place" in page
    assert first_menu(app) == before


def test_uploads_bigger_than_a_webhook_are_accepted_up_to_the_audio_limit(app, staff, tmp_path):
    prompt = pack(app).flow.language_prompt
    data = speech_wav(tmp_path / "long.wav", "Español, oprima uno. " * 6)
    assert len(data) > 256 * 1024  # larger than the app-wide limit for Twilio's webhooks
    response = staff.post(
        f"/admin/prompts/es/{prompt}/upload",
        data={"audio": (io.BytesIO(data), "long.wav")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302


# -- the directory -------------------------------------------------------------------------------


def voice_number(app):
    content = pack(app)
    node = next(n for n in content.flow.nodes.values() if n.number)
    return content.numbers[node.number]


def test_a_number_typed_with_spaces_is_saved_in_e164_and_spoken_from_then_on(app, staff):
    number = voice_number(app)
    new = number.e164[:-2] + ("00" if number.e164[-2:] != "00" else "11")
    spaced = f"{new[:3]} {new[3:6]} {new[6:9]}-{new[9:]}"
    response = staff.post(
        f"/admin/directory/numbers/{number.id}",
        data={
            "e164": spaced,
            "label": number.label,
            "dial_from": number.dial_from,
            **{f"channel_{c}": "1" for c in number.channels},
        },
    )
    assert response.status_code == 302
    assert pack(app).numbers[number.id].e164 == new
    page = staff.get("/admin/directory").get_data(as_text=True)
    assert f"Number {number.id} saved." in page and f'value="{new}"' in page
    assert "number" in staff.get("/admin/audit").get_data(as_text=True)


def test_a_bad_number_is_refused_naming_the_problem_and_kept_in_the_form(app, staff):
    number = voice_number(app)
    response = staff.post(
        f"/admin/directory/numbers/{number.id}",
        data={
            "e164": "+1 555",
            "label": number.label,
            "dial_from": number.dial_from,
            **{f"channel_{c}": "1" for c in number.channels},
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Not saved." in page and "directory.yaml" in page and "E.164" in page
    assert 'value="+1555"' in page
    assert pack(app).numbers[number.id].e164 == number.e164


def test_an_organization_name_change_reaches_the_flow_picture(app, staff):
    number = voice_number(app)
    org = pack(app).organizations[number.org]
    response = staff.post(
        f"/admin/directory/organizations/{org.id}",
        data={"name": org.name + " (new office)", "region": org.region, "helps": org.helps},
    )
    assert response.status_code == 302
    assert "(new office)" in staff.get("/admin/flow").get_data(as_text=True)


# -- versions ------------------------------------------------------------------------------------


def test_going_back_to_an_earlier_version_publishes_it_again(app, staff):
    content = pack(app)
    prompt = content.flow.language_prompt
    original = content.raw_texts("es")[prompt]
    staff.post(f"/admin/prompts/es/{prompt}/text", data={"text": "Uno. " + original})
    staff.post(f"/admin/prompts/es/{prompt}/text", data={"text": "Dos. " + original})
    assert es_verb(first_menu(app)).startswith("Dos.")

    response = staff.post("/admin/versions/1/restore")

    assert response.status_code == 302
    assert es_verb(first_menu(app)).startswith("Uno.")
    page = staff.get("/admin/versions").get_data(as_text=True)
    assert "back to version 1, published again as version 3" in page
    assert re.search(r'id="version-3"><td>3 <span class="live">live now', page)


def test_a_number_must_take_calls_or_whatsapp(app, staff):
    number = voice_number(app)
    response = staff.post(
        f"/admin/directory/numbers/{number.id}",
        data={"e164": number.e164, "label": number.label, "dial_from": number.dial_from},
    )
    assert response.status_code == 422
    assert "Tick at least one" in response.get_data(as_text=True)
    assert pack(app).numbers[number.id].channels == number.channels


def test_a_file_over_the_upload_limit_is_refused_in_plain_words(app, staff, monkeypatch):
    from ivr.console import web

    # A smaller limit for the test: Werkzeug's test client spools bodies over 500 kB to a
    # temporary file it never closes, which pytest (warnings are errors) reports.
    monkeypatch.setattr(web, "MAX_UPLOAD", 300 * 1024)
    prompt = pack(app).flow.language_prompt
    before = first_menu(app)
    response = staff.post(
        f"/admin/prompts/es/{prompt}/upload",
        data={"audio": (io.BytesIO(b"\0" * (400 * 1024)), "huge.wav")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "That file is too big. Send a recording smaller than 0.3 MB." in response.get_data(
        as_text=True
    )
    assert first_menu(app) == before


def test_the_first_change_can_be_undone_by_going_back_to_the_installed_content(app, staff):
    prompt = pack(app).flow.language_prompt
    installed = first_menu(app)
    staff.post(
        f"/admin/prompts/es/{prompt}/text",
        data={"text": "Uno. " + pack(app).raw_texts("es")[prompt]},
    )
    assert first_menu(app) != installed

    response = staff.post("/admin/versions/installed/restore")

    assert response.status_code == 302
    assert first_menu(app) == installed
    page = staff.get("/admin/versions").get_data(as_text=True)
    assert "back to the installed content, published as version 2" in page


def test_home_says_which_version_is_live_and_who_made_it(app, staff):
    assert "came with the installation" in staff.get("/admin/").get_data(as_text=True)
    prompt = pack(app).flow.language_prompt
    staff.post(
        f"/admin/prompts/es/{prompt}/text",
        data={"text": "Hola. " + pack(app).raw_texts("es")[prompt]},
    )
    home = staff.get("/admin/").get_data(as_text=True)
    assert "Live now: <strong>version 1</strong>, by maria" in home


def test_a_filter_nothing_matches_says_so(staff):
    page = staff.get("/admin/coverage?status=missing").get_data(as_text=True)
    assert "no prompt matches this filter" in page


def test_a_full_database_refuses_the_change_plainly_and_the_line_keeps_answering(tmp_path):
    import sqlalchemy as sa

    # SQLite only: its max_page_count stands in for a full disk.
    env = {"HOTLINE_ENV": "development", "DATA_DIR": str(tmp_path / "full")}
    app = create_app({"ENV": env, "TESTING": True})
    app.extensions["staff"].add("maria", PASSWORD)
    staff = app.test_client()
    staff.post(
        "/admin/login",
        data={"name": "maria", "password": PASSWORD, "csrf_token": token(staff, "/admin/login")},
    )
    csrf = token(staff)
    database = app.extensions["db"]
    content = pack(app)
    prompt = content.flow.language_prompt
    before = first_menu(app)
    with database.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()

    @sa.event.listens_for(database.engine, "connect")
    def full(dbapi_connection, _record):  # not one page more: as if the disk were full
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    database.engine.dispose()
    big = "Hola. " + content.raw_texts("es")[prompt] + " ¿Me oye?" * 500

    response = staff.post(
        f"/admin/prompts/es/{prompt}/text", data={"text": big, "csrf_token": csrf}
    )

    assert response.status_code == 503
    assert "refused to save" in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert first_menu(app) == before and app.extensions["publisher"].versions() == []
    assert staff.get(f"/admin/prompts/es/{prompt}").status_code == 200  # reading still works
