"""Going back without surprises, drafts of words and numbers, translation checks and the
staffer's own language, through the console's pages (the real app and Publisher, on SQLite:
test_publish_undo_drafts runs the same changes on PostgreSQL too). What callers hear is read
from the /voice webhook's TwiML."""

from __future__ import annotations

import html
import re

import pytest
from test_console_pages import PASSWORD, first_menu, pack, token
from test_publish_support import as_heard

from ivr import create_app


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


def logged_in(app, name: str = "maria"):
    client = app.test_client()
    client.post(
        "/admin/login",
        data={"name": name, "password": PASSWORD, "csrf_token": token(client, "/admin/login")},
    )
    csrf = token(client)
    original_post = client.post

    def post(path, data=None, **kwargs):
        return original_post(path, data={"csrf_token": csrf, **(data or {})}, **kwargs)

    client.post = post
    return client


@pytest.fixture
def staff(app):
    return logged_in(app)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def language_prompt(app) -> str:
    return pack(app).flow.language_prompt


def spanish_words(app, word: str) -> str:
    prompt = language_prompt(app)
    return f"{word}. {pack(app).raw_texts('es')[prompt]}"


def a_voice_number(app):
    return next(n for n in pack(app).numbers.values() if n.voice)


def test_going_back_first_lists_every_later_change_and_asks(app, staff):
    publisher = app.extensions["publisher"]
    prompt = language_prompt(app)
    first = publisher.set_text("es", prompt, spanish_words(app, "Uno"), author="ana")
    publisher.set_text("es", prompt, spanish_words(app, "Dos"), author="luis")
    number = a_voice_number(app)
    publisher.set_number(number.id, e164="+12029189432", author="rosa")

    versions = text(staff.get("/admin/versions"))
    assert f'href="/admin/versions/{first.id}/restore"' in versions
    assert "Undo just this change" in versions

    preview = text(staff.get(f"/admin/versions/{first.id}/restore"))

    assert "Going back undoes these 2 changes made after it" in preview
    # Said first, in one sentence: what callers will hear afterwards.
    assert "Afterwards callers hear exactly what they heard after version 1" in preview
    coming = preview.split('id="coming"')[1].split("</ol>")[0]
    assert "Callers hear now:</span> <del>Dos.</del> Uno." in coming
    later = preview.split('id="later-changes"')[1]
    assert later.index("rosa") < later.index("luis")  # newest first
    assert "+<ins>1 202-918-9432</ins>" in later and "Language menu" in later
    assert "Before:" in later and "<ins>Dos.</ins> Uno." in later
    assert "es.yaml" not in later and "e164" not in later  # no files nor field ids
    assert publisher.live_version().id == "3"  # the preview changes nothing

    staff.post(f"/admin/versions/{first.id}/restore")
    assert publisher.pack().raw_texts("es")[prompt].startswith("Uno.")


def test_undo_just_this_change_keeps_a_later_number_fix(app, staff):
    publisher = app.extensions["publisher"]
    prompt = language_prompt(app)
    before = first_menu(app)
    words = publisher.set_text("es", prompt, spanish_words(app, "Hola"), author="ana")
    number = a_voice_number(app)
    publisher.set_number(number.id, e164="+12029189432", author="rosa")

    asked = text(staff.get(f"/admin/versions/{words.id}/undo"))
    assert f"Undo the change of version {words.id}?" in asked
    assert "Afterwards callers hear in Language menu: each language offers itself" in asked
    assert len(app.extensions["publisher"].versions()) == 2  # asking changed nothing

    response = staff.post(f"/admin/versions/{words.id}/undo", follow_redirects=True)

    assert f"The change made in version {words.id} is undone" in text(response)
    assert pack(app).numbers[number.id].e164 == "+12029189432"
    assert "Hola" not in first_menu(app) and first_menu(app) == before
    audit = text(staff.get("/admin/audit"))
    assert f"maria undid the change of version {words.id} to <em>Language menu" in audit


def test_undo_explains_which_later_change_is_in_the_way(app, staff):
    publisher = app.extensions["publisher"]
    prompt = language_prompt(app)
    first = publisher.set_text("es", prompt, spanish_words(app, "Uno"), author="ana")
    publisher.set_text("es", prompt, spanish_words(app, "Dos"), author="luis")

    response = staff.post(f"/admin/versions/{first.id}/undo")

    assert response.status_code == 409
    page = text(response)
    assert "This change cannot be undone on its own" in page and "Nothing was changed" in page
    blocking = page.split('id="blocking"')[1]
    assert "luis" in blocking and "Language menu" in blocking and "Dos." in blocking
    assert len(publisher.versions()) == 2


def test_a_text_draft_is_heard_then_published_and_never_reaches_callers_before(app, staff):
    prompt = language_prompt(app)
    before = first_menu(app)

    saved = staff.post(
        f"/admin/prompts/es/{prompt}/draft", data={"text": spanish_words(app, "Borrador")}
    )

    draft_page = saved.location
    assert re.fullmatch(r"/admin/drafts/[0-9a-f]{16}", draft_page)
    assert first_menu(app) == before  # the TwiML is the same while the draft waits
    page = text(staff.get(draft_page))
    assert "Callers do not hear it yet" in page and "Borrador." in page
    speech = re.search(r'data-src="(/admin/drafts/[^"]+\.wav)"', page).group(1)
    wav = staff.get(speech)
    assert wav.status_code == 200 and wav.mimetype == "audio/wav" and wav.data[:4] == b"RIFF"
    wav.close()
    assert app.test_client().get(speech).status_code == 302  # to the login: staff only
    assert "A draft is waiting" in text(staff.get(f"/admin/prompts/es/{prompt}"))
    assert "1 draft is waiting" in text(staff.get("/admin/"))
    assert "Borrador" not in first_menu(app)

    published = staff.post(f"{draft_page}/publish", follow_redirects=True)

    assert "Published. Version 1 is now live." in text(published)
    assert "Borrador" in as_heard(app, first_menu(app))  # as fresh computer audio
    assert staff.get(draft_page).status_code == 404
    assert "No drafts are waiting" in text(staff.get("/admin/drafts"))


def test_a_draft_the_line_would_refuse_is_not_saved(app, staff):
    menu = next(n for n in pack(app).flow.nodes.values() if n.options)
    option = menu.options[0].prompt
    response = staff.post(f"/admin/prompts/es/{option}/draft", data={"text": "Sin tecla"})
    assert response.status_code == 422
    assert "Not saved" in text(response)
    assert app.extensions["publisher"].text_drafts() == []


def test_a_number_draft_shows_every_prompt_that_says_it_in_every_language(app, staff):
    number = a_voice_number(app)
    before = first_menu(app)
    form = {
        "e164": "202-918-9432",
        "country": "US",
        "label": number.label,
        "dial_from": number.dial_from,
        "confirmed": "+12029189432",
        "as_draft": "1",
        **{f"channel_{c}": "1" for c in number.channels},
    }

    saved = staff.post(f"/admin/directory/numbers/{number.id}", data=form)

    page = text(staff.get(saved.location))
    assert "+1 202-918-9432" in page
    shown = set(re.findall(r'<li class="card" data-lang="(\w+)" data-prompt="([^"]+)"', page))
    speaking = {
        (language.code, pid)
        for language in pack(app).languages
        for pid, words in pack(app).texts(language.code).items()
        if pid == f"number.{number.id}"
    }
    assert speaking and speaking <= shown
    assert {lang for lang, _ in shown} == {language.code for language in pack(app).languages}
    assert first_menu(app) == before and pack(app).numbers[number.id].e164 == number.e164

    staff.post(f"{saved.location}/discard")
    assert app.extensions["publisher"].text_drafts() == []


def test_reused_audio_with_other_words_asks_before_bringing_them_back(app, staff):
    prompt = language_prompt(app)
    publisher = app.extensions["publisher"]
    [seed] = publisher.audio_history("es", prompt)
    original = pack(app).raw_texts("es")[prompt]
    publisher.set_text("es", prompt, spanish_words(app, "Nuevo"), author="ana")

    asked = text(staff.post(f"/admin/prompts/es/{prompt}/restore", data={"file": seed.file}))

    assert "Use this audio again?" in asked and "computer voice" in asked
    assert "the prompt’s words go back to the words it speaks" in asked
    assert "Use this audio and its words" in asked and "Cancel" in asked
    assert pack(app).raw_texts("es")[prompt].startswith("Nuevo.")  # nothing changed yet
    staff.post(f"/admin/prompts/es/{prompt}/restore", data={"file": seed.file, "words": "yes"})
    assert pack(app).raw_texts("es")[prompt] == original


def test_a_native_speaker_marks_words_checked_until_they_change(app, staff):
    prompt = language_prompt(app)
    page = text(staff.get(f"/admin/prompts/es/{prompt}"))
    assert "No native speaker has checked these words yet" in page
    assert "The words came with the installation" in page
    todo = text(staff.get("/admin/coverage?lang=es&review=todo"))
    assert f'data-prompt="{prompt}"' in todo

    staff.post(f"/admin/prompts/es/{prompt}/review")

    page = text(staff.get(f"/admin/prompts/es/{prompt}"))
    assert "Checked by a native speaker: maria" in page
    todo = text(staff.get("/admin/coverage?lang=es&review=todo"))
    assert f'data-prompt="{prompt}"' not in todo
    assert "maria checked the words of <em>Language menu" in text(staff.get("/admin/audit"))

    staff.post(f"/admin/prompts/es/{prompt}/text", data={"text": spanish_words(app, "Otra")})

    page = text(staff.get(f"/admin/prompts/es/{prompt}"))
    assert "No native speaker has checked these words yet" in page
    assert "Words last written by maria" in page


def test_the_coverage_counts_words_not_checked_per_language(app, staff):
    page = text(staff.get("/admin/coverage"))
    counts = dict(
        re.findall(
            r'data-lang="(\w+)".*?<p class="review-count">.*?<span class="badge \w+">(\d+)</span>',
            page,
            re.S,
        )
    )
    ids = pack(app).prompt_ids()  # every prompt callers can hear, with words staff write
    written = {c.code: len(ids & set(pack(app).raw_texts(c.code))) for c in pack(app).languages}
    assert {lang: int(n) for lang, n in counts.items()} == written


def test_the_language_switch_sets_the_account_for_every_browser(app, staff):
    staff.post("/admin/language", data={"lang": "es", "next": "/admin/"})
    assert app.extensions["staff"].get("maria").language == "es"

    elsewhere = logged_in(app)  # another browser, no choice of its own

    assert '<html lang="es">' in text(elsewhere.get("/admin/"))
    assert '<html lang="es">' in text(staff.get("/admin/"))
