"""Coverage by what callers hear: the share of call seconds in a human voice, weighted by the
counts where a language has any, else by the walk; and the commands that show it."""

from __future__ import annotations

from datetime import date

import pytest
from voices_support import speak

from ivr import create_app
from ivr.audio import voice_coverage as vc
from ivr.audio.manifest import Entry, Manifest
from ivr.console.phone_pins import GENERATED_PIN


def entry(lang: str, pid: str, text: str, seconds: float, staff: bool, computer: float = 0):
    source = {"kind": "staff", "by": "ana"} if staff else {"kind": "tts", "engine": "espeak"}
    if computer:
        source["computer_seconds"] = str(computer)
    return Entry(
        lang, pid, text, "x", source, seconds, "2026-12-01T00:00:00Z", f"{pid}.aaaaaaaaaaaa.wav"
    )


def test_every_caller_hears_the_language_menu_and_the_main_menu(pack):
    weights = vc.walk_weights(pack)
    assert weights["language.option"] == 1.0 and weights["main.mpp_active"] == 1.0
    # The safety notice is said in every situation (after its contact) and before the
    # organizations by city: all but the callers who ask for help first hear it.
    assert 0.8 < weights["safety.notice"] < 1.0
    # Each situation is picked alike from the main menu; its words are heard less.
    assert weights["mpp_active.1"] == pytest.approx(weights["children.1"])
    assert 0.1 < weights["mpp_active.1"] < 0.5
    # A prompt with a variant per caller country shares its plays among them.
    assert weights["mpp_active.numbers.from-mx"] == pytest.approx(weights["mpp_active.numbers"])
    assert min(weights.values()) == vc.FLOOR and set(weights) == pack.prompt_ids()


def test_the_counts_weigh_where_there_are_any(pack):
    day = date(2026, 12, 1)
    rows = [
        (day, "", "language", "menu_offered", "", 100),
        (day, "es", "language", "language_chosen", "", 90),
        (day, "es", "main", "menu_offered", "", 95),
        (day, "es", "children", "chosen", "", 80),
        (day, "es", "children_menu", "menu_offered", "", 80),
        (day, "es", "mpp_active", "chosen", "", 2),
    ]
    weights = vc.counts_weights(pack, "es", rows)
    assert weights["language.option"] == 100
    assert weights["safety.notice"] == 82  # said in each situation chosen (80 + 2)
    assert weights["children.1"] == 80 and weights["mpp_active.1"] == 2
    assert weights["checked.children"] == 80  # the date said after the first prompt
    assert vc.counts_weights(pack, "ht", rows) is None  # no Kreyòl counts: the walk
    assert vc.weights_for(pack, "ht", rows)[1] == "walk"
    assert vc.weights_for(pack, "es", rows)[1] == "counts"


def test_the_share_is_weighted_call_seconds(pack):
    spoken = pack.spoken("es")
    weights = {pid: 0.0 for pid in spoken} | {"language.option": 3.0, "safety.notice": 1.0}
    manifest = Manifest()
    manifest.put(entry("es", "language.option", spoken["language.option"], 2.0, staff=True))
    manifest.put(entry("es", "safety.notice", spoken["safety.notice"], 8.0, staff=False))
    c = vc.voice_coverage(pack, "es", manifest, weights, "walk")
    assert c.share == pytest.approx(6.0 / 14.0)  # 3 x 2 s human of 3 x 2 s + 1 x 8 s
    # Stale human audio is not heard: callers hear the computer voice read the words.
    manifest.put(entry("es", "language.option", "old words", 2.0, staff=True))
    assert vc.voice_coverage(pack, "es", manifest, weights, "walk").share == 0.0
    # A prompt whose numbers are still the computer voice counts only its words.
    manifest.put(entry("es", "language.option", spoken["language.option"], 2.0, True, 0.5))
    c = vc.voice_coverage(pack, "es", manifest, weights, "walk")
    assert c.share == pytest.approx(4.5 / 14.0) and c.computer_numbers == 1


@pytest.fixture
def app(tmp_path):
    app = create_app({"ENV": {"HOTLINE_ENV": "development", "DATA_DIR": str(tmp_path / "d")}})
    app.extensions["staff"].add("ana", "correct horse battery")
    return app


def test_flask_audio_coverage(app):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["audio", "coverage"]).output
    lines = out.splitlines()
    assert lines[0].startswith("lang  human")
    assert (
        lines[2].startswith("ht      0.0 %") and "its computer voice is a draft voice" in lines[2]
    )
    assert "draft voice" not in lines[1]  # Spanish has a real computer voice
    with app.app_context():
        studio = app.extensions["studio"]
        item = studio.session("es").items[0]
        take = studio.add_take(
            "es", item.clip.key, speak(item.clip.spoken), author="ana", via="phone"
        )
        studio.keep(take.id, author="ana")
        studio.publish("es", author="ana")
    out = runner.invoke(args=["audio", "coverage", "--lang", "es", "-v"]).output
    share = float(out.splitlines()[1].split()[1])
    assert 0 < share < 100 and "safety.notice" in out
    assert runner.invoke(args=["audio", "coverage", "--lang", "xx"]).exit_code == 2


def test_flask_content_codes(app):
    out = app.test_cli_runner().invoke(args=["content", "codes", "--lang", "en"]).output
    lines = out.splitlines()
    assert lines[0].startswith("   0  (the digits")
    assert lines[1].split()[:2] == ["1", "language.option"] and "English: press 3" in lines[1]
    assert len(lines) == 1 + len(app.extensions["content"].current().prompt_ids())


def test_flask_staff_set_pin(app):
    """``staff set-pin`` is the accounts' ``staff pin`` under the name these docs used."""
    runner = app.test_cli_runner()
    out = runner.invoke(args=["staff", "set-pin", "ana"]).output
    pin = out.split(": ")[1].split()[0]
    assert len(pin) == GENERATED_PIN and pin.isdigit()
    assert (
        runner.invoke(args=["staff", "set-pin", "ana", "--pin-stdin"], input="12\n").exit_code == 1
    )
    out = runner.invoke(args=["staff", "set-pin", "ana", "--pin-stdin"], input="24681357\n")
    assert out.exit_code == 0 and "24681357" not in out.output
    with app.app_context():
        accounts = app.extensions["staff"]
        assert accounts.check_pin("24681357", "caller-key") == "ana"
        assert accounts.check_pin(pin, "caller-key") is None  # the old PIN is gone
    app.extensions["staff"].add("luis", "correct horse battery")
    taken = runner.invoke(args=["staff", "set-pin", "luis", "--pin-stdin"], input="24681357\n")
    assert taken.exit_code == 1 and "Another staff account has that PIN" in taken.output
    assert runner.invoke(args=["staff", "set-pin", "nobody"]).exit_code == 1
