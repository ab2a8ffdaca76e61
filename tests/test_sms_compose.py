"""The text a caller gets: the page's contacts from the pack, in their language, short."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from ivr.content.model import frozen_map
from ivr.sms.compose import compose, load_words, page_for, textable_pages, wa_link
from ivr.sms.gsm import fold_to_gsm7, is_gsm7, segments

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("es", "ht", "en")


@pytest.fixture(scope="module")
def words():
    return load_words(ROOT / "prompts")


# -- GSM-7 and segments ------------------------------------------------------------------------


def test_plain_latin_text_is_gsm7_and_fits_160_characters_in_one_segment():
    assert is_gsm7("Hola, ¿qué tal? ñ ü é è ò à Ç")
    assert segments("a" * 160) == 1
    assert segments("a" * 161) == 2
    assert segments("a" * 306) == 2
    assert segments("a" * 307) == 3


def test_extension_table_characters_count_twice_and_are_never_split():
    assert segments("€" * 80) == 1  # 160 septets
    assert segments("€" * 81) == 2
    # 152 plain septets then an escape pair: the pair moves whole into the second part.
    assert segments("a" * 152 + "€" + "a" * 152) == 3


def test_one_character_outside_gsm7_makes_the_whole_text_ucs2():
    assert not is_gsm7("Línea")
    assert segments("í" * 70) == 1
    assert segments("í" * 71) == 2
    assert segments("í" * 134) == 2
    assert segments("í" * 135) == 3


def test_folding_drops_only_the_accents_gsm7_lacks():
    assert fold_to_gsm7("Línea de Información, está aquí: Niño, qué") == (
        "Linea de Informacion, esta aqui: Niño, qué"
    )
    assert fold_to_gsm7("Kreyòl") == "Kreyòl"


# -- which contacts a page gives ---------------------------------------------------------------


def test_every_situation_and_city_page_can_be_texted(pack):
    pages = textable_pages(pack)
    assert set(pack.situations().values()) <= set(pages)
    regions = pack.flow.nodes["regions"]
    assert {o.goto for o in regions.options} <= set(pages)


def test_the_menu_after_a_guidance_names_the_same_page_as_its_start(pack):
    assert page_for(pack, "mpp_active_menu") == page_for(pack, "mpp_active")
    assert page_for(pack, "main") is None
    assert page_for(pack, "no_such_node") is None


def test_active_mpp_text_lists_what_the_guidance_speaks_then_the_transfers(pack, words):
    message = compose(pack, words, "mpp_active", "es")
    unhcr, aol_wa = pack.numbers["unhcr_whatsapp"], pack.numbers["aol_wa_mpp_active"]
    assert message.number_ids[:2] == ("unhcr_whatsapp", "aol_wa_mpp_active")
    assert f"ACNUR, WhatsApp: {wa_link(unhcr.e164)}" in message.body.splitlines()
    assert "https://wa.me/" + aol_wa.e164.lstrip("+") in message.body
    assert pack.numbers["immdef_sd"].e164 in message.body
    # Al Otro Lado's numbers as the call says them: for Mexico, and for the U.S.
    lines = message.body.splitlines()
    assert f"Al Otro Lado, desde México: {pack.numbers['aol_mx'].e164}" in lines
    us = [pack.numbers[n].e164 for n in ("aol_us_619", "aol_us_323")]
    assert f"Al Otro Lado, desde EE. UU.: {us[0]} o {us[1]}" in lines
    # The guidance spells out UNHCR's site; the directory's address is sent as written.
    assert "https://conecta.acnur.org" in message.body.splitlines()


def test_every_number_is_written_in_e164_and_every_whatsapp_line_as_a_wa_me_link(pack, words):
    for node in textable_pages(pack):
        for lang in LANGS:
            message = compose(pack, words, node, lang)
            for nid in message.number_ids:
                number = pack.numbers[nid]
                if number.voice:
                    assert re.search(re.escape(number.e164) + r"\b", message.body), (node, nid)
                if number.whatsapp:
                    assert wa_link(number.e164) in message.body, (node, nid)


def test_the_last_line_is_the_date_the_call_said_and_that_it_may_have_changed(pack, words):
    assert compose(pack, words, "children", "es").body.endswith(
        "Informacion del 7 de abril de 2021: puede haber cambiado."
    )
    assert compose(pack, words, "children", "en").body.endswith(
        "Information from April 7, 2021: it may have changed."
    )
    assert compose(pack, words, "children", "ht").body.endswith(
        "Enfòmasyon 7 avril 2021: bagay yo ka chanje depi lè sa a."
    )
    # The guidance said 10 May 2021 (its section's date), though some of its numbers come
    # from the April flyer: the text says the same date as the call.
    assert pack.texts("en")["checked.mpp_active"].endswith("May 10, 2021.")
    assert "May 10, 2021" in compose(pack, words, "mpp_active", "en").body.splitlines()[-1]


def test_every_text_ends_with_the_date_its_page_said(pack, words):
    for node, page in textable_pages(pack).items():
        oldest = min(page.checked)
        for lang in LANGS:
            said = words[lang].written_date(oldest)
            last = compose(pack, words, node, lang).body.splitlines()[-1]
            assert (fold_to_gsm7(said) if words[lang].fold_accents else said) in last, (node, lang)


def test_the_words_come_from_prompts_sms_yaml_in_each_language(pack, words):
    for lang in LANGS:
        body = compose(pack, words, "children", lang).body
        expected = (
            fold_to_gsm7(words[lang].header) if words[lang].fold_accents else words[lang].header
        )
        assert body.splitlines()[0] == expected


def test_every_page_fits_three_gsm7_segments_in_every_language(pack, words):
    for node in textable_pages(pack):
        for lang in LANGS:
            message = compose(pack, words, node, lang)
            assert message.gsm7, (node, lang)
            assert message.segments == segments(message.body) <= 3, (node, lang)


def test_spanish_is_sent_without_the_accents_gsm7_lacks(pack, words):
    body = compose(pack, words, "children", "es").body
    assert body.startswith("Numeros que pidio:\n")
    assert "í" not in body and "ú" not in body


def test_a_too_long_page_drops_web_addresses_then_header_never_the_date_or_a_number(pack, words):
    # The same pack with every organization's name made longer: the text must shrink.
    def with_longer_names(extra: int):
        orgs = {
            oid: replace(org, name=org.name + " " + "x" * extra)
            for oid, org in pack.organizations.items()
        }
        return replace(pack, organizations=frozen_map(orgs))

    message = compose(with_longer_names(20), words, "mpp_active", "es")
    assert message.dropped == ("links",)
    assert message.segments <= 3
    # The web addresses go, the header stays while dropping them was enough.
    assert "https://linktr.ee/alotrolado" not in message.body
    assert message.body.startswith("Numeros que pidio")
    squeezed = compose(with_longer_names(30), words, "mpp_active", "es")
    assert squeezed.dropped == ("links", "header")
    assert squeezed.segments <= 3
    assert "https://" not in squeezed.body.replace("https://wa.me/", "")
    # Never the date: a number without its date would read as today's.
    assert squeezed.body.endswith("Informacion del 10 de mayo de 2021: puede haber cambiado.")
    for nid in squeezed.number_ids:
        number = pack.numbers[nid]
        assert (number.e164 if number.voice else wa_link(number.e164)) in squeezed.body
    short = compose(pack, words, "mpp_active", "es")
    assert short.dropped == ()


def test_a_page_without_numbers_or_a_language_without_words_is_a_key_error(pack, words):
    with pytest.raises(KeyError):
        compose(pack, words, "main", "es")
    with pytest.raises(KeyError):
        compose(pack, {}, "mpp_active", "es")


def test_staff_edits_of_sms_yaml_are_read_again_and_a_broken_file_is_a_clear_error(tmp_path):
    from ivr.sms.compose import SmsWordsError, WordsFile

    source = (ROOT / "prompts" / "sms.yaml").read_text(encoding="utf-8")
    (tmp_path / "sms.yaml").write_text(source, encoding="utf-8")
    words = WordsFile(tmp_path)
    assert words()["en"].header == "Numbers you asked for:"
    edited = source.replace("Numbers you asked for:", "Your numbers:")
    (tmp_path / "sms.yaml").write_text(edited + "\n", encoding="utf-8")
    assert words()["en"].header == "Your numbers:"
    (tmp_path / "sms.yaml").write_text("en: {header: only}\n", encoding="utf-8")
    with pytest.raises(SmsWordsError, match="en lacks"):
        words()
    (tmp_path / "sms.yaml").unlink()
    with pytest.raises(SmsWordsError):
        words()


def test_sms_yaml_has_the_words_of_every_language_of_the_line(pack, words):
    assert set(words) == {language.code for language in pack.languages}


# -- a text read alone (issue 17) ----------------------------------------------------------------


def contact_lines(pack, words, node, lang) -> list[str]:
    """The lines that give numbers: not the header, a web address or the date."""
    message = compose(pack, words, node, lang)
    return [line for line in message.body.splitlines() if re.search(r"\+\d|wa\.me/", line)]


def test_every_number_says_where_to_dial_it_from_in_the_callers_language(pack, words):
    for node in textable_pages(pack):
        for lang in LANGS:
            w = words[lang]
            places = [*w.dial_from.values(), w.whatsapp]
            if w.fold_accents:
                places = [fold_to_gsm7(p) for p in places]
            for line in contact_lines(pack, words, node, lang):
                name_and_place = line.split(": ", 1)[0]
                assert any(name_and_place.endswith(", " + p) for p in places), (node, lang, line)


def test_the_labels_are_in_the_callers_language_and_name_the_right_place(pack, words):
    english = ("free help", "hotline", "UNHCR:", "of San Diego", "Kids in Need", "Monterrey")
    for node in textable_pages(pack):
        for lang in ("es", "ht"):
            body = compose(pack, words, node, lang).body
            assert not [w for w in english if w in body], (node, lang)
    tijuana = compose(pack, words, "tijuana", "es").body
    jfs = pack.numbers["jfs_tijuana"].e164
    assert f"Jewish Family Service (Tijuana), desde México: {jfs}" in tijuana
    assert "San Diego" not in next(line for line in tijuana.splitlines() if jfs in line)


def test_the_header_names_no_topic(words):
    for lang in LANGS:
        header = words[lang].header.lower()
        assert not any(w in header for w in ("asilo", "asylum", "azil", "línea", "line", "liy"))
    assert words["es"].header == "Números que pidió:"
