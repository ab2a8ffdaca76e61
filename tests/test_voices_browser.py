"""The recording session in Debian's Chromium at 390 px, with a fake microphone that says the
first part's words: record, hear it back, keep, the next part comes by itself, a refused
take, skip, publish, and the session resumed on another device."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_browser_support import MICROPHONE_WORDS, TIMEOUT_MS, needs_chromium

from ivr import create_app
from ivr.sim.serve import serving

PASSWORD = "correct horse battery"
PHONE = {"width": 390, "height": 844}
SHOTS = os.environ.get("SCREENSHOTS")
# The shared browser's fake microphone says these (test_browser_support.py): the language
# menu's Spanish words, first in the session.
FIRST_WORDS = MICROPHONE_WORDS

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    app = create_app({"ENV": {**os.environ, "HOTLINE_ENV": "development", "DATA_DIR": str(data)}})
    app.extensions["staff"].add("maria", PASSWORD)
    app.extensions["staff"].set_language("maria", "en")
    return app


@pytest.fixture(scope="module")
def parts(app) -> int:
    """How many parts the Spanish session has (it follows the content pack)."""
    with app.app_context():
        return len(app.extensions["studio"].session("es").items)


@pytest.fixture(scope="module")
def safety_code(app) -> int:
    """The code of the long safety notice (said after each situation's contact)."""
    from ivr.publish.recording_session import prompt_codes

    return prompt_codes(app.extensions["content"].current())["safety.notice"]


@pytest.fixture(scope="module")
def server(app):
    with serving(app) as base:
        yield base


def new_page(browser, server):
    context = browser.new_context(
        base_url=server, viewport=PHONE, is_mobile=True, has_touch=True, locale="en-US"
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.errors = []
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto("/admin/login")
    page.get_by_label("Staff name").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return page


@pytest.fixture(scope="module")
def page(browser, server):
    page = new_page(browser, server)
    yield page
    page.context.close()


def fits(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/studio-{name}-390.png", full_page=True)
    sizes = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1], f"{name}: {sizes[0]} px wide in a {sizes[1]} px window"
    small = page.evaluate(
        """[...document.querySelectorAll('main button, main .button')]
        .filter(b => b.offsetParent !== null && !b.closest('details:not([open])'))
        .map(b => [b.textContent.trim(), b.getBoundingClientRect().height])
        .filter(([, h]) => h < 40)"""
    )
    assert small == [], f"{name}: buttons too small to tap: {small}"


def record(page, seconds: float) -> None:
    from playwright.sync_api import expect

    page.get_by_role("button", name="● Record").click()
    expect(page.locator("#state")).to_contain_text("Recording")
    page.wait_for_timeout(int(seconds * 1000))
    page.get_by_role("button", name="■ Stop").click()


def test_pick_a_language_and_go(page, parts):
    from playwright.sync_api import expect

    page.goto("/admin/studio")
    expect(page.locator("h1")).to_have_text("Recording session")
    fits(page, "languages")
    page.get_by_role("link", name="Record in Español").click()
    expect(page.locator(".say-this")).to_have_text(FIRST_WORDS)
    expect(page.locator("#h-clip")).to_contain_text(f"Part 1 of {parts} · prompt code 1")
    expect(page.locator("#progress")).to_contain_text("0 % of call time in a human voice")
    fits(page, "first-part")


def test_record_hear_it_back_keep_and_the_next_part_comes(page, parts):
    from playwright.sync_api import expect

    record(page, 2.5)
    expect(page.locator("#review")).to_be_visible()
    expect(page.locator("#checks")).to_contain_text("silence trimmed")
    duration = page.locator("#take-audio").evaluate(
        "a => new Promise(r => a.readyState >= 1 ? r(a.duration) : "
        "a.addEventListener('loadedmetadata', () => r(a.duration)))"
    )
    assert 0.8 < duration < 3.0  # the words, with the silence trimmed
    fits(page, "review")
    page.get_by_role("button", name="✓ Keep").click()
    expect(page.locator("#h-clip")).to_contain_text(f"Part 2 of {parts}")
    expect(page.locator(".say-this")).to_contain_text("caso activo: oprima 1")  # the main menu
    expect(page.locator("#publish")).to_contain_text("your 1 kept take")


def test_a_take_too_short_for_its_words_is_refused_then_skipped(page, parts, safety_code):
    from playwright.sync_api import expect

    page.goto(f"/admin/studio/es/prompts?code={safety_code}")  # a prompt chosen by its code
    expect(page.locator(".say-this")).to_contain_text("California Welcoming Task Force")
    record(page, 2.0)  # the long safety notice, but the microphone says three words
    expect(page.locator("#state")).to_contain_text("too short for its words")
    expect(page.locator("#review")).to_be_hidden()
    page.get_by_role("button", name="Skip for now").first.click()
    expect(page.locator("#h-clip")).to_contain_text(f"Part 2 of {parts}")  # back in order


def test_publish_and_the_share_of_call_time_rises(page):
    from playwright.sync_api import expect

    page.get_by_role("button", name="Publish my takes").click()
    expect(page.locator(".flash")).to_contain_text("The takes are live")
    share = page.locator("#share").inner_text()
    assert share != "0 % of call time in a human voice" and share.endswith("human voice")
    fits(page, "published")


def test_the_session_resumes_on_another_device(browser, server, page, parts):
    from playwright.sync_api import expect

    other = new_page(browser, server)
    other.goto("/admin/studio/es")
    expect(other.locator("#h-clip")).to_contain_text(f"Part 2 of {parts}")
    other.context.close()
    # The refused take's answer (422) is the one expected "error": no script error, no CSP.
    assert [e for e in page.errors if "status of 422" not in e] == [], page.errors
    assert other.errors == [], other.errors


def test_the_browser_phone_plays_a_staff_call_with_the_microphone(browser, server, app):
    """The browser phone rings the staff line: keys the PIN, picks English (a session nobody
    started), records its first part from the (fake) microphone, # ends it, hears it back
    and keeps it."""
    from playwright.sync_api import expect

    with app.app_context():
        pin = app.extensions["staff"].set_pin("maria")
        studio = app.extensions["studio"]
        before = {t.id for t in studio.takes("en")}
    page = new_page(browser, server)
    page.goto("/simulator?speed=100")  # keys still wait 1.5 s
    page.select_option("#line", "staff")
    page.get_by_role("button", name="Call", exact=True).click()
    expect(page.locator("#captions")).to_contain_text("Key your phone PIN")
    for key in pin + "#":
        page.click(f'.key[data-key="{key}"]')
    expect(page.locator("#captions")).to_contain_text("To record in English, press 3.")
    page.click('.key[data-key="3"]')
    expect(page.locator("#record")).to_be_visible()
    fits(page, "phone-record")
    page.get_by_role("button", name="Speak into the microphone").click()
    expect(page.locator("#status")).to_contain_text("Recording from the microphone")
    page.wait_for_timeout(2500)
    page.click('.key[data-key="#"]')
    expect(page.locator("#captions")).to_contain_text("To keep it, press 1.")
    page.click('.key[data-key="1"]')
    expect(page.locator("#captions")).to_contain_text("Kept.")
    page.get_by_role("button", name="Hang up").click()
    with app.app_context():
        kept = [t for t in studio.takes("en") if t.id not in before]
    assert [(t.via, t.status, t.author) for t in kept] == [("phone", "draft", "maria")]
    assert app.extensions["recordings_fake"].kept() == []
    page.context.close()
