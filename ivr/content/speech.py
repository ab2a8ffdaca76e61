"""How the line speaks: phone numbers digit by digit, pronunciations, dates and limits.

Numbers are rendered into the prompt text itself (not left to each TTS engine or Twilio voice),
so every engine and <Say> read them the same way, and a changed number changes the text,
which makes the old audio stale.

Two forms of every text are kept apart:

* the WRITTEN words (what staff type, what the console, captions and text messages show);
* the SPOKEN words: the written ones with the language's pronunciation list applied
  (``languages.yaml``: ``pronounce``), which is what audio is made from and `<Say>` reads.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import phonenumbers

PLACEHOLDER = re.compile(r"\{(?P<style>number|slow):(?P<id>[a-z0-9_]+)\}")
# {from:<organization>} / {slowfrom:<organization>}: the organization's number for calling
# from where the caller is (directory.yaml `dial_from`), chosen per request.
DIAL_PLACEHOLDER = re.compile(r"\{(?P<style>from|slowfrom):(?P<id>[a-z0-9_]+)\}")
DATE_PLACEHOLDER = "{date}"

# Twilio reads at most about 3,000 characters in one <Say>; an audio file of a longer text
# would also be minutes long. One limit for both.
MAX_SPOKEN_CHARS = 3000
PUNCTUATION_AFTER = ".,;:?!"


def digit_groups(e164: str) -> list[str]:
    """'+526641946209' -> ['52', '664', '194', '6209'] (country code first)."""
    return list(_digit_groups(e164))


@functools.lru_cache(maxsize=1024)  # a pack says its few dozen numbers hundreds of times
def _digit_groups(e164: str) -> tuple[str, ...]:
    try:
        parsed = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        # Validation names the bad number (with file and key); loading must not crash first.
        return tuple(re.findall(r"\d+", e164) or ["0"])
    formatted = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return tuple(re.findall(r"\d+", formatted))


def speak_number(e164: str, plus_word: str, *, slow: bool = False) -> str:
    """Digits spaced so every voice reads them one by one; groups split by pauses.

    The slow form puts a comma after every digit and a full stop between groups, which
    every engine we use turns into audible pauses. It ends with the last digit: the text
    around it brings its own punctuation (a full stop is added only where it has none).
    """
    groups = digit_groups(e164)
    if slow:
        return f"{plus_word}. " + ". ".join(", ".join(g) for g in groups)
    return f"{plus_word} " + ", ".join(" ".join(g) for g in groups)


def expand(text: str, numbers: Mapping[str, str], plus_word: str) -> str:
    """Replace {number:id} and {slow:id} with the spoken number; unknown ids stay visible."""

    def replace(match: re.Match[str]) -> str:
        e164 = numbers.get(match["id"])
        if e164 is None:
            return match[0]
        spoken = speak_number(e164, plus_word, slow=match["style"] == "slow")
        following = match.string[match.end() : match.end() + 1]
        if match["style"] == "slow" and following not in PUNCTUATION_AFTER:
            spoken += "."  # a pause before the words that follow a slow number
        return spoken

    return PLACEHOLDER.sub(replace, text)


def placeholders(text: str) -> list[str]:
    return [m["id"] for m in PLACEHOLDER.finditer(text)]


def dial_placeholders(text: str) -> list[str]:
    return [m["id"] for m in DIAL_PLACEHOLDER.finditer(text)]


def expand_dial(
    text: str,
    choose: Mapping[str, Sequence[str]],
    words: Mapping[str, str],
) -> str:
    """Replace {from:org} / {slowfrom:org} with number placeholders for one caller country.

    ``choose`` maps an organization id to the parts to say, each a number id or a
    ``label:<word>`` naming where to call from (``from_mexico``/``from_us``), as
    :func:`dial_parts` gives them. The result still holds {number:..} placeholders.
    """

    def replace(match: re.Match[str]) -> str:
        parts = choose.get(match["id"])
        if not parts:
            return match[0]
        style = "slow" if match["style"] == "slowfrom" else "number"
        said: list[str] = []
        for part in parts:
            if part.startswith("label:"):
                said.append(("; " if said else "") + words.get(part[6:], part[6:]) + ":")
            else:
                joiner = (
                    f" {words.get('or', 'or')} " if said and not said[-1].endswith(":") else " "
                )
                said.append((joiner if said else "") + f"{{{style}:{part}}}")
        return "".join(said).strip()

    return DIAL_PLACEHOLDER.sub(replace, text)


def _segments(text: str) -> Iterator[tuple[bool, str]]:
    """(is a number placeholder, piece) in order: pronunciations never touch a number."""
    last = 0
    for match in PLACEHOLDER.finditer(text):
        yield False, text[last : match.start()]
        yield True, match[0]
        last = match.end()
    yield False, text[last:]


@functools.lru_cache(maxsize=4096)
def term_pattern(written: str) -> re.Pattern[str]:
    """A written term as a whole word or phrase: 'MPP' not inside 'MPPs', '42' not in '420'."""
    return re.compile(rf"(?<![\w/.]){re.escape(written)}(?![\w/])")


def pronounce(text: str, pairs: Sequence[tuple[str, str]]) -> str:
    """Apply an ordered written -> spoken list outside number placeholders."""
    if not pairs:
        return text
    out = []
    for is_number, piece in _segments(text):
        if not is_number:
            for written, spoken in pairs:
                if written in piece:  # the pattern can match only where the words are
                    piece = term_pattern(written).sub(lambda _m, s=spoken: s, piece)
        out.append(piece)
    return "".join(out)


@dataclass(frozen=True)
class Spelling:
    """How a language spells a web address out loud (``languages.yaml``: ``spell``).

    A caller who must type an address hears it said as words, then letter by letter:
    letters apart by commas, the parts (``bit``, ``.``, ``ly``, ``/``) apart by semicolons,
    so every voice leaves a pause a caller can write in. Where an address has capitals (a
    bit.ly link is case-sensitive), a run of capitals is followed by ``capitals`` ("in
    capital letters") and the small letters after it by ``small``.
    """

    then: str = ""  # "Se escribe:", said between the words and the letters
    letters: Mapping[str, str] = field(default_factory=dict)  # "b" -> "be grande"
    marks: Mapping[str, str] = field(default_factory=dict)  # "." -> "punto", "/" -> "diagonal"
    capitals: str = ""  # "en mayúsculas"
    small: str = ""  # "en minúsculas"

    def missing(self, address: str) -> list[str]:
        """Characters of ``address`` this language has no word for."""
        return sorted(
            {
                c
                for c in address
                if not c.isdigit()
                and (c.lower() not in self.letters if c.isalpha() else c not in self.marks)
            }
        )


_PART = re.compile(r"[A-Z]+|[a-z]+|\d+|.")


def spell_address(address: str, spelling: Spelling) -> str:
    """'bit.ly/AOLencuesta' -> 'be grande, i, te; punto; ele, i griega; diagonal; a, o,
    ele, en mayúsculas; e, ene, ce, u, e, ese, te, a, en minúsculas'."""
    mixed = any(c.isupper() for c in address)
    groups: list[str] = []
    after_capitals = False
    for part in _PART.findall(address):
        if part.isalpha():
            said = ", ".join(spelling.letters.get(c.lower(), c) for c in part)
            if mixed and part.isupper() and spelling.capitals:
                said += f", {spelling.capitals}"
            elif mixed and after_capitals and spelling.small:
                said += f", {spelling.small}"
            after_capitals = part.isupper()
            groups.append(said)
        elif part.isdigit():
            groups.append(", ".join(part))  # single digits: every voice reads them
        else:
            groups.append(spelling.marks.get(part, part))
    return "; ".join(groups)


def address_pronunciation(said: str, address: str, spelling: Spelling) -> str:
    """What the line says for a web address: its words, then its letters."""
    then = f" {spelling.then}" if spelling.then else ""
    return f"{said};{then} {spell_address(address, spelling)}"


def misread_words(text: str, words: Sequence[str]) -> list[str]:
    """The written forms of ``words`` (a language's ``misread: words``) still in ``text``:
    whole words, as written (a spoken text should hold their pronunciations instead)."""
    found = []
    for is_number, piece in _segments(text):
        if not is_number:
            found += [
                w for w in words if w in piece and w not in found and term_pattern(w).search(piece)
            ]
    return found


#: A web address left in spoken words ("bit.ly", "conecta.acnur.org/x"): a voice reads it
#: as words no one can type. Abbreviations ("U.S.") have one letter between the dots.
WEB_ADDRESS = re.compile(
    r"(?<![\w.])[A-Za-z0-9-]{2,}(?:\.[A-Za-z][A-Za-z0-9-]*)+(?:/[^\s,;]*[^\s,;.])?"
)


MULTI_DIGIT = re.compile(r"\d[\d.,]*\d")


def misread_numerals(text: str) -> list[str]:
    """Numerals of two or more digits outside number placeholders ('42', '2021', '8250').

    espeak-ng's Kreyòl voice reads single digits in Kreyòl but bigger numbers wrongly ('42'
    as 'de', years in Spanish), so a language marked ``write_out_numbers`` refuses them.
    """
    found = []
    for is_number, piece in _segments(text):
        if not is_number:
            found += MULTI_DIGIT.findall(piece)
    return found


_ALLOWED_BREAKS = re.compile("[\n\t\r]")


def control_characters(text: str) -> list[tuple[int, str]]:
    """(1-based position, 'U+0000 NULL') for every control or invisible format character.

    Line breaks and tabs are allowed (YAML folds them away); anything else of Unicode
    categories Cc/Cf/Cs/Co/Cn would reach TwiML or a TTS engine as garbage or an error.
    """
    if _ALLOWED_BREAKS.sub("", text).isprintable():
        return []  # every Cc/Cf/Cs/Co/Cn character is unprintable: none here (most texts)
    found = []
    for i, char in enumerate(text, start=1):
        if char in "\n\t\r":
            continue
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            found.append((i, character_name(char)))
    return found


_CONTROL_NAMES = {
    0: "NULL",
    7: "BELL",
    8: "BACKSPACE",
    11: "LINE TABULATION",
    12: "FORM FEED",
    27: "ESCAPE",
    127: "DELETE",
}


def character_name(char: str) -> str:
    """'U+0000 NULL', 'U+200B ZERO WIDTH SPACE' (control characters have no unicodedata name)."""
    code = ord(char)
    name = unicodedata.name(char, "") or _CONTROL_NAMES.get(code, "CONTROL CHARACTER")
    return f"U+{code:04X} {name}"


def say_date(day: date, months: Sequence[str], pattern: str) -> str:
    """A date in a language's own words: pattern '{day} de {month} de {year}'."""
    month = months[day.month - 1] if len(months) == 12 else str(day.month)
    return pattern.format(day=day.day, month=month, year=day.year)
