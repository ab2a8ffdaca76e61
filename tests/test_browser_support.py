"""Debian's Chromium, headless, driven by Playwright: shared by the browser tests.

``browser`` (a fixture, registered by conftest.py) is one Chromium per test worker for the
whole session: launching it costs a second or two, and every browser test module only needs a
fresh context of it (``browser.new_context(...)``, closed by the module). It always has a fake
microphone that needs no permission prompt (the console records in the browser): it says
``MICROPHONE_WORDS`` (the voices session's first part) then room silence, looping.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying to reach Google's hosts,
# which this machine's closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A fake microphone (a beep) that needs no permission prompt, for MediaRecorder.
FAKE_MICROPHONE = ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream")
# What the fake microphone says (the language menu's Spanish words, first in the recording
# session of test_voices_browser.py), then four seconds of room silence; the file loops.
MICROPHONE_WORDS = "Español: oprima 1."
# A limit, not a wait: the first number change in a worker makes the computer audio of every
# prompt that says it, which takes well over 30 s on a machine whose cores are all busy.
TIMEOUT_MS = 90_000

needs_chromium = pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs Debian's chromium")


@contextmanager
def chromium(*extra_args: str) -> Iterator[Any]:
    """A launched headless Chromium (Playwright's Browser), closed on exit."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra_args]
        )
        expect.set_options(timeout=TIMEOUT_MS)
        try:
            yield browser
        finally:
            browser.close()


def microphone_file(folder: Path) -> Path:
    """A WAV Chromium plays as the microphone: ``MICROPHONE_WORDS``, then room silence."""
    import io

    from pydub import AudioSegment
    from voices_support import speak

    words = AudioSegment.from_file(io.BytesIO(speak(MICROPHONE_WORDS)), format="wav")
    audio = (words + AudioSegment.silent(duration=4000, frame_rate=8000)).set_frame_rate(48000)
    path = folder / "words.wav"
    with open(path, "wb") as out:
        audio.export(out, format="wav")
    return path


@pytest.fixture(scope="session")
def browser(tmp_path_factory) -> Iterator[Any]:
    """The session's headless Chromium (Playwright's Browser); skipped without Chromium."""
    if not shutil.which(CHROMIUM):
        pytest.skip("needs Debian's chromium")
    microphone = microphone_file(tmp_path_factory.mktemp("mic"))
    with chromium(*FAKE_MICROPHONE, f"--use-file-for-fake-audio-capture={microphone}") as launched:
        yield launched
