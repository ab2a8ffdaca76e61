"""A change of words or numbers goes out with computer audio of the new words, in every
language whose audio was computer-made, in the same version: callers never hear a fallback
voice (or another language's) while audio waits to be rebuilt. Staff recordings stay staff's.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date

import pytest
from test_publish_support import ROOT, call, edited, first_prompt, make_line, played

from ivr.audio.manifest import load_manifest, save_manifest
from ivr.content import load_pack


@pytest.fixture
def line(tmp_path):
    # which prompts get new audio is decided before anything is stored: on the embedded
    # SQLite; the audio's storage runs on both in test_publish_audio and test_db_store.
    return make_line(tmp_path)


def with_seed_audio(line, prompt_ids: list[str], langs=("es", "ht", "en")) -> None:
    """Add the committed audio of these prompts to the line's seed audio."""
    seed = load_manifest(ROOT / "audio")
    manifest = load_manifest(line.audio)
    for lang in langs:
        for prompt_id in prompt_ids:
            entry = seed.get(lang, prompt_id)
            assert entry is not None, f"committed audio for {lang} {prompt_id}"
            (line.audio / lang).mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / "audio" / lang / entry.file, line.audio / lang)
            manifest.put(entry)
    save_manifest(line.audio, manifest)


def live_entry(publisher, lang: str, prompt_id: str):
    return publisher.store.snapshot().manifest.get(lang, prompt_id)


def test_a_text_edit_goes_out_with_computer_audio_of_the_new_words(line):
    app = line.app()
    publisher = app.extensions["publisher"]
    prompt = first_prompt(publisher.pack(), "es")
    before = live_entry(publisher, "es", prompt)

    version = publisher.set_text(
        "es", prompt, edited(publisher.pack(), prompt, "Hola"), author="ana"
    )

    after = live_entry(publisher, "es", prompt)
    assert after.file != before.file and after.source["kind"] == "tts"
    assert after.speaks(publisher.pack().spoken("es")[prompt])
    assert played(call(app), "es") == after.file  # heard as audio, not read by <Say>
    assert publisher.versions()[0].id == version.id  # one version: words and audio together
    assert live_entry(publisher, "en", first_prompt(publisher.pack(), "en")).file == (
        load_manifest(line.audio).get("en", first_prompt(publisher.pack(), "en")).file
    )  # other languages untouched


def test_a_number_change_remakes_every_prompt_that_says_it_in_every_language(line):
    pack = load_pack(line.prompts)
    number = next(n for n in pack.numbers.values() if n.voice and n.id == "kind")
    with_seed_audio(line, [f"number.{number.id}"])
    publisher = line.app().extensions["publisher"]
    old = {lang: live_entry(publisher, lang, f"number.{number.id}") for lang in ("es", "ht", "en")}

    publisher.set_number(number.id, e164="+12029189432", author="ana")

    live = publisher.pack()
    for lang in ("es", "ht", "en"):
        entry = live_entry(publisher, lang, f"number.{number.id}")
        assert entry.file != old[lang].file, lang
        assert entry.speaks(live.spoken(lang)[f"number.{number.id}"]), lang
        assert entry.source["kind"] == "tts", lang


def test_a_staff_recording_is_left_for_staff_to_record_again(line):
    manifest = load_manifest(line.audio)
    pack = load_pack(line.prompts)
    prompt = first_prompt(pack, "es")
    recorded = replace(manifest.get("es", prompt), source={"kind": "staff", "by": "ana"})
    manifest.put(recorded)
    save_manifest(line.audio, manifest)
    publisher = line.app().extensions["publisher"]

    publisher.set_text("es", prompt, edited(pack, prompt, "Hola"), author="luis")

    entry = live_entry(publisher, "es", prompt)
    assert entry.file == recorded.file and entry.staff_recorded
    assert not entry.speaks(publisher.pack().spoken("es")[prompt])  # listed as out of date


def test_marking_a_section_checked_today_changes_its_date_and_is_in_the_audit_log(line):
    publisher = line.app().extensions["publisher"]
    section = next(
        node.id for node in publisher.pack().flow.nodes.values() if getattr(node, "checked", None)
    )

    publisher.mark_checked(section, author="ana", day=date(2026, 12, 1))

    assert publisher.pack().section_checked(section) == "2026-12-01"
    entry = publisher.audit_log(1)[0]
    assert (entry.who, entry.action) == ("ana", "mark_checked")
    assert "2026-12-01" in entry.summary


def test_a_section_without_a_date_cannot_be_marked_checked(line):
    publisher = line.app().extensions["publisher"]
    undated = next(
        node.id
        for node in publisher.pack().flow.nodes.values()
        if not getattr(node, "checked", None)
    )

    with pytest.raises(KeyError):
        publisher.mark_checked(undated, author="ana", day=date(2026, 12, 1))
    assert publisher.versions() == []
