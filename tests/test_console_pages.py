"""The console's pages through the real Flask app and the real Publisher: what staff see, and
what callers hear after staff change something (the /voice webhook's TwiML)."""

from __future__ import annotations

import html
import io
import os
import re
import subprocess
from contextlib import contextmanager

import phonenumbers
import pytest

from ivr import create_app

PASSWORD = "correct horse battery"


@pytest.fixture
def app(tmp_path):
    # The pages on the embedded SQLite: what they change goes through the Publisher, whose own
    # tests (test_publish_*, test_db_*) run every change on SQLite and on PostgreSQL; the
    # console's own tables (accounts, sessions, roles) are tested on both in test_console_auth
    # and test_console_roles.
    env = {"HOTLINE_ENV": "development", "DATA_DIR": str(tmp_path)}
    app = create_app({"ENV": env, "TESTING": True})
    app.extensions["staff"].add("maria", PASSWORD)
    app.extensions["staff"].set_language("maria", "en")  # her account reads English
    return app


def token(client, path: str = "/admin/") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


@pytest.fixture
def staff(app):
    """A logged-in browser session; `staff.post(path, **form)` adds the CSRF token."""
    client = app.test_client()
    # These tests read the English wording; tests/test_console_i18n.py covers Spanish.
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
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


def es_words(app) -> str:
    """The words a new caller hears in the Spanish language prompt: said by <Say>, or spoken
    by the audio file a <Play> names (its words in the live audio manifest)."""
    verb = es_verb(first_menu(app))
    if not verb.startswith("/audio/es/"):
        return verb
    manifest = app.extensions["content"].snapshot().manifest
    file = verb.removeprefix("/audio/es/")
    return next(e.text for e in manifest.entries.values() if (e.language, e.file) == ("es", file))


@contextmanager
def speech_engine_down():
    """espeak-ng cannot be run (as on a machine where it broke): a change still goes out, and
    the computer audio of the words it changes stays out of date."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", "/nonexistent")
        yield


def speech_wav(path, words: str) -> bytes:
    subprocess.run(["espeak-ng", "-v", "es", "-w", str(path), words], check=True)
    return path.read_bytes()


# -- reading -------------------------------------------------------------------------------------


PROMPT_ROW = r'data-prompt="([^"]+)"'
CELL = r'<div class="lang-row" data-lang="(\w+)" data-status="(\w+)"'


def every_page(staff, path: str) -> str:
    """The whole list, page after page (long lists are paged)."""
    pages, url = [], path
    while url:
        page = staff.get(url).get_data(as_text=True)
        pages.append(page)
        following = re.search(r'rel="next" href="([^"]+)"', page)
        url = following.group(1).replace("&amp;", "&") if following else None
    return "".join(pages)


def test_the_coverage_list_shows_every_prompt_in_every_language_with_counts(app, staff):
    page = every_page(staff, "/admin/coverage")
    content = pack(app)
    rows = re.findall(PROMPT_ROW, page)
    assert sorted(rows) == sorted(content.prompt_ids())
    cells = re.findall(CELL, page)
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
        "es", "safety.notice", content.spoken_text("es", "safety.notice")
    )
    assert f'data-src="{url}"' in page


def test_the_coverage_filters_by_language_status_and_node(app, staff):
    content = pack(app)
    prompt = content.flow.language_prompt
    original = content.raw_texts("es")[prompt]
    with speech_engine_down():  # no new audio: the old one is out of date
        staff.post(f"/admin/prompts/es/{prompt}/text", data={"text": "Hola. " + original})

    stale = staff.get("/admin/coverage?lang=es&status=stale").get_data(as_text=True)
    assert re.findall(PROMPT_ROW, stale) == [prompt]
    assert [lang for lang, _ in re.findall(CELL, stale)] == ["es"]  # only the Spanish line
    english = staff.get("/admin/coverage?lang=en&status=stale").get_data(as_text=True)
    assert prompt not in re.findall(PROMPT_ROW, english)

    node = content.flow.main
    main = staff.get(f"/admin/coverage?node={node}").get_data(as_text=True)
    shown = re.findall(PROMPT_ROW, main)
    assert {o.prompt for o in content.flow.nodes[node].options} <= set(shown)
    assert content.flow.language_prompt not in shown


def test_the_flow_picture_is_drawn_by_graphviz_from_the_pack_and_links_every_node(app, staff):
    page = staff.get("/admin/flow?lang=es").get_data(as_text=True)
    content = pack(app)
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    linked = set(re.findall(r'xlink:href="/admin/coverage\?node=([^"]+)"', svg))
    assert set(content.flow.nodes) <= linked  # every part of the call is a box to tap
    titles = {html.unescape(t) for t in re.findall(r'xlink:title="([^"]+)"', svg)}
    words = html.unescape(svg)  # Graphviz writes "-" as &#45;
    for node in content.flow.nodes.values():
        if node.number:
            number = content.numbers[node.number]
            name = content.organizations[number.org].name
            assert (
                phonenumbers.format_number(
                    phonenumbers.parse(number.e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL
                )
                in words
            )
            assert f"Transfer to {name}" in titles  # the full name, not cut
    assert not any(nid in titles for nid in content.flow.nodes if "_" in nid)  # no ids
    for option in content.flow.nodes[content.flow.main].options:
        assert content.text("es", option.prompt) in page  # the list below the picture


# -- changing a text -----------------------------------------------------------------------------


def test_an_edited_text_goes_live_with_new_audio_and_is_recorded_in_versions_and_audit(app, staff):
    content = pack(app)
    prompt = content.flow.language_prompt
    before = es_verb(first_menu(app))
    assert before.startswith("/audio/es/")  # the seed has current audio for it
    new = "Bienvenido. " + content.raw_texts("es")[prompt]

    response = staff.post(f"/admin/prompts/es/{prompt}/text", data={"text": new})

    assert response.status_code == 302
    played = es_verb(first_menu(app))
    assert played.startswith("/audio/es/") and played != before  # computer audio of new words
    assert es_words(app) == new
    page = staff.get(f"/admin/prompts/es/{prompt}").get_data(as_text=True)
    assert "Saved. Version 1 is now live." in page
    assert prompt not in app.extensions["audio"].status(pack(app))["es"].stale
    versions = staff.get("/admin/versions").get_data(as_text=True)
    assert "live now" in versions and "maria" in versions
    audit = staff.get("/admin/audit").get_data(as_text=True)
    assert "maria" in audit and "Bienvenido." in audit
    assert (
        '<p class="sentence">maria changed the words of <em>Language menu: each language offers '
        "itself (Spanish)</em></p>" in audit
    )


def test_a_text_the_validator_refuses_is_kept_in_the_form_with_the_reason(app, staff):
    content = pack(app)
    prompt = content.flow.language_prompt
    before = first_menu(app)

    response = staff.post(f"/admin/prompts/es/{prompt}/text", data={"text": "Sin tecla."})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Not saved." in page
    # In plain words, with the way this language says its keys; the validator's own words
    # (file and key) stay for developers.
    assert "The text must end by saying which key to press, for example: «… oprima 1.»" in page
    assert f"text/es.yaml: {prompt}:" in page
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
    with speech_engine_down():  # the number goes out; its audio waits
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


def test_one_click_makes_new_audio_in_every_language_after_a_number_change(app, staff):
    publisher = app.extensions["publisher"]
    with speech_engine_down():  # the number goes out; its audio waits
        publisher.set_number("kind", e164="+12029189432", author="maria")
    stale = app.extensions["audio"].status(publisher.pack())
    out_of_date = sum(len(stale[language.code].stale) for language in publisher.pack().languages)
    page = staff.get("/admin/coverage").get_data(as_text=True)
    assert f"for the {out_of_date} prompts out of date, in every language" in page

    response = staff.post("/admin/coverage/rebuild", data={"lang": ""})

    assert response.status_code == 302
    after = app.extensions["audio"].status(publisher.pack())
    assert all(after[language.code].stale == [] for language in publisher.pack().languages)
    assert len(publisher.versions()) == 2  # the number, then all the audio as one version


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
    assert "recorded by staff" in page and "Recorded by maria" in page
    # One click brings the earlier audio back.
    old_file = old.rsplit("/", 1)[1]
    assert f'value="{old_file}"' in page
    asked = staff.post(f"/admin/prompts/es/{prompt}/restore", data={"file": old_file})
    assert asked.status_code == 200 and "Use this audio again?" in asked.get_data(as_text=True)
    assert es_verb(first_menu(app)) == now  # asking changed nothing
    staff.post(f"/admin/prompts/es/{prompt}/restore", data={"file": old_file, "words": "yes"})
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
    assert "broken.m4a" in page and "the old audio is still in place" in page.lower()
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


def number_form(number, **changes) -> dict:
    return {
        "e164": number.e164,
        "label": number.label,
        "dial_from": number.dial_from,
        **{f"channel_{c}": "1" for c in number.channels},
        **changes,
    }


def test_a_us_number_typed_with_dashes_is_read_back_then_saved_in_e164(app, staff):
    kind = pack(app).numbers["kind"]

    check = staff.post(
        "/admin/directory/numbers/kind", data=number_form(kind, e164="202-918-9432", country="US")
    )

    assert check.status_code == 200
    page = check.get_data(as_text=True)
    assert re.search(r'id="normalized">\+1 202-918-9432<', page)
    said_by = re.findall(r'href="/admin/prompts/(\w+)/([^"]+)"', page.split('class="says"')[1])
    assert ("es", "children.numbers") in said_by and ("en", "children.numbers") in said_by
    assert pack(app).numbers["kind"].e164 == kind.e164  # nothing saved before the yes

    confirmed = re.search(r'name="confirmed" value="([^"]+)"', page).group(1)
    saved = staff.post(
        "/admin/directory/numbers/kind",
        data=number_form(kind, e164="202-918-9432", country="US", confirmed=confirmed),
    )

    assert saved.status_code == 302
    assert pack(app).numbers["kind"].e164 == "+12029189432"
    assert saved.location == "/admin/directory/kind#number-kind"  # back at the number
    organization = staff.get(saved.location).get_data(as_text=True)
    assert re.search(r'id="saved-number-kind">Number saved: \+1 202-918-9432\.', organization)
    assert '<span class="nowrap">+1 202-918-9432</span>' in organization  # its title too
    audit = staff.get("/admin/audit").get_data(as_text=True)
    assert "maria changed a phone number of <em>KIND (Kids in Need of Defense)</em>" in audit
    # Read as a person writes it, the digits that changed marked.
    assert "+1 202-918-<del>9431</del>" in audit and "+1 202-918-<ins>9432</ins>" in audit


def test_a_mexican_number_typed_with_spaces_takes_the_country_chosen(app, staff):
    number = voice_number(app)  # a Mexican number
    check = staff.post(
        f"/admin/directory/numbers/{number.id}",
        data=number_form(number, e164="664 208 8995", country="MX"),
    )
    assert re.search(r'id="normalized">\+52 664 208 8995<', check.get_data(as_text=True))


def test_a_bad_number_is_refused_in_plain_words_and_kept_in_the_form(app, staff):
    number = voice_number(app)
    response = staff.post(
        f"/admin/directory/numbers/{number.id}", data=number_form(number, e164="+1 555")
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Not saved." in page
    assert "«+1 555» is not a complete number in" in page and "Check it on the flyer" in page
    assert 'value="+1 555"' in page
    assert pack(app).numbers[number.id].e164 == number.e164


def test_without_graphviz_the_flow_page_says_so_and_still_lists_the_call(app, staff, monkeypatch):
    from ivr.console import flowsvg

    def no_dot(*args, **kwargs):
        raise FileNotFoundError("dot")

    monkeypatch.setattr(flowsvg.subprocess, "run", no_dot)
    monkeypatch.setattr(flowsvg, "_cache", {})
    page = staff.get("/admin/flow")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Graphviz is missing" in body and "<svg" not in body
    assert "Main menu" in body.split("The same, as a list")[1]


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
    assert es_words(app).startswith("Dos.")

    response = staff.post("/admin/versions/1/restore")

    assert response.status_code == 302
    assert es_words(app).startswith("Uno.")
    page = staff.get("/admin/versions").get_data(as_text=True)
    assert "back to version 1, published again as version 3" in page
    assert re.search(r'id="version-3">\s*<h2>Version 3 <span class="live">live now', page)


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
    assert "Live now: version 1, by maria," in home


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
    # Words that do not compress away, still short enough for the validator.
    big = "Hola. " + content.raw_texts("es")[prompt] + " " + os.urandom(300).hex()

    response = staff.post(
        f"/admin/prompts/es/{prompt}/text", data={"text": big, "csrf_token": csrf}
    )

    assert response.status_code == 503
    assert "refused to save" in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert first_menu(app) == before and app.extensions["publisher"].versions() == []
    assert staff.get(f"/admin/prompts/es/{prompt}").status_code == 200  # reading still works


def test_a_prompt_leads_back_to_the_list_it_was_opened_from_with_its_filters(staff):
    staff.get("/admin/coverage?lang=es&status=tts&page=2")
    page = staff.get("/admin/prompts/es/main.children").get_data(as_text=True)
    assert 'href="/admin/coverage?lang=es&amp;status=tts&amp;page=2" id="back"' in page
    staff.get("/admin/search?q=oprima")
    page = staff.get("/admin/prompts/en/main.children").get_data(as_text=True)
    assert 'href="/admin/search?q=oprima" id="back"' in page
