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
    assert f"WhatsApp {wa_link(unhcr.e164)}" in message.body
    assert "https://wa.me/" + aol_wa.e164.lstrip("+") in message.body
    assert pack.numbers["aol_mx"].e164 in message.body
    assert pack.numbers["immdef_sd"].e164 in message.body
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


def test_the_last_line_is_the_date_of_the_oldest_flyer_in_the_callers_language(pack, words):
    assert compose(pack, words, "children", "es").body.endswith(
        "Informacion del 7 de abril de 2021."
    )
    assert compose(pack, words, "children", "en").body.endswith("Information of April 7, 2021.")
    assert compose(pack, words, "children", "ht").body.endswith("Enfòmasyon 7 avril 2021.")


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
    assert "Los numeros de la linea de asilo:" in body
    assert "í" not in body and "ú" not in body


def test_a_too_long_page_drops_web_addresses_then_header_then_date_never_a_number(pack, words):
    # The same pack with every organization's name made long: the text must shrink.
    orgs = {
        oid: replace(org, name=org.name + " " + "x" * 60) for oid, org in pack.organizations.items()
    }
    long_pack = replace(pack, organizations=frozen_map(orgs))
    message = compose(long_pack, words, "mpp_active", "es")
    assert message.dropped[:1] == ("links",)
    assert message.segments <= 3
    # The last web address goes first; the header stays while dropping links was enough.
    assert "https://linktr.ee/alotrolado" not in message.body
    if message.dropped == ("links",):
        assert message.body.startswith("Los numeros")
    longer = {oid: replace(org, name=org.name + " " + "x" * 90) for oid, org in orgs.items()}
    squeezed = compose(replace(pack, organizations=frozen_map(longer)), words, "mpp_active", "es")
    assert squeezed.dropped == ("links", "header", "date")
    assert "https://" not in squeezed.body.replace("https://wa.me/", "")
    for nid in message.number_ids:
        number = pack.numbers[nid]
        assert (number.e164 if number.voice else wa_link(number.e164)) in message.body
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
    assert words()["en"].header == "Numbers from the asylum info line:"
    edited = source.replace("Numbers from the asylum info line:", "Asylum line numbers:")
    (tmp_path / "sms.yaml").write_text(edited + "\n", encoding="utf-8")
    assert words()["en"].header == "Asylum line numbers:"
    (tmp_path / "sms.yaml").write_text("en: {header: only}\n", encoding="utf-8")
    with pytest.raises(SmsWordsError, match="en lacks"):
        words()
    (tmp_path / "sms.yaml").unlink()
    with pytest.raises(SmsWordsError):
        words()


def test_sms_yaml_has_the_words_of_every_language_of_the_line(pack, words):
    assert set(words) == {language.code for language in pack.languages}
