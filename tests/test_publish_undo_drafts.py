"""Going back without surprises, drafts of words and numbers, and review marks: the
Publisher's logic on its own (no HTTP), on SQLite and PostgreSQL."""

from __future__ import annotations

import struct

import pytest
from test_publish_support import call, edited, first_prompt, make_line
from test_publish_support import heard as caller_hears

from ivr.publish import NotUndoable, UndoBlocked


@pytest.fixture
def line(tmp_path, database_url):
    return make_line(tmp_path, database_url)


@pytest.fixture
def publisher(line):
    return line.app().extensions["publisher"]


def a_voice_number(publisher):
    return next(n for n in publisher.pack().numbers.values() if n.voice)


def another_e164(number) -> str:
    return "+16195550123" if number.e164 != "+16195550123" else "+16195550124"


def test_the_restore_preview_lists_every_later_change_it_would_undo(publisher):
    pack = publisher.pack()
    prompt = first_prompt(pack)
    first = publisher.set_text("es", prompt, edited(pack, prompt, "Uno"), author="ana")
    text_edit = publisher.set_text("es", prompt, edited(pack, prompt, "Dos"), author="luis")
    number = a_voice_number(publisher)
    number_fix = publisher.set_number(number.id, e164=another_e164(number), author="rosa")

    later = publisher.restore_preview(first.id)

    assert [(c.version.id, c.version.author, c.change.kind) for c in later] == [
        (number_fix.id, "rosa", "number"),
        (text_edit.id, "luis", "text"),
    ]
    words = later[1].change
    assert (words.lang, words.target) == ("es", prompt)
    assert words.before.startswith("Uno.") and words.after.startswith("Dos.")
    assert later[0].change.before["e164"] == number.e164
    assert publisher.restore_preview(number_fix.id) == []  # the live one: nothing to undo


def test_a_change_undone_later_by_hand_is_not_listed_as_undone_again(publisher):
    pack = publisher.pack()
    prompt = first_prompt(pack)
    first = publisher.set_text("es", prompt, edited(pack, prompt, "Uno"), author="ana")
    publisher.set_text("es", prompt, edited(pack, prompt, "Dos"), author="luis")
    publisher.set_text("es", prompt, edited(pack, prompt, "Uno"), author="luis")

    assert publisher.restore_preview(first.id) == []


def test_undo_just_this_change_keeps_a_later_number_fix(line, publisher):
    pack = publisher.pack()
    prompt = first_prompt(pack)
    original = pack.raw_texts("es")[prompt]
    text_edit = publisher.set_text("es", prompt, edited(pack, prompt, "Hola"), author="ana")
    number = a_voice_number(publisher)
    publisher.set_number(number.id, e164=another_e164(number), author="rosa")

    undone = publisher.undo_version(text_edit.id, author="luis")

    live = publisher.pack()
    assert live.raw_texts("es")[prompt] == original
    assert live.numbers[number.id].e164 == another_e164(number)
    assert undone.live and "undid version" in undone.summary
    assert "Hola" not in call(line.app())  # callers hear the old words (and their audio) again
    entry = publisher.audit_log(1)[0]
    assert (entry.who, entry.action, entry.what) == ("luis", "undo_version", f"es {prompt}")


def test_undo_is_refused_naming_the_later_change_to_the_same_prompt(publisher):
    pack = publisher.pack()
    prompt = first_prompt(pack)
    first = publisher.set_text("es", prompt, edited(pack, prompt, "Uno"), author="ana")
    second = publisher.set_text("es", prompt, edited(pack, prompt, "Dos"), author="luis")
    before = publisher.versions()

    with pytest.raises(UndoBlocked) as refused:
        publisher.undo_version(first.id, author="rosa")

    [blocking] = refused.value.blocking
    assert (blocking.version.id, blocking.version.author) == (second.id, "luis")
    assert (blocking.change.lang, blocking.change.target) == ("es", prompt)
    assert publisher.versions() == before  # nothing written


def test_undo_a_number_change_puts_back_only_its_fields(publisher):
    number = a_voice_number(publisher)
    change = publisher.set_number(number.id, e164=another_e164(number), author="rosa")
    publisher.set_number(a_voice_number(publisher).id, label="Nueva etiqueta", author="ana")
    with pytest.raises(UndoBlocked):
        publisher.undo_version(change.id, author="luis")  # the same number changed since

    other = next(n for n in publisher.pack().numbers.values() if n.id != number.id)
    fix = publisher.set_number(other.id, label="Otra etiqueta", author="ana")
    publisher.undo_version(fix.id, author="luis")

    live = publisher.pack()
    assert live.numbers[other.id].label == other.label
    assert live.numbers[number.id].label == "Nueva etiqueta"


def test_a_version_that_changed_nothing_cannot_be_undone(publisher):
    pack = publisher.pack()
    prompt = first_prompt(pack)
    first = publisher.set_text("es", prompt, edited(pack, prompt, "Uno"), author="ana")
    back = publisher.undo_version(first.id, author="ana")
    with pytest.raises(UndoBlocked):  # the undo itself touched the prompt since
        publisher.undo_version(first.id, author="ana")
    with pytest.raises(KeyError):
        publisher.undo_version("999", author="ana")
    assert back.id != first.id
    assert issubclass(NotUndoable, ValueError)


def test_a_text_draft_never_reaches_callers_until_published(line, publisher):
    pack = publisher.pack()
    prompt = first_prompt(pack)
    heard = call(line.app())
    live_before = publisher.live_version()

    draft = publisher.save_text_draft("es", prompt, edited(pack, prompt, "Borrador"), author="ana")

    assert call(line.app()) == heard  # the same TwiML while the draft waits
    assert publisher.live_version() == live_before
    assert [d.id for d in line.app().extensions["publisher"].text_drafts()] == [draft.id]
    [(lang, pid, now, then)] = publisher.draft_prompts(draft.id)
    assert (lang, pid) == ("es", prompt) and then.startswith("Borrador.") and now != then
    speech = publisher.draft_speech(draft.id, "es", prompt)
    header = speech.read_bytes()[:44]
    fmt, _, rate = struct.unpack_from("<HHL", header, 20)
    assert header[:4] == b"RIFF" and (fmt, rate) == (7, 8000)  # μ-law at 8 kHz, as callers hear
    with pytest.raises(KeyError):
        publisher.draft_speech(draft.id, "en", prompt)  # the draft does not change English

    version = publisher.publish_text_draft(draft.id, author="luis")

    assert publisher.pack().raw_texts("es")[prompt].startswith("Borrador.")
    assert version.live and publisher.text_drafts() == []
    assert "Borrador" in caller_hears(line.app())


def test_a_draft_the_line_could_not_serve_is_refused_when_saved(publisher):
    from ivr.content import ContentError

    menu = next(n for n in publisher.pack().flow.nodes.values() if n.options)
    option = menu.options[0].prompt
    with pytest.raises(ContentError):
        publisher.save_text_draft("es", option, "Sin tecla", author="ana")
    assert publisher.text_drafts() == []


def test_a_number_draft_shows_every_prompt_that_says_it_in_every_language(line, publisher):
    number = a_voice_number(publisher)
    heard = call(line.app())

    draft = publisher.save_number_draft(number.id, e164=another_e164(number), author="rosa")

    touched = publisher.draft_prompts(draft.id)
    langs = {lang for lang, *_ in touched}
    assert langs == {language.code for language in publisher.pack().languages}
    assert all(now != then for *_, now, then in touched)
    assert ("es", f"number.{number.id}") in {(lang, pid) for lang, pid, *_ in touched}
    assert call(line.app()) == heard
    publisher.discard_text_draft(draft.id)
    assert publisher.text_drafts() == [] and publisher.pack().numbers[number.id] == number


def test_saving_a_prompts_draft_again_replaces_it(publisher):
    pack = publisher.pack()
    prompt = first_prompt(pack)
    publisher.save_text_draft("es", prompt, edited(pack, prompt, "Uno"), author="ana")
    second = publisher.save_text_draft("es", prompt, edited(pack, prompt, "Dos"), author="luis")
    assert [d.id for d in publisher.text_drafts()] == [second.id]
    assert publisher.find_text_draft("text", prompt, "es") == second


def test_a_review_mark_holds_until_the_words_change(publisher):
    pack = publisher.pack()
    prompt = first_prompt(pack)

    publisher.mark_reviewed("es", prompt, reviewer="lucia")

    review = publisher.reviews()[("es", prompt)]
    assert review.reviewer == "lucia" and review.reviewed_at.endswith("Z")
    assert ("en", prompt) not in publisher.reviews()
    entry = publisher.audit_log(1)[0]
    assert (entry.who, entry.action, entry.what) == ("lucia", "mark_reviewed", f"es {prompt}")

    publisher.set_text("es", prompt, edited(pack, prompt, "Nuevo"), author="ana")
    assert ("es", prompt) not in publisher.reviews()
    assert publisher.text_writers()[("es", prompt)].who == "ana"


def test_reused_audio_says_which_words_it_would_bring_back(publisher):
    pack = publisher.pack()
    prompt = first_prompt(pack)
    [seed_audio] = publisher.audio_history("es", prompt)
    publisher.set_text("es", prompt, edited(pack, prompt, "Nuevo"), author="ana")

    words = publisher.restore_audio_words("es", prompt, seed_audio.file)

    assert words == pack.raw_texts("es")[prompt]
    publisher.restore_audio("es", prompt, seed_audio.file, author="ana")
    assert publisher.restore_audio_words("es", prompt, seed_audio.file) is None
