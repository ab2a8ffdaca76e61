"""Done when (issue 19): on a 390 px phone, in Spanish, tried as a new user would, a staffer
finds an organization by a few digits of its number, fixes it, sees the change confirmed in
view, sees on the versions page exactly what changed, undoes it after a plain question, and
reads the counts page. Debian's Chromium, headless, against a real server on 127.0.0.1.

A screenshot of every page at 390 px is written to tests/screenshots/task/ (gitignored), or
to the folder CONSOLE_SCREENSHOTS names: NN-<page>.png is the whole page, NN-<page>-view.png
what is on the screen at that moment.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_browser_support import TIMEOUT_MS, needs_chromium

from ivr import create_app
from ivr.sim.serve import serving

PASSWORD = "correct horse battery"
PHONE = {"width": 390, "height": 844}
OLD, NEW = "+12029189431", "+12029189432"
PUBLISH_MS = 180_000
SHOTS = Path(
    os.environ.get("CONSOLE_SCREENSHOTS") or Path(__file__).parent / "screenshots" / "task"
)

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    app = create_app({"ENV": {**os.environ, "HOTLINE_ENV": "development", "DATA_DIR": str(data)}})
    app.extensions["staff"].add("marisol", PASSWORD)  # a new account: the console in Spanish
    counts = app.extensions["counts"]
    for lang, node, event, detail, n in [
        ("", "", "call_answered", "", 60),
        ("es", "mpp_active", "chosen", "", 21),
        ("es", "children", "chosen", "", 9),
        ("ht", "waitlist", "chosen", "", 8),
        ("en", "no_mpp", "chosen", "", 6),
        ("es", "t_kind", "transfer_started", "kind", 11),
        ("es", "t_kind", "transfer_no-answer", "kind", 6),
        ("es", "t_kind", "transfer_completed", "kind", 5),
        ("es", "mpp_active_menu", "menu_offered", "", 21),
        ("es", "mpp_active_menu", "menu_reply", "key", 12),
        ("es", "mpp_active_menu", "sms_sent", "", 7),
        ("es", "mpp_active_menu", "sms_over_quota", "", 5),
    ]:
        counts.add(lang, node, event, detail, n)
    return app


@pytest.fixture(scope="module")
def page(app, browser):
    with serving(app) as base:
        context = browser.new_context(
            base_url=base, viewport=PHONE, is_mobile=True, has_touch=True, locale="es-MX"
        )
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        yield page
        context.close()


def number(app) -> str:
    return app.extensions["content"].current().numbers["kind"].e164


def shot(page, name: str) -> None:
    """The whole page and what is on screen now; and it fits the phone's width."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.screenshot(path=str(SHOTS / f"{name}-view.png"))
    wide, window = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide <= window, f"{name}: {wide} px wide in a {window} px window"


def test_1_she_logs_in_and_finds_the_organization_by_a_few_digits(page):
    from playwright.sync_api import expect

    print(f"\nscreenshots: {SHOTS}")
    page.goto("/admin/")
    page.get_by_label("Nombre de usuario").fill("marisol")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    expect(page.get_by_text("Sesión de marisol")).to_be_visible()
    page.get_by_role("navigation").get_by_role("link", name="Números de teléfono").click()
    expect(page.locator("h1")).to_have_text("Organizaciones y números de teléfono")
    shot(page, "01-directorio")

    page.get_by_label("Buscar una organización").fill("918 94")
    page.get_by_role("button", name="Buscar", exact=True).click()
    expect(page.locator("#directory-count")).to_contain_text("1 organización encontrada")
    card = page.locator('[data-org="kind"]')
    expect(card.locator("li.matched mark")).to_have_text("+1 202-918-9431")
    shot(page, "02-directorio-918")
    card.get_by_role("link", name="KIND (Kids in Need of Defense)").click()
    expect(page.locator("h1")).to_have_text("KIND (Kids in Need of Defense)")
    shot(page, "03-organizacion")


def test_2_a_number_with_letters_is_refused_and_shown_back(page, app):
    from playwright.sync_api import expect

    form = page.locator("#number-kind")
    form.get_by_label("Número").fill("202-918-94AB")
    form.get_by_role("button", name="Guardar este número").click()
    refused = page.locator("#number-kind #problems")
    expect(refused).to_contain_text("«202-918-94AB» no es un número de teléfono")
    expect(refused).to_be_in_viewport()
    expect(page.locator("#number-kind").get_by_label("Número")).to_have_value("202-918-94AB")
    assert number(app) == OLD
    shot(page, "04-numero-con-letras")


def test_3_she_fixes_it_and_sees_it_confirmed_where_she_is(page, app):
    from playwright.sync_api import expect

    form = page.locator("#number-kind")
    form.get_by_label("Número").fill("202-918-9432")
    form.get_by_label("País").select_option("US")
    form.get_by_role("button", name="Guardar este número").click()
    expect(page.locator("h1")).to_have_text("Revise el número nuevo")
    expect(page.locator("#normalized")).to_have_text("+1 202-918-9432")
    # The label said the old number: it is offered with the new one.
    expect(page.get_by_label("Descripción")).to_have_value("KIND phone number: (202) 918-9432")
    shot(page, "05-revise-el-numero")
    # Publishing makes computer audio of every prompt that says the number (2 cores, shared).
    page.get_by_role("button", name="Sí, guardar +1 202-918-9432").click(timeout=PUBLISH_MS)

    saved = page.locator("#saved-number-kind")
    expect(saved).to_contain_text("Número guardado: +1 202-918-9432.")
    expect(saved).to_be_in_viewport()  # next to the number, on the screen she is looking at
    title = page.locator("#number-kind .number-title")
    expect(title).to_contain_text("+1 202-918-9432")
    expect(title).to_contain_text("KIND phone number: (202) 918-9432")
    expect(title).to_be_in_viewport()
    assert number(app) == NEW
    shot(page, "06-numero-guardado")


def test_4_the_versions_page_shows_exactly_what_changed(page):
    from playwright.sync_api import expect

    page.get_by_role("navigation").get_by_role("link", name="Versiones").click()
    version = page.locator("#version-1")
    expect(version.locator(".sentence")).to_have_text(
        "marisol cambió un número de teléfono de KIND (Kids in Need of Defense)"
    )
    number_change = version.locator(".version-changes > li").filter(has_text=": número")
    expect(number_change.locator(".before")).to_contain_text("+1 202-918-9431")
    expect(number_change.locator("del")).to_have_text("9431")
    expect(number_change.locator("ins")).to_have_text("9432")
    label_change = version.locator(".version-changes > li").filter(has_text=": descripción")
    expect(label_change.locator("del")).to_have_text("9431")
    shot(page, "07-versiones")


def test_5_she_undoes_it_after_a_plain_question(page, app):
    from playwright.sync_api import expect

    page.locator("#version-1").get_by_role("link", name="Deshacer solo este cambio…").click()
    expect(page.locator("h1")).to_have_text("¿Deshacer el cambio de la versión 1?")
    expect(page.locator("#afterwards")).to_have_text(
        "Después, quienes llaman vuelven a escuchar +1 202-918-9431 como el número de "
        "KIND (Kids in Need of Defense)."
    )
    assert number(app) == NEW  # asking changed nothing
    shot(page, "08-deshacer-pregunta")
    page.get_by_role("button", name="Sí, deshacerlo").click(timeout=PUBLISH_MS)

    done = page.locator("#saved-version-2")
    expect(done).to_contain_text("Se deshizo el cambio de la versión 1")
    expect(done).to_be_in_viewport()
    assert number(app) == OLD
    expect(page.locator("#version-2 .sentence")).to_contain_text(
        "marisol deshizo el cambio de la versión 1"
    )
    shot(page, "09-deshecho")


def test_6_she_reads_the_counts_page(page):
    from playwright.sync_api import expect

    page.get_by_role("navigation").get_by_role(
        "link", name="Lo que necesitan quienes llaman"
    ).click()
    expect(page.locator("h1")).to_have_text("Lo que necesitan quienes llaman")
    text = page.locator("main").inner_text()
    assert "MPP, Quédate en México, caso activo" in text and "Criollo haitiano" in text
    # Headers wrap between words, never inside one: every word of a header is on one line.
    broken = page.evaluate(
        """() => [...document.querySelectorAll('main th')].flatMap(th => {
          const node = th.firstChild;
          if (!node || node.nodeType !== 3) return [];
          const out = [];
          for (const m of node.textContent.matchAll(/\\S+/g)) {
            const range = document.createRange();
            range.setStart(node, m.index);
            range.setEnd(node, m.index + m[0].length);
            const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            if (lines.size > 1) out.push(m[0]);
          }
          return out;
        })"""
    )
    assert broken == []
    # Chart labels are the size of the page's text (at least 12 px on the phone).
    sizes = page.evaluate(
        """[...document.querySelectorAll('svg.chart text')]
           .map(t => t.getBoundingClientRect().height).filter(h => h > 0)"""
    )
    assert sizes and min(sizes) >= 12, sizes
    # The text-message totals are in a table too.
    totals = page.locator("#texts-table tfoot td")
    # (7 sent: every count on the page is rounded to 5, as anyone may see it)
    expect(totals).to_have_text(["5", "0", "5"])
    shot(page, "10-lo-que-necesitan")
    page.locator("#texts-table").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "11-mensajes-de-texto-view.png"))
    assert page.errors == []
