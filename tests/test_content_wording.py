"""Facts for today's caller (issue 17): dated, in the past where they can end, as the flyers say
them, in sentences a caller can hold."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from ivr.content import ContentError, load_pack
from ivr.content.load import read_pack
from ivr.content.speech import dial_placeholders, placeholders
from ivr.content.wording import (
    MAX_SENTENCE_WORDS,
    avoided_words,
    long_sentences,
    present_tense_flags,
    review_notes,
    sentences,
    stale_clearances,
    word_count,
)

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("es", "ht", "en")


@pytest.fixture
def copy(tmp_path):
    dst = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", dst)
    return dst


def set_text(root: Path, lang: str, prompt_id: str, text: str) -> None:
    path = root / "text" / f"{lang}.yaml"
    source = path.read_text(encoding="utf-8")
    entry = re.compile(rf"^{re.escape(prompt_id)}:.*?(?=^\S|\Z)", re.S | re.M)
    assert entry.search(source), prompt_id
    path.write_text(entry.sub(lambda _m: f'{prompt_id}: "{text}"\n', source, count=1), "utf-8")


# -- sentences a caller can hold -----------------------------------------------------------------


def test_sentences_end_at_stops_but_not_inside_an_abbreviation():
    text = "Enter the U.S. and begin. They entered the U.S. Then? No one knew! Go to bit.ly/x now."
    assert sentences(text) == [
        "Enter the U.S. and begin.",
        "They entered the U.S.",
        "Then?",
        "No one knew!",
        "Go to bit.ly/x now.",
    ]


def test_a_phone_number_or_a_date_counts_as_one_word():
    assert word_count("Call KIND at # now.") == 5
    assert word_count("Llame — ahora, por favor.") == 4


def test_no_sentence_of_the_line_is_longer_than_a_caller_can_hold(pack):
    assert long_sentences(pack) == []


def test_a_long_sentence_is_refused_naming_the_prompt_and_its_length(copy):
    long = "Esta es una frase " + "muy " * 22 + "larga."
    set_text(copy, "es", "no_mpp.3", long)
    with pytest.raises(ContentError) as info:
        load_pack(copy)
    found = [p for p in info.value.problems if p.code == "sentence_too_long"]
    assert [(p.file, p.key, p.params["count"]) for p in found] == [("text/es.yaml", "no_mpp.3", 27)]
    assert found[0].params["limit"] == MAX_SENTENCE_WORDS == 25
    assert "27 words" in found[0].message and "at most 25" in found[0].message


# -- past tense for what can end, and a reviewer's clearances ------------------------------------


def test_no_dated_section_says_a_policy_in_the_present_unless_a_reviewer_cleared_it(pack):
    assert [str(f) for f in present_tense_flags(pack) if not f.cleared] == []
    assert stale_clearances(pack) == []
    assert review_notes(pack) == []


def test_the_clearances_are_used_and_each_names_a_word_the_prompt_says(pack):
    cleared = {(f.lang, f.prompt, f.word) for f in present_tense_flags(pack) if f.cleared}
    assert {lang for lang, _, _ in cleared} == set(LANGS)
    for lang, prompt, word in cleared:
        assert word.lower() in pack.raw_texts(lang)[prompt].lower()


@pytest.mark.parametrize(
    "lang,prompt,text,word",
    [
        ("en", "no_mpp.5", "Under Title 42, the U.S. expels people at the border.", "expels"),
        ("es", "children.2", "Hay una excepción oficial para los niños que viajan solos.", "hay"),
        (
            "ht",
            "news.5",
            "Gen yon eksepsyon ofisyèl pou timoun k ap vwayaje poukont yo.",
            "gen yon eksepsyon",
        ),
    ],
)
def test_a_policy_put_back_in_the_present_is_flagged_for_a_reviewer(copy, lang, prompt, text, word):
    set_text(copy, lang, prompt, text)
    flags = [f for f in present_tense_flags(read_pack(copy)) if not f.cleared]
    assert [(f.lang, f.prompt, f.word) for f in flags] == [(lang, prompt, word)]


def test_kreyol_verbs_after_te_are_in_the_past(copy):
    set_text(copy, "ht", "news.5", "Te gen yon eksepsyon ofisyèl, e MPP t ap fini dousman.")
    assert [
        f for f in present_tense_flags(read_pack(copy)) if f.lang == "ht" and not f.cleared
    ] == []


def test_a_clearance_whose_words_changed_is_listed_for_removal(copy):
    set_text(copy, "en", "no_mpp.6", "Some people were allowed to stay.")
    stale = [(f.lang, f.prompt, f.word) for f in stale_clearances(read_pack(copy))]
    assert stale == [("en", "no_mpp.6", "does not count")]


def test_ended_policies_are_told_in_the_past_with_their_date(pack):
    en = pack.texts("en")
    assert en["no_mpp.5"].startswith(
        "In May 2021, under a policy called Title 42, the U.S. quickly expelled"
    )
    assert "At that time, no one new was being put in MPP." in en["mpp_active.5"]
    assert "there was an official exception to Title 42" in en["children.2"]
    assert "There was an official exception" in en["news.5"]
    assert "The Biden administration had said it would reopen" in en["news.2"]
    assert "Grupo Beta kept the list, and it had not been destroyed" in en["waitlist.4"]
    assert "it was ending slowly" in en["news.3"]
    es = pack.texts("es")
    assert es["no_mpp.5"].startswith("En mayo de 2021, con una política llamada Título 42")
    assert "expulsaba" in es["no_mpp.5"] and "guardaba la lista" in es["waitlist.4"]
    assert "había dicho" in es["news.2"] and "ya no ponían a nadie nuevo" in es["mpp_active.5"]
    ht = pack.texts("ht")
    assert ht["no_mpp.5"].startswith("Nan mwa me 2021")
    assert "te kenbe lis la" in ht["waitlist.4"] and "te di l ap relouvri" in ht["news.2"]


def test_the_flyers_facts_hedges_and_numbers_stay(pack):
    en = pack.texts("en")
    for prompt, words in [
        ("no_mpp.2", "January 21, 2021"),
        ("mpp_active.6", "February 19, 2021"),
        ("waitlist.3", "March 2020"),
        ("news.5", "March 2020"),
        ("no_mpp.6", "should not affect your chance to seek asylum"),
        ("no_mpp.6", "very young children"),
        ("no_mpp.6", "no clear rules"),
        ("children.2", "might be able to stay and seek asylum"),
        ("mpp_closed.3", "might be included later"),
        ("news.7", "No one knew"),
    ]:
        assert words in en[prompt], (prompt, words)
    assert pack.texts("en")["facts.old"].startswith("Things may have changed since then")


# -- only what the flyers say --------------------------------------------------------------------


def test_mpp_was_announced_as_the_flyer_says(pack):
    assert "was announced in late 2018" in pack.texts("en")["news.3"]
    assert "anunció MPP" in pack.texts("es")["news.3"]
    assert "te anonse MPP" in pack.texts("ht")["news.3"]


def test_hias_is_said_under_the_flyers_headings_and_marked_unverified(pack):
    for lang in LANGS:
        assert not [p for p, t in pack.texts(lang).items() if "Monterrey" in t], lang
    assert "{number:hias_stx}" in pack.raw_texts("en")["texas.1"]  # under South Texas
    assert "{number:hias_laredo}" in pack.raw_texts("en")["texas.2"]  # Laredo and Nuevo Laredo
    assert pack.raw_texts("en")["texas.2"].startswith("Laredo and Nuevo Laredo.")
    for nid in ("hias_stx", "hias_laredo"):
        assert "our reading" in pack.numbers[nid].unverified
    assert not [n.id for n in pack.numbers.values() if n.unverified and "hias" not in n.id]
    assert "Monterrey" not in pack.organizations["hias_texas"].name


def test_every_section_that_gives_a_number_carries_the_date_of_its_flyer(pack):
    nodes = pack.flow.nodes
    for node in nodes.values():
        text = " ".join(pack.raw_texts("en").get(pid, "") for pid in node.prompts)
        gives = placeholders(text) + [
            n for org in dial_placeholders(text) for n in pack.organizations[org].numbers
        ]
        if not gives:
            continue
        if node.checked is None:
            # "The numbers, slowly": reached only from the menu of a page that said its date.
            page = nodes[nodes[node.next].repeat]
            assert page.checked, node.id
            continue
        own = {pack.sources[pack.numbers[n].source].updated for n in gives}
        assert node.checked in own, (node.id, node.checked, own)
    assert pack.section_checked("news") == pack.sources["asap"].updated
    assert pack.section_checked("news_more") == pack.sources["cawtf"].updated
    assert pack.section_checked("help") == pack.sources["asap"].updated  # its JFS hotline


# -- plain words ---------------------------------------------------------------------------------


def test_no_word_callers_should_not_hear(pack):
    assert avoided_words(pack) == []
    for lang, words in {
        "es": ["metering", "nuestros volantes", "entre las garitas"],
        "en": ["metering", "our flyers", "at that date"],
    }.items():
        assert set(words) <= {w.lower() for w in pack.language(lang).avoid}


@pytest.mark.parametrize(
    "lang,term",
    [
        ("es", r"niños? que viaja(n|ban)? solos?"),
        ("en", r"child(ren)? traveling alone"),
        ("ht", r"timoun k ap vwayaje poukont yo"),
    ],
)
def test_one_word_per_language_for_a_child_traveling_alone(pack, lang, term):
    texts = pack.texts(lang)
    for prompt in (
        "main.children",
        "children.title",
        "children.1",
        "children.2",
        "news.5",
        "general.1",
    ):
        assert re.search(term, texts[prompt], re.IGNORECASE), (lang, prompt)


def test_a_word_to_avoid_is_listed_where_it_is_said(copy):
    set_text(copy, "en", "waitlist.2", "The metering list was a list in Tijuana.")
    assert [str(f) for f in avoided_words(read_pack(copy))] == [
        "text/en.yaml waitlist.2: “metering”"
    ]
