"""The staff console in Debian's Chromium, headless, against a real server on 127.0.0.1.

One server and one browser for the module; the tests run in order as one Friday-night session:
log in, change a Spanish text, see it out of date and hear it said, make new audio, upload a
recording, have a corrupt one refused, record in the browser. What callers hear is checked in
the simulator (the browser phone's webhook answers, and its captions).
"""

from __future__ import annotations

import os
import re
import subprocess

import pytest
from test_browser_support import TIMEOUT_MS, needs_chromium

from ivr import create_app
from ivr.sim.serve import serving

PASSWORD = "correct horse battery"
PROMPT = "safety.notice"  # in every guidance: heard once a language and a situation are chosen

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    app = create_app({"ENV": {**os.environ, "HOTLINE_ENV": "development", "DATA_DIR": str(data)}})
    app.extensions["staff"].add("maria", PASSWORD)
    app.extensions["staff"].set_language("maria", "en")  # her account reads English
    return app


@pytest.fixture(scope="module")
def server(app):
    with serving(app) as base:
        yield base


@pytest.fixture(scope="module")
def page(browser, server):
    # An English reader (tests/test_console_phone_sized.py walks the console in Spanish).
    context = browser.new_context(base_url=server, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.console_errors = []  # read by the last test: no script error, no CSP refusal
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and "/simulator" not in page.url
            and page.console_errors.append(m.text)
        ),
    )
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    yield page
    context.close()


def spanish(app):
    return app.extensions["content"].current().language("es")


def heard_after_choosing_spanish(page, app) -> dict:
    """What the simulator's webhooks play for PROMPT: {"type": "say"|"play", "text"|"url"}."""
    call = page.request.post("/simulator/api/call").json()
    reply = page.request.post(
        "/simulator/api/answer", data={"token": call["token"], "keys": spanish(app).key}
    ).json()
    reply = page.request.post(  # the first situation: its guidance says the safety notice
        "/simulator/api/answer", data={"token": reply["token"], "keys": "1"}
    ).json()
    wanted = app.extensions["content"].current().spoken("es")[PROMPT]  # what <Say> reads
    prompts = reply["events"] + reply["wait"].get("prompts", [])
    for event in prompts:
        if event.get("type") == "say" and event.get("text") == wanted:
            return event
        if event.get("type") == "play" and f"/audio/es/{PROMPT}." in (event.get("url") or ""):
            return event
    raise AssertionError(f"{PROMPT} not heard: {prompts}")


def test_logged_out_visitors_are_sent_to_the_login_and_cannot_post(browser, server):
    from playwright.sync_api import expect

    context = browser.new_context(base_url=server, locale="en-US")
    anonymous = context.new_page()
    anonymous.goto(f"/admin/prompts/es/{PROMPT}")
    expect(anonymous.locator("h1")).to_have_text("Log in")
    refused = anonymous.request.post(f"/admin/prompts/es/{PROMPT}/text", form={"text": "x"})
    assert refused.status == 401
    context.close()


def test_staff_log_in_and_land_on_the_page_they_asked_for(page):
    from playwright.sync_api import expect

    page.goto("/admin/coverage")
    page.get_by_label("Staff name").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("h1")).to_have_text("Prompts and audio")
    expect(page.get_by_text("Logged in as maria")).to_be_visible()


def test_a_changed_spanish_text_shows_out_of_date_and_is_said_in_the_simulator(
    page, app, monkeypatch
):
    from playwright.sync_api import expect

    before = heard_after_choosing_spanish(page, app)
    assert before["type"] == "play"
    page.goto(f"/admin/prompts/es/{PROMPT}")  # its page (the prompt list is long and paged)
    new = "Bienvenida a la línea. " + page.get_by_label("Words in Español").input_value()
    page.get_by_label("Words in Español").fill(new)
    with monkeypatch.context() as engine_down:
        # espeak-ng cannot be run while the words are saved: they go out without new audio.
        engine_down.setenv("PATH", "/nonexistent")
        page.get_by_role("button", name="Save the words").click()
        expect(page.get_by_text("Saved. Version 1 is now live.")).to_be_visible()

    page.goto("/admin/coverage")
    page.get_by_label("Audio").select_option("stale")  # the filter applies on change
    expect(page.locator("#coverage .prompt-card")).to_have_count(1)
    row = page.locator(f'#coverage [data-prompt="{PROMPT}"] [data-lang="es"]')
    expect(row.locator(".badge")).to_have_text("out of date")

    said = heard_after_choosing_spanish(page, app)
    # <Say> reads the new words as the voice must say them (names respelled: "Uélcoming").
    spoken = app.extensions["content"].current().spoken("es")[PROMPT]
    assert spoken.startswith("Bienvenida a la línea. ") and spoken != new
    assert said == {**said, "type": "say", "text": spoken}
    # And on the browser phone's captions.
    page.goto("/simulator?speed=100")  # keys still wait 1.5 s
    page.click("#call")
    page.locator("#captions li").first.wait_for()
    page.click(f'.key[data-key="{spanish(app).key}"]')
    # The safety notice is in every guidance: the first situation's, after its contact.
    first_option = app.extensions["content"].current().texts("es")["main.mpp_active"]
    expect(page.locator("#captions li", has_text=first_option).first).to_be_visible()
    page.click('.key[data-key="1"]')
    expect(page.locator("#captions li", has_text="Bienvenida a la línea.").first).to_be_visible()


def test_make_new_audio_brings_back_a_play_of_the_new_words(page, app):
    from playwright.sync_api import expect

    page.goto(f"/admin/prompts/es/{PROMPT}")
    page.get_by_role("button", name="Make new audio with the computer voice").click()
    expect(page.get_by_text("New audio made from the current words.")).to_be_visible()
    expect(page.locator("#audio-status .badge")).to_have_text("computer voice")
    heard = heard_after_choosing_spanish(page, app)
    assert heard["type"] == "play" and heard["text"].startswith("Bienvenida a la línea.")


def test_an_uploaded_recording_is_previewed_published_and_played(page, app, tmp_path):
    from playwright.sync_api import expect

    before = heard_after_choosing_spanish(page, app)["url"]
    wav = tmp_path / "grabacion.wav"
    subprocess.run(["espeak-ng", "-v", "es", "-w", str(wav), "Bienvenida a la línea."], check=True)
    page.goto(f"/admin/prompts/es/{PROMPT}")
    page.get_by_label("Or send a sound file").set_input_files(str(wav))
    page.get_by_role("button", name="Send the file and check it").click()
    expect(page.locator("h1")).to_contain_text("Check the recording")
    preview = page.locator("#draft-audio")
    expect(preview).to_have_attribute("src", re.compile(r"^/admin/drafts/.+\.wav$"))
    # The browser really decodes the phone-quality preview (8 kHz mu-law WAV).
    page.wait_for_function("document.getElementById('draft-audio').duration > 0.5")
    assert heard_after_choosing_spanish(page, app)["url"] == before  # not live yet

    page.get_by_role("button", name="Publish: callers hear this from now on").click()
    expect(page.get_by_text("Your recording is live.")).to_be_visible()
    expect(page.locator("#audio-status .badge")).to_have_text("recorded by staff")
    after = heard_after_choosing_spanish(page, app)
    assert after["type"] == "play" and after["url"] != before
    file = after["url"].rsplit("/", 1)[1]
    live = page.locator("ol.history li", has_text="live now")
    expect(live).to_contain_text("Recorded by maria")
    expect(live.locator("button.play")).to_have_attribute("data-src", f"/admin/audio/es/{file}")


def test_a_corrupt_upload_is_refused_and_the_old_audio_still_plays(page, app):
    from playwright.sync_api import expect

    before = heard_after_choosing_spanish(page, app)["url"]
    page.goto(f"/admin/prompts/es/{PROMPT}")
    page.get_by_label("Or send a sound file").set_input_files(
        {"name": "broken.m4a", "mimeType": "audio/mp4", "buffer": b"not audio" * 100}
    )
    page.get_by_role("button", name="Send the file and check it").click()
    error = page.locator("#upload-error")
    expect(error).to_contain_text("That recording was not used.")
    expect(error).to_contain_text("broken.m4a")
    assert heard_after_choosing_spanish(page, app)["url"] == before


def test_recording_in_the_browser_leads_to_the_preview(page):
    from playwright.sync_api import expect

    page.goto(f"/admin/prompts/es/{PROMPT}")
    page.get_by_role("button", name="Start recording").click()
    expect(page.locator("#record-state")).to_contain_text("Recording")
    page.wait_for_timeout(1500)  # the fake microphone beeps; a second and a half of it
    page.get_by_role("button", name="Stop and check it").click()
    expect(page.locator("h1")).to_contain_text("Check the recording")


def test_a_box_in_the_flow_picture_opens_its_prompts(page, app):
    from playwright.sync_api import expect

    content = app.extensions["content"].current()
    main = content.flow.nodes[content.flow.main]
    page.goto("/admin/flow")
    page.locator(f'svg.flow a[*|href="/admin/coverage?node={main.id}"]').click()
    expect(page.locator("h1")).to_have_text("Prompts and audio")
    shown = page.locator("#coverage .prompt-card")
    expect(shown.first).to_be_visible()
    ids = shown.evaluate_all("rows => rows.map(r => r.dataset.prompt)")
    assert {option.prompt for option in main.options} <= set(ids)


def test_logging_out_closes_the_console(page):
    from playwright.sync_api import expect

    page.goto("/admin/")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    page.goto("/admin/versions")
    expect(page.locator("h1")).to_have_text("Log in")


def test_no_console_page_had_a_script_error_or_a_blocked_resource(page):
    # The refused upload above answers 422 on purpose; anything else is a fault.
    expected = "the server responded with a status of 422"
    assert [e for e in page.console_errors if expected not in e] == []
