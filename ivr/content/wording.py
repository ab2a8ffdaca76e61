"""Wording for callers who hear each sentence once, from facts that have a date.

Three checks on the authored texts:

* ``check_sentence_length`` (a content rule, in ``validate.problems``): a sentence of more than
  ``MAX_SENTENCE_WORDS`` words is refused, naming the prompt and its length. A caller holds about
  15–20 words at once; a phone number counts as one word (it is said as one thing to note down).
* ``present_tense_flags``: in a dated section (flow.yaml ``checked``), a verb that states a policy
  in the present tense ("expels", "there is an official exception") reads as today's rule, when
  it is what a flyer said on its date. Each language lists such words in languages.yaml
  (``wording.present_tense``; a word after one of ``wording.past_markers``, such as Kreyòl "te",
  is in the past); a reviewer who reads a flagged prompt and keeps the present tense
  (a definition, advice that does not end) adds ``[prompt id, word]`` to ``wording.cleared``.
* ``avoided_words``: words a language's callers should not hear (``wording.avoid``): jargon such
  as "metering", words that hide who wrote the facts, other names for a child traveling alone.

The last two are for a person to look at, not refusals: `python -m ivr validate` and
`scripts/walk` list them, and the tests keep the committed pack free of any not cleared.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from .errors import Problem
from .files import text_file
from .load import COUNTRY_VARIANTS, dial_parts
from .model import ContentPack
from .speech import DATE_PLACEHOLDER, PLACEHOLDER, expand_dial

MAX_SENTENCE_WORDS = 25

# A number (or a date) is said as one thing: it counts as one word.
_ONE_WORD = "#"
# "U.S." or "E.U." before a lower-case word does not end a sentence ("the U.S. government").
_ABBREVIATION = re.compile(r"(?:[A-Z]\.){2,}$")
_BOUNDARY = re.compile(r"[.!?]+[\"')\]]*\s+")
_WORD = re.compile(r"[\w#]", re.UNICODE)


def plain_text(pack: ContentPack, lang: str, prompt_id: str) -> str:
    """The authored words as a caller whose country is unknown hears them, each number (and
    the date of the `checked` pattern) one token."""
    language = pack.language(lang)
    text = pack.raw_texts(lang)[prompt_id]
    words = language.words if language else {}
    text = expand_dial(
        text,
        {
            m: dial_parts(pack.organizations, pack.numbers, m, None)
            for m in re.findall(r"\{(?:slow)?from:([a-z0-9_]+)\}", text)
        },
        words,
    )
    return PLACEHOLDER.sub(_ONE_WORD, text).replace(DATE_PLACEHOLDER, _ONE_WORD)


def sentences(text: str) -> list[str]:
    """Sentences end at . ! ? before a space, but not at an abbreviation before a small letter."""
    found, start = [], 0
    for match in _BOUNDARY.finditer(text):
        before = text[start : match.start() + 1].split()
        after = text[match.end() : match.end() + 1]
        if before and _ABBREVIATION.search(before[-1]) and after.islower():
            continue
        found.append(text[start : match.end()].strip())
        start = match.end()
    rest = text[start:].strip()
    if rest:
        found.append(rest)
    return found


def word_count(sentence: str) -> int:
    return sum(1 for token in sentence.split() if _WORD.search(token))


@dataclass(frozen=True)
class LongSentence:
    lang: str
    prompt: str
    words: int
    sentence: str


def long_sentences(pack: ContentPack, limit: int = MAX_SENTENCE_WORDS) -> list[LongSentence]:
    found = []
    for language in pack.languages:
        for pid in pack.raw_texts(language.code):
            for sentence in sentences(plain_text(pack, language.code, pid)):
                count = word_count(sentence)
                if count > limit:
                    found.append(LongSentence(language.code, pid, count, sentence))
    return found


def check_sentence_length(pack: ContentPack) -> Iterator[Problem]:
    """Every sentence a caller hears has at most MAX_SENTENCE_WORDS words."""
    for item in long_sentences(pack):
        start = " ".join(item.sentence.split()[:6])
        yield Problem(
            text_file(item.lang),
            item.prompt,
            f"a sentence has {item.words} words; at most {MAX_SENTENCE_WORDS} "
            f"(split it in two): “{start} …”",
            "sentence_too_long",
            {
                "prompt": item.prompt,
                "count": item.words,
                "limit": MAX_SENTENCE_WORDS,
                "lang": item.lang,
                "sentence": item.sentence,
            },
        )


@lru_cache(maxsize=512)
def _phrase(words: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(words)}(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class Flag:
    lang: str
    prompt: str
    word: str
    cleared: bool = False

    def __str__(self) -> str:
        return f"{text_file(self.lang)} {self.prompt}: “{self.word}”"


def dated_prompts(pack: ContentPack) -> dict[str, str]:
    """Prompt id -> the first dated section (flow.yaml `checked`) that says it."""
    found: dict[str, str] = {}
    for node in pack.flow.nodes.values():
        if node.checked:
            for pid in node.prompts:
                found.setdefault(pid, node.id)
    return found


def _base(prompt_id: str) -> str:
    for suffix in COUNTRY_VARIANTS.values():
        prompt_id = prompt_id.removesuffix(suffix)
    return prompt_id


def _word_before(text: str, at: int) -> str:
    found = re.search(r"(\w+)\W*$", text[:at])
    return found.group(1) if found else ""


def present_tense_flags(pack: ContentPack) -> list[Flag]:
    """Every present-tense policy word in a dated section's prompts; `cleared` where a reviewer
    kept it (languages.yaml wording.cleared)."""
    flags = []
    dated = dated_prompts(pack)
    for language in pack.languages:
        raw = pack.raw_texts(language.code)
        cleared = set(language.cleared)
        markers = {m.lower() for m in language.past_markers}
        for pid in dated:
            text = raw.get(_base(pid), "")
            for word in language.present_tense:
                if any(
                    _word_before(text, m.start()).lower() not in markers
                    for m in _phrase(word).finditer(text)
                ):
                    flags.append(Flag(language.code, pid, word, (pid, word) in cleared))
    return flags


def stale_clearances(pack: ContentPack) -> list[Flag]:
    """Clearances that no longer match a flag: the words changed, so a reviewer reads again."""
    flagged = {(f.lang, f.prompt, f.word) for f in present_tense_flags(pack)}
    return [
        Flag(language.code, pid, word, True)
        for language in pack.languages
        for pid, word in language.cleared
        if (language.code, pid, word) not in flagged
    ]


def avoided_words(pack: ContentPack) -> list[Flag]:
    """Words a language's callers should not hear, wherever a prompt says them."""
    return [
        Flag(language.code, pid, word)
        for language in pack.languages
        for pid, text in pack.raw_texts(language.code).items()
        for word in language.avoid
        if _phrase(word).search(text)
    ]


def review_notes(pack: ContentPack) -> list[str]:
    """What a reviewer should look at, one line each (empty when the wording is clean)."""
    notes = [
        f"present tense in a dated section, not cleared: {f}"
        for f in present_tense_flags(pack)
        if not f.cleared
    ]
    notes += [
        f"cleared, but no longer said (remove the clearance): {f}" for f in stale_clearances(pack)
    ]
    notes += [f"a word callers should not hear: {f}" for f in avoided_words(pack)]
    return notes
