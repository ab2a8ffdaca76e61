"""A staffer who reads Spanish, on a phone-sized browser (390 px), in Debian's Chromium: logs in,
finds a prompt by a word in it, changes it, makes its audio, fixes a number typed the U.S. way,
and every page fits the screen; the browser phone keeps its keypad and transfer buttons in view.

Set CONSOLE_SCREENSHOTS=/some/folder to keep a screenshot of every page (to look at them).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from test_browser_support import TIMEOUT_MS, needs_chromium

from ivr import create_app
from ivr.sim.serve import serving

PASSWORD = "correct horse battery"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SHOTS = os.environ.get("CONSOLE_SCREENSHOTS")

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    app = create_app({"ENV": {**os.environ, "HOTLINE_ENV": "development", "DATA_DIR": str(data)}})
    app.extensions["staff"].add("ana", PASSWORD)
    return app


@pytest.fixture(scope="module")
def server(app):
    with serving(app) as base:
        yield base


@pytest.fixture(scope="module")
def page(browser, server):
    context = browser.new_context(
        base_url=server, viewport=PHONE, is_mobile=True, has_touch=True, locale="es-MX"
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    context.close()


def texts(app, lang: str = "es"):
    return app.extensions["content"].current().texts(lang)


def fits(page, name: str) -> None:
    """No sideways scrolling, every button big enough to tap; a screenshot when asked."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        width = page.viewport_size["width"]
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
    sizes = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1], f"{name}: {sizes[0]} px wide in a {sizes[1]} px window"
    small = page.evaluate(
        """[...document.querySelectorAll('main button, main .button, .phone button')]
        .filter(b => b.offsetParent !== null && !b.closest('details:not([open])'))
        .map(b => [b.textContent.trim(), b.getBoundingClientRect().height])
        .filter(([, h]) => h < 40)"""
    )
    assert small == [], f"{name}: buttons too small to tap: {small}"


def test_a_spanish_reader_logs_in_on_a_phone(page):
    from playwright.sync_api import expect

    page.goto("/admin/")
    expect(page.locator("h1")).to_have_text("Entrar")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    fits(page, "login")
    page.get_by_label("Nombre de usuario").fill("ana")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    expect(page.locator("h1")).to_have_text("Consola del equipo")
    expect(page.get_by_text("Sesión de ana")).to_be_visible()


def test_she_finds_a_prompt_by_a_word_changes_it_and_makes_its_audio(page, app, monkeypatch):
    from playwright.sync_api import expect

    page.get_by_label("Buscar un mensaje o un número de teléfono").fill("nino que viaja")  # no ñ
    page.get_by_role("button", name="Buscar", exact=True).click()
    result = page.locator('#results [data-prompt="main.children"][data-lang="es"]')
    expect(result).to_contain_text("Menú principal – opción 4")
    expect(result.locator("mark")).to_have_text("Niño que viaja")
    fits(page, "search")
    result.get_by_role("link").click()
    expect(page.locator("h1")).to_contain_text("Menú principal – opción 4")

    words = page.get_by_label("Texto en Español")
    words.fill("Niño o niña sin papá ni mamá.")
    page.get_by_role("button", name="Guardar el texto").click()
    refused = page.locator("#problems")
    expect(refused).to_contain_text(
        "El texto debe terminar diciendo qué tecla oprimir, por ejemplo: «… oprima 4.»"
    )
    expect(words).to_have_value("Niño o niña sin papá ni mamá.")  # nothing typed is lost
    fits(page, "refused")

    words.fill("Niño o niña sin papá ni mamá: oprima 4.")
    with monkeypatch.context() as engine_down:
        # espeak-ng cannot be run while the words are saved: they go out without new audio.
        engine_down.setenv("PATH", "/nonexistent")
        page.get_by_role("button", name="Guardar el texto").click()
        expect(page.get_by_text("Guardado. La versión 1 ya está en la línea.")).to_be_visible()
    expect(page.locator("#audio-status .badge")).to_have_text("desactualizado")
    assert texts(app)["main.children"] == "Niño o niña sin papá ni mamá: oprima 4."

    page.get_by_role("button", name="Hacer audio nuevo con la voz de computadora").click()
    expect(page.get_by_text("Se hizo audio nuevo con el texto actual.")).to_be_visible()
    expect(page.locator("#audio-status")).to_contain_text("Voz de computadora (español)")
    expect(page.get_by_role("button", name="Escuchar lo que oye quien llama")).to_be_visible()
    fits(page, "prompt")


def test_she_sends_a_recording_hears_it_and_publishes_it(page, tmp_path):
    from playwright.sync_api import expect

    wav = tmp_path / "grabacion.wav"
    subprocess.run(["espeak-ng", "-v", "es", "-w", str(wav), "Niño o niña: oprima 4."], check=True)
    page.get_by_label("O envíe un archivo de sonido").set_input_files(str(wav))
    page.get_by_role("button", name="Enviar el archivo y revisarlo").click()
    expect(page.locator("h1")).to_contain_text("Revise la grabación: Menú principal – opción 4")
    fits(page, "draft")
    page.get_by_role("button", name="Publicar: desde ahora quienes llaman escuchan esto").click()
    expect(page.get_by_text("Su grabación ya está en la línea.")).to_be_visible()
    expect(page.locator("ol.history li").first).to_contain_text("Grabado por ana")


def test_a_number_typed_the_us_way_is_read_back_then_saved(page, app):
    from playwright.sync_api import expect

    page.goto("/admin/directory/kind")
    form = page.locator("#number-kind")
    form.get_by_label("Número").fill("202-918-9432")
    form.get_by_label("País").select_option("US")
    form.get_by_role("button", name="Guardar este número").click()
    expect(page.locator("h1")).to_have_text("Revise el número nuevo")
    expect(page.locator("#normalized")).to_have_text("+1 202-918-9432")
    expect(page.locator("ul.says")).to_contain_text("Niño o niña sin papá ni mamá")
    fits(page, "confirm-number")
    assert app.extensions["content"].current().numbers["kind"].e164 != "+12029189432"
    page.get_by_role("button", name="Sí, guardar +1 202-918-9432").click(timeout=180_000)
    expect(page.get_by_text("Número guardado: +1 202-918-9432.")).to_be_in_viewport()
    assert app.extensions["content"].current().numbers["kind"].e164 == "+12029189432"


CONSOLE_PAGES = {
    "home": "/admin/",
    "prompts": "/admin/coverage",
    "prompts-todo": "/admin/coverage?lang=es&status=todo",
    "flow": "/admin/flow",
    "directory": "/admin/directory",
    "organization": "/admin/directory/kind",
    "versions": "/admin/versions",
    "audit": "/admin/audit?who=ana",
    "prompt-en": "/admin/prompts/en/mpp_active.numbers",
    "not-found": "/admin/prompts/es/no.such.prompt",
}


def test_every_console_page_fits_a_phone_and_a_laptop(page):
    from playwright.sync_api import expect

    for name, path in CONSOLE_PAGES.items():
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", "es")
        fits(page, name)
    page.set_viewport_size(DESKTOP)
    try:
        for name in ("prompts", "flow", "versions"):
            page.goto(CONSOLE_PAGES[name])
            fits(page, name)
    finally:
        page.set_viewport_size(PHONE)


FLOW_VIEW = """() => {
  const wrap = document.getElementById('flow-wrap');
  const frame = wrap.getBoundingClientRect();
  const seen = [...wrap.querySelectorAll('text')].map(t => t.getBoundingClientRect())
    .filter(r => r.right > frame.left && r.left < frame.right && r.bottom > frame.top
                 && r.top < frame.bottom && r.height > 0);
  return {scale: Number(wrap.dataset.scale), seen: seen.length,
          smallest: Math.min(...seen.map(r => r.height)),
          start: wrap.querySelector('.flow-start').getBoundingClientRect().left >= frame.left,
          inView: frame.top < window.innerHeight && frame.bottom > 0};
}"""
# The picture's point at (x, y) of its box, in the picture's own units.
POINT_AT = """([x, y]) => {
  const wrap = document.getElementById('flow-wrap');
  const scale = Number(wrap.dataset.scale);
  return [(wrap.scrollLeft + x) / scale, (wrap.scrollTop + y) / scale];
}"""


def test_the_flow_picture_opens_readable_at_the_start_and_zooms_where_she_looks(page):
    page.goto("/admin/flow")
    first = page.evaluate(FLOW_VIEW)
    # Its words are at least 12 px, the start of every call is in the box, the box on screen.
    assert first["seen"] >= 3 and first["smallest"] >= 12, first
    assert first["start"] and first["inView"], first
    fits(page, "flow")

    wrap = page.locator("#flow-wrap")
    box = wrap.bounding_box()
    middle = [box["width"] / 2 - 1, box["height"] / 2 - 1]
    before = page.evaluate(POINT_AT, middle)
    page.get_by_role("button", name="Más grande").click()
    page.wait_for_function(
        f"Number(document.getElementById('flow-wrap').dataset.scale) > {first['scale']}"
    )
    after = page.evaluate(POINT_AT, middle)
    assert abs(after[0] - before[0]) < 2 and abs(after[1] - before[1]) < 2, (before, after)

    # Two fingers spread apart: the point between them stays between them.
    cdp = page.context.new_cdp_session(page)
    cx, cy = box["x"] + 120, box["y"] + 200
    held = page.evaluate(POINT_AT, [120, 200])
    scale = page.evaluate("Number(document.getElementById('flow-wrap').dataset.scale)")

    def fingers(kind, gap):
        cdp.send(
            "Input.dispatchTouchEvent",
            {"type": kind, "touchPoints": [{"x": cx - gap, "y": cy}, {"x": cx + gap, "y": cy}]},
        )

    fingers("touchStart", 30)
    for gap in (40, 55, 70):
        fingers("touchMove", gap)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    pinched = page.evaluate("Number(document.getElementById('flow-wrap').dataset.scale)")
    assert pinched > scale * 1.8, (scale, pinched)
    still = page.evaluate(POINT_AT, [120, 200])
    assert abs(still[0] - held[0]) < 3 and abs(still[1] - held[1]) < 3, (held, still)
    fits(page, "flow-zoomed")

    page.get_by_role("button", name="Ajustar al ancho").click()
    picture = page.locator("svg.flow")
    assert picture.bounding_box()["width"] <= wrap.bounding_box()["width"] + 1
    # Every box still opens its prompts.
    unlinked = page.evaluate(
        r"""[...document.querySelectorAll('svg.flow g.node')]
           .filter(g => !(g.closest('a') || g.querySelector('a'))
                        || !/\/admin\/coverage\?node=/.test(
                             (g.closest('a') || g.querySelector('a')).getAttribute('xlink:href')
                             || (g.closest('a') || g.querySelector('a')).getAttribute('href')))
           .map(g => g.id)"""
    )
    assert unlinked == []


def test_the_browser_phone_keeps_keypad_and_transfer_buttons_in_view(page, app):
    from playwright.sync_api import expect

    pack = app.extensions["content"].current()
    spanish = texts(app)
    none_of_these = pack.flow.nodes[pack.flow.main].options[-1]
    guidance = pack.flow.nodes[none_of_these.goto]
    after = pack.flow.nodes[guidance.next]
    transfer = next(o for o in after.options if pack.flow.nodes[o.goto].kind == "transfer")

    page.goto("/simulator?speed=100")  # the longest guidance in 2 s; keys still wait 1.5 s
    expect(page.locator("#speed")).to_be_visible()
    page.click("#call")
    captions = page.locator("#captions li")
    captions.first.wait_for()
    page.click(f'.key[data-key="{pack.language("es").key}"]')
    expect(
        captions.filter(has_text=spanish[pack.flow.nodes[pack.flow.main].options[0].prompt]).first
    ).to_be_attached()
    page.click(f'.key[data-key="{none_of_these.key}"]')
    expect(captions.filter(has_text=spanish[after.options[0].prompt]).first).to_be_attached()
    # The longest guidance has filled the captions: they scroll in their own box, and the
    # keypad, Call and Hang up are still on screen.
    box = page.locator("#captions")
    assert box.evaluate("b => b.scrollHeight > b.clientHeight")
    expect(page.locator('.key[data-key="#"]')).to_be_in_viewport(ratio=1)
    expect(page.locator("#hangup")).to_be_in_viewport(ratio=1)
    fits(page, "phone-guidance")

    page.click(f'.key[data-key="{transfer.key}"]')
    busy = page.get_by_role("button", name="Ocupado")
    expect(busy).to_be_in_viewport(ratio=1)
    expect(page.locator("#status")).to_have_text(
        "Transfiriendo: elija cómo termina la transferencia."
    )
    fits(page, "phone-transfer")
    busy.click()
    expect(captions.filter(has_text="La transferencia terminó: ocupado")).to_have_count(1)
    page.click(f'.key[data-key="{pack.flow.keys["end_call"]}"]')
    expect(page.locator("#status")).to_contain_text("La línea terminó la llamada.")
    assert "<Hangup>" not in page.locator("body").inner_text()
    fits(page, "phone-ended")
