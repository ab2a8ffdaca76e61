"""A prompt as a speaker records it: its words between the numbers, the numbers spliced in."""

from __future__ import annotations

import re

import pytest
from voices_support import speak, tone

from ivr.audio import splice
from ivr.audio.pipeline import PAD_MS, read_ulaw, ulaw_wav
from ivr.audio.takes import check_take


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def test_every_prompt_in_every_language_is_its_clips_and_numbers(pack):
    """Said in order, the clips and the spoken numbers are exactly the words the line says."""
    for language in pack.languages:
        for pid, spoken in pack.spoken(language.code).items():
            parts = splice.score(pack, language.code, pid)
            assert words(splice.words_of(pack, language.code, parts)) == words(spoken), pid


def test_a_prompt_with_numbers_is_recorded_without_them(pack):
    parts = splice.score(pack, "en", "mpp_active.1")
    clips = splice.clips_of(parts)
    numbers = [p for p in parts if isinstance(p, splice.NumberPart)]
    assert [n.number_id for n in numbers] == ["unhcr_whatsapp", "aol_wa_mpp_active"]
    assert clips[0].written.endswith("write to UNHCR on WhatsApp at")
    assert not any(re.search(r"\d", c.spoken) for c in clips)  # no digit of a phone number
    # The pronunciation list applies to what is said, the screen shows what is written.
    assert "conecta.acnur.org" in clips[1].written  # the words between the two numbers
    assert "conecta dot acnur dot org" in clips[1].spoken


def test_where_to_call_from_is_made_of_the_number_words(pack):
    """'from Mexico: … ; from the U.S.: … or …' uses the short clips around numbers."""
    parts = splice.score(pack, "en", "mpp_active.numbers")
    joiners = [c.written for c in splice.clips_of(parts) if c.kind == "joiner"]
    assert joiners == ["from Mexico", "from the U.S.", "or"]
    mexico = splice.score(pack, "en", "mpp_active.numbers.from-mx")
    assert not [c for c in splice.clips_of(mexico) if c.kind == "joiner"]
    # The variants share their other words: recorded once.
    shared = {c.key for c in splice.clips_of(parts)} & {c.key for c in splice.clips_of(mexico)}
    assert len(shared) >= 4


def test_the_number_clips_of_a_language(pack):
    clips = splice.number_clips(pack, "ht")
    assert [c.spoken for c in clips[:10]] == list("0123456789")
    assert [c.written for c in clips[10:]] == ["plis", "oswa", "depi Meksik", "depi Etazini"]
    assert splice.score(pack, "ht", "number.kind") == (
        splice.NumberPart("kind", pack.numbers["kind"].e164, True),
    )


def test_clips_are_shared_by_words(pack):
    """The same words in the same language are one clip, wherever they are said."""
    keys = [
        c.key for pid in pack.spoken("es") for c in splice.clips_of(splice.score(pack, "es", pid))
    ]
    assert len(set(keys)) < len(keys)
    assert splice.clip_key("es", "hola") != splice.clip_key("en", "hola")


def test_ulaw_round_trip_is_exact_enough():
    segment = read_ulaw(check_take(tone(1.0)).audio.data)
    again = read_ulaw(ulaw_wav(segment))
    assert len(again) == len(segment)
    assert abs(again.rms - segment.rms) / segment.rms < 0.01


def _takes(pack, lang: str, parts, *, digits: bool):
    found = {}
    for clip in splice.clips_of(parts):
        found[clip.key] = (f"t-{clip.key[:6]}", check_take(speak(clip.spoken, lang)).audio.data)
    if digits:
        for clip in splice.number_clips(pack, lang):
            found[clip.key] = (f"d-{clip.spoken}", check_take(speak(clip.spoken, lang)).audio.data)
    return found


def test_a_number_is_spliced_from_digit_clips_with_pauses(pack):
    parts = splice.score(pack, "es", "children.numbers")  # "KIND: <slow number>."
    takes = _takes(pack, "es", parts, digits=True)
    said = []

    def computer(text: str) -> bytes:
        said.append(text)
        raise AssertionError("no computer voice when the digit clips exist")

    result = splice.assemble(pack, "es", parts, takes.get, computer)
    assert result.computer_seconds == 0 and result.human_share == 1.0
    e164 = pack.numbers["kind"].e164
    digit_takes = [t for t in result.takes if t.startswith("d-")]
    assert {t.removeprefix("d-") for t in digit_takes} <= set(e164) | {"más"}
    # Each digit's clip, the pauses between digits and the longer ones between groups.
    digits = "".join(splice.digit_groups(e164))
    speech = sum(len(read_ulaw(takes[splice.clip_key("es", d)][1])) - 2 * PAD_MS for d in digits)
    assert result.audio.duration * 1000 > speech + splice.GROUP_GAP_MS[True] * 3
    assert not said


def test_until_digit_clips_exist_numbers_come_from_the_computer_voice(pack):
    parts = splice.score(pack, "es", "mpp_active.1")
    takes = _takes(pack, "es", parts, digits=False)
    said = []

    def computer(text: str) -> bytes:
        said.append(text)
        return check_take(speak(text, "es", rate=160)).audio.data

    result = splice.assemble(pack, "es", parts, takes.get, computer)
    assert len(said) == 2 and said[0].startswith("más 5 2")
    assert 0 < result.computer_seconds < result.audio.duration
    assert 0 < result.human_share < 1


def test_a_missing_word_clip_stops_the_splice(pack):
    parts = splice.score(pack, "es", "safety.notice")
    with pytest.raises(splice.MissingClip):
        splice.assemble(pack, "es", parts, lambda key: None, lambda text: b"")
