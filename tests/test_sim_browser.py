"""A whole call on the browser phone, in Debian's Chromium, headless, against a real server."""

from __future__ import annotations

import os

import pytest
from test_browser_support import TIMEOUT_MS, needs_chromium

from ivr import create_app
from ivr.sim.guidance import first_prompt, plan, transfer_after
from ivr.sim.serve import serving

# Call time runs this many times faster than real time (prompts and timeouts alike; a menu
# still waits 1.5 s for a key): slow enough for a key to cut the language menu short, then
# fast through the rest of the call.
SPEED = 8
FAST = 100

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def app():
    app = create_app({"ENV": {**os.environ, "HOTLINE_ENV": "development"}})
    return app


@pytest.fixture(scope="module")
def server(app):
    with serving(app) as base:
        yield base


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


def test_a_caller_hears_the_mpp_guidance_and_its_safety_notice_and_is_transferred(
    app, server, page
):
    from playwright.sync_api import expect

    pack = app.extensions["content"].current()
    lang = pack.language("es") or pack.default_language
    texts = pack.texts(lang.code)
    situation = pack.situations()["active MPP case"]
    steps = plan(pack, lang.code, situation)
    option = transfer_after(pack, situation)
    number = pack.numbers[pack.flow.nodes[option.goto].number]

    page.goto(f"{server}/simulator?speed={FAST}")  # puts FAST in the speed menu
    page.select_option("#speed", str(SPEED))
    page.click("#call")
    captions = page.locator("#captions li")

    def heard(text: str):
        expect(captions.filter(has_text=text).first).to_be_visible()

    def press(key: str) -> None:
        page.click(f'.key[data-key="{key}"]')

    # Language menu: press as soon as Spanish offers itself; the key cuts the menu short.
    heard(steps[0][1])
    press(steps[0][0])
    expect(page.locator("#captions li.interrupted")).to_have_count(1)
    page.select_option("#speed", str(FAST))

    for key, announced in steps[1:]:
        heard(announced)
        press(key)
    heard(texts[first_prompt(pack, situation)])
    heard(texts["safety.notice"])  # in every guidance, after its contact

    heard(texts[option.prompt])
    press(option.key)
    expect(page.locator("#transfer")).to_be_visible()
    expect(page.locator("#transfer-number")).to_have_text(number.e164)

    page.click('[data-outcome="busy"]')
    heard(texts[pack.flow.prompts["transfer_busy"]])
    expect(page.locator("#captions li.error")).to_have_count(0)


def test_silence_times_out_like_a_real_call_and_the_menu_asks_again(app, server, page):
    from playwright.sync_api import expect

    pack = app.extensions["content"].current()
    lang = pack.default_language
    page.goto(f"{server}/simulator?speed={FAST}")
    page.click("#call")
    page.locator("#captions li").first.wait_for()
    page.click(f'.key[data-key="{lang.key}"]')
    # Say nothing at the main menu: after its prompts and the timeout the line asks again.
    timed_out = page.locator("#captions li", has_text="(no key: the menu timed out)")
    expect(timed_out).to_have_count(1)
    no_input = pack.text(lang.code, pack.flow.prompts["no_input"])
    expect(page.locator("#captions li", has_text=no_input).first).to_be_visible()
