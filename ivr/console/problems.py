"""Why a change was refused, in plain words and with what to do.

The validator's ``Problem`` carries a ``code`` and ``params`` (content helper, issue #10); each
known code has a sentence here in the staffer's language. Problems without a code (older
validators) are recognised by their message where that is unambiguous; anything else is shown
as the validator wrote it, so no reason is ever hidden.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext

from ..content.errors import Problem
from ..content.model import ContentPack


@dataclass(frozen=True)
class Refusal:
    """One reason, ready to show: the plain sentence and the validator's own words."""

    text: str
    detail: str  # file, key and message, for developers


def _press_example(pack: ContentPack | None, lang: str | None, key: str) -> str:
    """'… oprima 4.' in the prompt's language, copied from how that language's own menu
    entry ends ("Español: oprima 1.")."""
    if pack is None or not lang or pack.language(lang) is None:
        return f"… {key}."
    language = pack.language(lang)
    words = {"*": language.words.get("star", "*"), "#": language.words.get("pound", "#")}
    sample = pack.raw_texts(lang).get(pack.flow.language_prompt, "")
    tail = re.search(r"[,:]\s*(\S+)\s+\S+\.?\s*$", sample)
    verb = tail.group(1) if tail else ""
    return f"… {verb} {words.get(key, key)}.".replace("  ", " ")


def _lang_of(problem: Problem) -> str | None:
    match = re.fullmatch(r"text/(\w+)\.yaml", problem.file)
    return match.group(1) if match else None


# code -> sentence maker(params, pack, lang). Params come from the validator.
def _option_key(params: dict, pack: ContentPack | None, lang: str | None) -> str:
    key = str(params.get("key") or params["option"])
    return gettext(
        "The text must end by saying which key to press, for example: «%(example)s»",
        example=_press_example(pack, lang, key),
    )


def _not_e164(params: dict, pack: ContentPack | None, lang: str | None) -> str:
    return gettext(
        "%(number)s is not a complete phone number. Write it as on the flyer, for example "
        "619-786-4866, and choose the country.",
        number=params.get("number") or params.get("value") or "",
    )


SENTENCES: dict[str, Callable[[dict, ContentPack | None, str | None], str]] = {
    "option_key_missing": _option_key,
    "language_key_missing": _option_key,
    "global_key_missing": _option_key,
    "number_not_e164": _not_e164,
    "number_invalid": _not_e164,
    "text_too_long": lambda p, _pack, _lang: gettext(
        "The text is too long for callers to follow (%(seconds)s seconds; at most %(limit)s). "
        "Make it shorter or split it.",
        seconds=p.get("seconds", "?"),
        limit=p["limit"],
    ),
    "sentence_too_long": lambda p, _pack, _lang: gettext(
        "A sentence has %(count)s words; callers hold about 15 to 20 at once (at most "
        "%(limit)s). Split it in two.",
        count=p["count"],
        limit=p["limit"],
    ),
    "control_character": lambda p, _pack, _lang: gettext(
        "The text has an invisible character (often copied from another program). Type the "
        "text again instead of pasting it."
    ),
    "markup": lambda p, _pack, _lang: gettext(
        "The text has markup: «%(markup)s» (the characters %(characters)s). Callers hear only "
        "words, and the computer voice would read it aloud. Remove the tags and codes and "
        "write just the words.",
        markup=p["markup"],
        characters=p["characters"],
    ),
    "numeral_misread": lambda p, _pack, _lang: gettext(
        "The computer voice would read «%(written)s» wrongly. Write the number in words, or "
        "use the phone number from the directory.",
        written=p["written"],
    ),
    "word_misread": lambda p, _pack, _lang: gettext(
        "The computer voice would read «%(word)s» wrongly. Write the organization's or "
        "place's whole name as the other texts do, or ask the developers to add it to the "
        "pronunciation list.",
        word=p["word"],
    ),
    "unknown_number": lambda p, _pack, _lang: gettext(
        "The text names a phone number that is not in the directory (%(number)s). Copy the "
        "number's code from the Phone numbers page.",
        number=p.get("number", "?"),
    ),
    "bad_braces": lambda p, _pack, _lang: gettext(
        "The text has { or } that is not a phone number from the directory. Remove them, or "
        "write {number:CODE} with a code from the Phone numbers page."
    ),
}

# Before the validator sends codes: its message, recognised, gives the code and params.
_MESSAGES = [
    (re.compile(r"menu \S+ option (?P<key>\S+): the text must name key"), "option_key_missing"),
    (re.compile(r"must name key (?P<key>\S+) after the option"), "language_key_missing"),
    (re.compile(r"must name its key '(?P<key>[^']+)' last"), "global_key_missing"),
    (re.compile(r"'(?P<number>[^']*)' is not E\.164"), "number_not_e164"),
    (re.compile(r"'(?P<number>[^']*)' is not a valid phone number"), "number_invalid"),
    (re.compile(r"unknown directory number \{…:(?P<number>[^}]*)\}"), "unknown_number"),
    (re.compile(r"has a \{ \} that is not"), "bad_braces"),
]


def plain(problem: Problem, pack: ContentPack | None = None) -> Refusal:
    code: str = getattr(problem, "code", "") or ""
    params: dict[str, Any] = dict(getattr(problem, "params", None) or {})
    if code not in SENTENCES:
        for pattern, known in _MESSAGES:
            match = pattern.search(problem.message)
            if match:
                code, params = known, {**match.groupdict(), **params}
                break
    detail = str(problem)
    maker = SENTENCES.get(code)
    if maker is None:
        return Refusal(problem.message, detail)
    try:
        return Refusal(maker(params, pack, _lang_of(problem)), detail)
    except (KeyError, TypeError, ValueError):  # params this version does not know: the message
        return Refusal(problem.message, detail)


def refusals(exc: BaseException, pack: ContentPack | None = None) -> list[Refusal]:
    """Every reason a change was refused, in plain words."""
    from ..content.errors import ContentError

    if isinstance(exc, ContentError):
        return [plain(p, pack) for p in exc.problems]
    message = str(exc.args[0]) if exc.args else exc.__class__.__name__
    return [Refusal(message, "")]
