"""The computer voices say names right (issue 21): every computer-made prompt of every
language read through espeak-ng's phonemes, against the misread lists the pack keeps."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ivr import create_app
from ivr.audio import phonemes as ph
from ivr.audio.phonemes import (
    computer_made,
    contains_phonemes,
    misreadings,
    phoneme_words,
    phonemes,
)
from ivr.console.problems import plain
from ivr.content import ContentError, load_pack
from ivr.content.speech import WEB_ADDRESS, spell_address

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("es", "ht", "en")


@pytest.fixture(scope="module")
def cache(request) -> Path:
    """Phonemes kept between runs (pytest's cache folder): a warm run takes no espeak-ng."""
    return Path(request.config.cache.mkdir("phonemes"))


@pytest.fixture
def copy(tmp_path):
    dst = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", dst)
    return dst


def found(hits, kind=None) -> set[str]:
    return {h.found for h in hits if kind is None or h.kind == kind}


# -- the committed content -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_no_computer_made_prompt_holds_a_name_the_voice_misreads(pack, cache, lang):
    hits = misreadings(pack, lang, cache_dir=cache)

    assert [str(hit) for hit in hits] == []


# What the line said before these pronunciation lists, where it was not the written words.
OLD_SPOKEN = {
    "es": {"old.bitly": "bit punto ele i griega, diagonal, A O L encuesta"},
    "ht": {"old.linktree": "linktri: èl, i, èn, ka, te, è, pwen, e, e, slach, al otro lado"},
    "en": {"old.bitly": "bit dot l y, slash, A O L encuesta"},
}


def before(pack, lang: str, cache: Path):
    """The misreadings in what the voice would say without the pronunciation list: the texts
    the list changes (elsewhere the voice says the same words either way)."""
    spoken = computer_made(pack, lang)
    written = computer_made(pack, lang, written=True)
    texts = {key: words for key, words in written.items() if spoken.get(key) != words}
    texts.update(OLD_SPOKEN[lang])
    return misreadings(pack, lang, texts=texts, cache_dir=cache)


@pytest.mark.parametrize("lang", LANGS)
def test_every_misread_phoneme_on_the_list_is_what_the_voice_said_before(pack, cache, lang):
    """The lists are not guesses: each phoneme string is what espeak-ng says for the written
    words the pronunciation list replaces (the issue's misreadings among them)."""
    language = pack.language(lang)

    # "(en)" is espeak-ng switching to English or an SSML tag read aloud: tested below.
    assert set(language.misread_phonemes) - {"(en)"} <= found(before(pack, lang, cache))


def test_the_misreadings_the_issue_reported_are_caught(pack, cache):
    es, ht, en = (before(pack, lang, cache) for lang in LANGS)
    # Spanish reads "Jewish" with a jota and HIAS as "ías".
    assert {"xew'iS", "j'as", "Js'iD**o", "B,eIntiD'os m'il sj'ento"} <= found(es)
    # English says the lone "A" of "A O L" as "uh" and HIAS as "hee-az"; 22127 as an amount.
    assert {"a# 'oU 'El", "h'i@z", "Vs'IdroU", "tw'Ent2i t'u: T'aUz@nd"} <= found(en)
    # Kreyòl reads English and Spanish names with Kreyòl letters.
    assert {
        "salifohni;'a",  # California Welcoming Task Force
        "jew'ish",  # Jewish Family Service
        "sehvis'e",
        "initi;ativ'e",  # Kino Border Initiative
        "bohd'eh",  # Border Kindness
        "h'ights",  # Texas Civil Rights Project
        "sathol'is",  # Catholic Charities
        "shus'es",  # Las Cruces
        "new meksis'o",  # New Mexico
        "meksisal'i",  # Mexicali
        "sahas'ol",  # Enclave Caracol
        "sall'e",  # Calle Primera
        "bo'ahd",  # Board of Immigration Appeals
        "photos'ols",  # Migrant Protection Protocols
        "i;'om",  # IOM
        "hi;'as",  # HIAS
        "jon'es",  # Jones Day
    } <= found(ht)
    # Web addresses left as written are read as words no one can type.
    for hits in (es, ht, en):
        assert {"bit.ly/AOLencuesta", "conecta.acnur.org"} <= found(hits, "address")


def test_names_are_respelled_in_each_language_and_numbers_said_as_digits(pack):
    es, ht, en = pack.spoken("es"), pack.spoken("ht"), pack.spoken("en")

    assert "Yúish Fámili Sérvis" in es["tijuana.3"] and "Jáias" in es["tijuana.4"]
    assert "código postal dos, dos, uno, dos, siete" in es["tijuana.1"]
    assert "Djouich Famili Sèvis" in ht["tijuana.3"]
    assert "Kalifòni Wèlkoming Task Fòs" in ht["safety.notice"]
    assert "Enklave Karakòl, nan Kaye Primera uit, de, senk, zewo" in ht["tijuana.1"]
    assert "Hy-ass" in en["tijuana.4"] and "San Eeseedro" in en["mpp_active.6"]
    assert "Kah-yay Pree-mair-ah eighty-two fifty" in en["tijuana.1"]
    assert "postal code two, two, one, two, seven" in en["tijuana.1"]
    # The written words (console, captions, text messages) keep the real names.
    assert "Jewish Family Service" in pack.texts("es")["tijuana.3"]
    assert "22127" in pack.texts("en")["tijuana.1"]


def test_a_web_address_is_said_as_words_then_spelled_with_its_capitals(pack):
    es, ht, en = pack.spoken("es"), pack.spoken("ht"), pack.spoken("en")

    assert (
        "bit punto li, diagonal, A O L encuesta; se escribe: be grande, i, te; punto; ele, "
        "i griega; diagonal; a, o, ele, en mayúsculas; e, ene, ce, u, e, ese, te, a, "
        "en minúsculas" in es["mpp_active.4"]
    )
    assert (
        "bit pwen li, slach, a o èl risk sondaj; ou ekri l konsa: be, i, te; pwen; èl, igrèk; "
        "slach; a, o, èl, an majiskil; èr, i, ès, ka, ès, o, èn, de, a, ji, an miniskil"
        in ht["mpp_active.4"]
    )
    assert (
        "conecta dot acnur dot org; spelled: C, O, N, E, C, T, A; dot; A, C, N, U, R; dot; "
        "O, R, G. Al Otro Lado helps" in en["mpp_active.1"]
    )
    for lang in LANGS:
        assert [t for t in pack.spoken(lang).values() if WEB_ADDRESS.search(t)] == []


def test_kreyol_spells_r_so_it_is_not_heard_as_e():
    """espeak-ng's Kreyòl says "è" and "e" alike: the letter R is "èr"."""
    old, new = phonemes([OLD_SPOKEN["ht"]["old.linktree"], "te, èr; pwen; e, e"], "ht")

    assert contains_phonemes(old, "t'e 'e pw'en 'e 'e")  # linktr.ee heard as "linkte.eee"
    assert phoneme_words(new) == ["t'e", "'eh", "pw'en", "'e", "'e"]


def test_spelling_without_capitals_says_no_case_words(pack):
    spelling = pack.language("en").spelling

    assert spell_address("linktr.ee/alotrolado", spelling) == (
        "L, I, N, K, T, R; dot; E, E; slash; A, L, O, T, R, O, L, A, D, O"
    )


# -- the rules --------------------------------------------------------------------------------


def set_text(root: Path, lang: str, prompt_id: str, text: str) -> None:
    path = root / "text" / f"{lang}.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{prompt_id}:"))
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i][:1] not in (" ", "\n")), len(lines)
    )
    lines[start:end] = [f'{prompt_id}: "{text}"\n']
    path.write_text("".join(lines), encoding="utf-8")


def test_a_name_the_voice_misreads_is_refused_with_the_prompt_and_the_word(copy):
    set_text(copy, "es", "news.2", "Llame al servicio Jewish de San Diego.")

    with pytest.raises(ContentError) as info:
        load_pack(copy)

    refused = [p for p in info.value.problems if p.code == "word_misread"]
    assert [(p.key, p.params["word"], p.params["lang"]) for p in refused] == [
        ("news.2", "Jewish", "es")
    ]


def test_the_console_says_why_in_the_staffers_words(copy, tmp_path):
    set_text(copy, "es", "news.2", "Llame al servicio Jewish de San Diego.")
    with pytest.raises(ContentError) as info:
        load_pack(copy)
    problem = next(p for p in info.value.problems if p.code == "word_misread")
    env = {"HOTLINE_ENV": "development", "DATA_DIR": str(tmp_path / "data")}
    app = create_app({"ENV": env, "TESTING": True})

    with app.test_request_context(headers={"Accept-Language": "es"}):
        assert plain(problem).text.startswith("La voz de computadora leería mal «Jewish».")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert plain(problem).text.startswith("The computer voice would read «Jewish» wrongly.")


def test_the_whole_name_is_said_right_and_not_refused(copy):
    set_text(copy, "es", "news.2", "Llame a Jewish Family Service en San Diego.")

    assert "Llame a Yúish Fámili Sérvis" in load_pack(copy).spoken("es")["news.2"]


def test_an_address_with_a_letter_the_language_cannot_spell_is_refused(copy):
    path = copy / "languages.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            '      - ["conecta.acnur.org", "conecta punto acnur punto org"]',
            '      - ["conecta.acnur.org", "conecta punto acnur punto org"]\n'
            '      - ["año.org/x", "año punto org"]',
        ),
        encoding="utf-8",
    )

    with pytest.raises(ContentError) as info:
        load_pack(copy)

    assert [(p.code, p.params["characters"]) for p in info.value.problems] == [
        ("spell_missing", "ñ")
    ]


# -- reading phonemes -----------------------------------------------------------------------------


def test_a_prompts_phonemes_do_not_depend_on_the_prompts_read_with_it(pack):
    texts = [pack.spoken("es")[p] for p in ("tijuana.1", "keys.repeat", "mpp_active.4")]

    together = ph._run(texts, "es-419", "espeak-ng")

    assert together == [ph._run([text], "es-419", "espeak-ng")[0] for text in texts]


def test_a_long_batch_never_reads_an_ssml_tag_aloud():
    # espeak-ng reads standard input in pieces of about 2 kB unless told --stdin: a tag cut
    # in two was spoken as "as equals characters".
    number = "Llame al más 5 2, 6 6 4, 1 9 4, 6 2 0 9."
    said = ph._run([" ".join([number] * 3)] * 20, "ht", "espeak-ng")

    assert not any(contains_phonemes(s, "(en)") for s in said)
    assert len(set(said)) == 1


def test_phonemes_come_from_the_cache_folder_once_read(tmp_path, monkeypatch):
    texts = ["Jewish Family Service", "Yúish Fámili Sérvis"]
    first = phonemes(texts, "es-419", cache_dir=tmp_path)
    monkeypatch.setattr(ph, "_memory", {})

    def no_espeak(*_args):
        raise AssertionError("espeak-ng ran again")

    monkeypatch.setattr(ph, "_run", no_espeak)

    assert phonemes(texts, "es-419", cache_dir=tmp_path) == first
    assert contains_phonemes(first[0], "xew'iS") and not contains_phonemes(first[1], "xew'iS")


def test_stress_tells_a_misreading_from_the_right_reading():
    assert contains_phonemes("'imiQ**ant D,efend'ers", "D'efend'ers")
    assert not contains_phonemes("'imiQ**ant Def'enders", "D,efend'ers")
    assert contains_phonemes("a | b'it pw'en", "b'it pw'en")
    assert not contains_phonemes("b'it", "")
