"""Spoken and written words kept apart, and spoken words a voice can read."""

import shutil
from pathlib import Path

import pytest

from ivr.content import ContentError, load_pack
from ivr.content.speech import MAX_SPOKEN_CHARS, misread_numerals, pronounce

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def copy(tmp_path):
    dst = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", dst)
    return dst


def set_text(root: Path, lang: str, prompt_id: str, text: str) -> None:
    """Replace one prompt's text (the YAML files keep one prompt per top-level key)."""
    path = root / "text" / f"{lang}.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{prompt_id}:"))
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i][:1] not in (" ", "\n")), len(lines)
    )
    quoted = text.replace('"', '\\"')  # a backslash stays a YAML escape (\\0 is NUL)
    lines[start:end] = [f'{prompt_id}: "{quoted}"\n']
    path.write_text("".join(lines), encoding="utf-8")


def problems(root: Path):
    with pytest.raises(ContentError) as info:
        load_pack(root)
    return info.value.problems


def test_the_written_words_keep_the_address_and_the_spoken_words_spell_it_out(pack):
    assert "bit.ly/AOLencuesta" in pack.texts("es")["no_mpp.4"]
    assert (
        "bit punto li, diagonal, A O L encuesta; se escribe: be grande, i, te; punto; ele, "
        "i griega; diagonal; a, o, ele, en mayúsculas; e, ene, ce, u, e, ese, te, a, "
        "en minúsculas" in pack.spoken("es")["no_mpp.4"]
    )
    assert "bit.ly" not in pack.spoken("es")["no_mpp.4"]


def test_kreyol_hears_title_42_and_mpp_in_words_it_can_say(pack):
    assert "Title 42" in pack.texts("ht")["no_mpp.5"]
    assert "Tit karanndè" in pack.spoken("ht")["no_mpp.5"]
    assert "èm pe pe" in pack.spoken("ht")["main.mpp_active"]


def test_kreyol_dates_are_said_in_kreyol_words_and_written_in_figures(pack):
    assert pack.texts("ht")["checked.mpp_active"] == "Enfòmasyon 10 me 2021."
    assert "dis me de mil venteyen" in pack.spoken("ht")["checked.mpp_active"]


def test_pronunciations_never_touch_a_phone_number():
    pairs = [("2", "de"), ("MPP", "èm pe pe")]
    assert pronounce("MPP {number:kind} 2", pairs) == "èm pe pe {number:kind} de"


def test_a_pronunciation_matches_whole_words_only():
    assert pronounce("MPPs and MPP.", [("MPP", "M")]) == "MPPs and M."


def test_no_kreyol_text_leaves_a_number_the_voice_misreads(pack):
    spoken = pack.spoken_unexpanded("ht")
    assert {pid: misread_numerals(t) for pid, t in spoken.items() if misread_numerals(t)} == {}


def test_a_kreyol_year_without_words_is_refused_with_the_prompt_and_the_word(copy):
    set_text(copy, "ht", "news.2", "Depi 1999, pa gen anyen.")
    found = [p for p in problems(copy) if p.code == "numeral_misread"]
    assert [(p.key, p.params["word"]) for p in found] == [("news.2", "1999")]
    assert "1999" in found[0].message and "news.2" in str(found[0])


def test_single_digits_and_phone_numbers_are_fine_in_kreyol():
    assert misread_numerals("peze 2. Rele {number:kind}, oswa {slow:kind}.") == []
    assert misread_numerals("Tit 42") == ["42"]


def test_spanish_may_keep_figures_its_voice_reads(copy):
    set_text(copy, "es", "news.2", "Desde 1999, nada.")
    assert load_pack(copy).spoken("es")["news.2"] == "Desde 1999, nada."


def test_a_spoken_text_longer_than_one_say_is_refused_with_the_count_and_the_limit(copy):
    set_text(copy, "en", "news.2", "word " * 700)
    found = [p for p in problems(copy) if p.code == "text_too_long"]
    assert len(found) == 1
    assert found[0].key == "news.2"
    assert found[0].params["limit"] == MAX_SPOKEN_CHARS
    assert found[0].params["count"] == len(("word " * 700).strip())
    assert f"at most {MAX_SPOKEN_CHARS}" in found[0].message


def test_a_pronunciation_that_makes_a_text_too_long_is_refused_too(copy):
    path = copy / "languages.yaml"
    text = path.read_text(encoding="utf-8")
    long_word = "a" * 3000
    path.write_text(
        text.replace('      - ["MPP", "èm pe pe"]', f'      - ["MPP", "{long_word}"]'),
        encoding="utf-8",
    )
    assert any(p.code == "text_too_long" and p.key == "main.mpp_active" for p in problems(copy))


def test_a_nul_character_is_refused_with_its_name_and_position(copy):
    set_text(copy, "en", "news.2", "Hello\\0 there")  # a YAML escape: the text holds a NUL
    found = [p for p in problems(copy) if p.code == "control_character"]
    assert [(p.key, p.params["character"], p.params["position"]) for p in found] == [
        ("news.2", "U+0000 NULL", 6)
    ]
    assert "U+0000 NULL at position 6" in found[0].message


def test_a_raw_control_character_in_the_file_is_named_not_a_yaml_error(copy):
    path = copy / "text" / "en.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace('common.goodbye: "Thank you', 'common.goodbye: "Thank\x00 you'),
        encoding="utf-8",
    )
    found = problems(copy)
    assert [(p.key, p.code, p.params.get("position")) for p in found] == [
        ("common.goodbye", "control_character", 6)
    ]


def test_an_invisible_format_character_is_refused_too(copy):
    set_text(copy, "es", "news.2", "Hola\\u200b mundo")
    assert any(p.params.get("character") == "U+200B ZERO WIDTH SPACE" for p in problems(copy))


def test_problems_carry_a_code_and_params_for_the_console(copy):
    set_text(copy, "en", "main.children", "Child without parents.")
    found = [p for p in problems(copy) if p.code == "option_key_missing"]
    assert found[0].params == {"key": "4", "option": 4, "node": "main", "lang": "en"}


def test_audio_and_say_speak_the_pronunciation_and_captions_show_the_written_words(app, pack):
    from xml.etree import ElementTree as ET

    from ivr import twiml
    from ivr.flow import CallState, Input, next_step
    from ivr.sim.captions import pack_captions

    catalogue = app.extensions["audio"]
    entry = catalogue.entry("es", "no_mpp.4")
    assert entry.text == pack.spoken("es")["no_mpp.4"]  # the manifest records spoken words
    caption = pack_captions(pack, catalogue)(f"/audio/es/{entry.file}")
    assert caption == pack.texts("es")["no_mpp.4"] and "bit.ly/AOLencuesta" in caption

    step = next_step(pack, CallState("es", "main"), Input("5"))
    root = ET.fromstring(twiml.render(step, pack, lambda s: "/x"))  # no audio: <Say>
    said = " ".join(s.text for s in root.iter("Say"))
    assert "bit punto li, diagonal, A O L encuesta; se escribe: be grande, i, te;" in said
    assert "bit.ly" not in said


def test_a_slow_number_is_never_followed_by_two_full_stops(pack):
    for lang in pack.languages:
        for pid, text in pack.texts(lang.code).items():
            assert ".." not in text, (lang.code, pid)
