"""A Spanish-reading staffer on a phone-sized Chromium (390 px): saves new words as a draft,
listens to them in the computer voice, publishes them; fixes a number; then undoes just her
words while the number fix stays, looks at what going back would undo (and keeps everything),
and marks a text as checked by a native speaker. One server, one browser, in order.

Set CONSOLE_SCREENSHOTS=/some/folder to keep a screenshot of every page.
"""

from __future__ import annotations

import os

import pytest
from test_browser_support import TIMEOUT_MS, needs_chromium
from test_console_phone_browser import PHONE, fits

from ivr import create_app
from ivr.sim.serve import serving

PASSWORD = "correct horse battery"
PROMPT = "main.children"
NEW_NUMBER = "+12029189432"

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    app = create_app({"ENV": {**os.environ, "HOTLINE_ENV": "development", "DATA_DIR": str(data)}})
    app.extensions["staff"].add("ana", PASSWORD)  # her account reads Spanish (the default)
    return app


@pytest.fixture(scope="module")
def original(app) -> str:
    return app.extensions["content"].current().raw_texts("es")[PROMPT]


@pytest.fixture(scope="module")
def page(app, original, browser):
    with serving(app) as base:
        context = browser.new_context(
            base_url=base, viewport=PHONE, is_mobile=True, has_touch=True, locale="en-US"
        )
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("dialog", lambda dialog: dialog.accept())
        yield page
        context.close()


def live(app):
    return app.extensions["content"].current()


def test_her_account_opens_the_console_in_spanish_whatever_the_browser_says(page):
    from playwright.sync_api import expect

    page.goto("/admin/login")
    page.get_by_label("Staff name").fill("ana")  # the login page follows the browser
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_text("Sesión de ana")).to_be_visible()


def test_a_draft_is_heard_in_the_computer_voice_then_published(page, app, original):
    from playwright.sync_api import expect

    page.goto(f"/admin/prompts/es/{PROMPT}")
    page.get_by_label("Texto en Español").fill("Hola. " + original)
    page.get_by_role("button", name="Guardar como borrador y escuchar").click()
    expect(page.locator("h1")).to_contain_text("Borrador: Menú principal – opción 4")
    expect(page.get_by_text("Quienes llaman todavía no lo oyen.")).to_be_visible()
    assert live(app).raw_texts("es")[PROMPT] == original  # callers: nothing changed
    fits(page, "text-draft")

    with page.expect_response(lambda r: "/speech/es/" in r.url) as heard:
        page.get_by_role("button", name="Escuchar (voz de computadora)").click()
    assert heard.value.status in (200, 206)  # the browser asks for a range of the audio
    assert heard.value.header_value("content-type") == "audio/wav"

    page.get_by_role("button", name="Publicar", exact=True).click()
    expect(page.get_by_text("Publicado. La versión 1 ya está en la línea.")).to_be_visible()
    assert live(app).raw_texts("es")[PROMPT] == "Hola. " + original


def test_a_later_number_fix(page, app):
    from playwright.sync_api import expect

    page.goto("/admin/directory/kind")
    form = page.locator("#number-kind")
    form.get_by_label("Número").fill("202-918-9432")
    form.get_by_label("País").select_option("US")
    form.get_by_role("button", name="Guardar este número").click()
    page.get_by_role("button", name="Sí, guardar +1 202-918-9432").click(timeout=180_000)
    expect(page.get_by_text("Número guardado: +1 202-918-9432.")).to_be_in_viewport()
    assert live(app).numbers["kind"].e164 == NEW_NUMBER


def test_going_back_lists_what_it_would_undo_and_she_keeps_everything(page, app):
    from playwright.sync_api import expect

    page.goto("/admin/versions")
    fits(page, "versions")
    page.locator("#version-1").get_by_role("link", name="Volver a la versión 1…").click()
    expect(page.locator("h1")).to_have_text("¿Volver a la versión 1?")
    expect(page.locator("#will-undo")).to_have_text("Volver deshace este 1 cambio hecho después:")
    later = page.locator("#later-changes")
    expect(later).to_contain_text("+1 202-918-9432")
    expect(later).to_contain_text("ana")
    fits(page, "restore-preview")
    page.get_by_role("link", name="No, dejar todo como está").click()
    expect(page.locator("h1")).to_have_text("Versiones")
    assert len(app.extensions["publisher"].versions()) == 2


def test_undo_just_her_words_keeps_the_number_fix(page, app, original):
    from playwright.sync_api import expect

    page.locator("#version-1").get_by_role("link", name="Deshacer solo este cambio…").click()
    expect(page.locator("h1")).to_have_text("¿Deshacer el cambio de la versión 1?")
    expect(page.locator("#afterwards")).to_have_text(
        f"Después, quienes llaman escuchan en Menú principal – opción 4 (español): «{original}»"
    )
    page.get_by_role("button", name="Sí, deshacerlo").click(timeout=180_000)
    expect(page.get_by_text("Se deshizo el cambio de la versión 1")).to_be_in_viewport()
    assert live(app).raw_texts("es")[PROMPT] == original
    assert live(app).numbers["kind"].e164 == NEW_NUMBER
    expect(page.locator("#version-3")).to_contain_text("ana deshizo el cambio de la versión 1")

    page.locator("#version-1").get_by_role("link", name="Deshacer solo este cambio…").click()
    expect(page.locator("h1")).to_have_text("Este cambio no se puede deshacer solo")
    expect(page.locator("#blocking")).to_contain_text("Versión 3")
    fits(page, "undo-blocked")


def test_a_native_speaker_marks_the_words_checked(page):
    from playwright.sync_api import expect

    page.goto("/admin/coverage?lang=es&review=todo")
    expect(page.locator(f'[data-prompt="{PROMPT}"]')).to_be_visible()
    page.goto(f"/admin/prompts/es/{PROMPT}")
    expect(page.locator("#written-by")).to_contain_text("ana")
    page.get_by_role("button", name="Hablo Español: este texto está bien").click()
    expect(page.locator("#review-status")).to_contain_text(
        "Revisado por una persona hablante nativa: ana"
    )
    fits(page, "prompt-checked")
    page.goto("/admin/coverage?lang=es&review=todo")
    expect(page.locator(f'[data-prompt="{PROMPT}"]')).to_have_count(0)
    fits(page, "coverage-not-checked")
