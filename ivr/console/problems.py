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

from flask_babel import format_decimal, gettext

from ..audio.pipeline import ACCEPTED_FORMATS
from ..content.errors import Problem
from ..content.model import ContentPack
from .i18n import language_name
from .phones import pretty


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
    written = params.get("e164") or params.get("number") or params.get("value") or ""
    return gettext(
        "%(number)s is not a complete phone number. Write it as on the flyer, for example "
        "619-786-4866, and choose the country.",
        number=written,
    )


# Twilio's voices read telephone prompts at about 2.5 words a second (ivr/sim/events.py), and
# a Spanish or English word is about 6 characters with its space: some 15 characters a second.
SPOKEN_CHARS_PER_SECOND = 15


def _too_long(params: dict, pack: ContentPack | None, lang: str | None) -> str:
    count, limit = int(params["count"]), int(params["limit"])
    return gettext(
        "The text is too long: said aloud it would take about %(seconds)d seconds "
        "(%(count)s characters; at most %(limit)s, about %(most)d seconds). Make it shorter "
        "or split it.",
        seconds=round(count / SPOKEN_CHARS_PER_SECOND),
        count=format_decimal(count),
        limit=format_decimal(limit),
        most=round(limit / SPOKEN_CHARS_PER_SECOND),
    )


def _misread(params: dict, pack: ContentPack | None, lang: str | None) -> str:
    code = str(params.get("lang") or lang or "")
    return gettext(
        "The computer voice in %(language)s would read «%(written)s» wrongly. Write the number "
        "in words, or say a phone number from the directory.",
        language=language_name(code) if code else gettext("this language"),
        written=params.get("word") or params["written"],
    )


def _number_name(params: dict, pack: ContentPack | None) -> str:
    number_id = str(params.get("number") or "")
    if pack is not None and number_id in pack.numbers:
        number = pack.numbers[number_id]
        org = pack.organizations.get(number.org)
        return f"{org.name if org else number.org}, {pretty(number.e164)}"
    return pretty(str(params.get("e164") or number_id))


SENTENCES: dict[str, Callable[[dict, ContentPack | None, str | None], str]] = {
    "option_key_missing": _option_key,
    "language_key_missing": _option_key,
    "global_key_missing": _option_key,
    "global_key_not_named": _option_key,
    "number_not_e164": _not_e164,
    "number_invalid": _not_e164,
    "number_unparsable": _not_e164,
    "text_too_long": _too_long,
    "sentence_too_long": lambda p, _pack, _lang: gettext(
        "A sentence has %(count)s words; callers hold about 15 to 20 at once (at most "
        "%(limit)s). Split it in two.",
        count=p["count"],
        limit=p["limit"],
    ),
    "control_character": lambda p, _pack, _lang: gettext(
        "The text has an invisible character at position %(position)s (often copied from "
        "another program). Type the text again instead of pasting it.",
        position=p.get("position", 0),
    ),
    "markup": lambda p, _pack, _lang: gettext(
        "The text has markup: «%(markup)s» (the characters %(characters)s). Callers hear only "
        "words, and the computer voice would read it aloud. Remove the tags and codes and "
        "write just the words.",
        markup=p["markup"],
        characters=p["characters"],
    ),
    "numeral_misread": _misread,
    "number_unknown": lambda p, _pack, _lang: gettext(
        "The text names a phone number that is not in the directory (%(number)s). Copy the "
        "number's code from the Phone numbers page.",
        number=p["number"],
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
        number=p["number"],
    ),
    "placeholder_unknown": lambda p, _pack, _lang: gettext(
        "The text has { or } that is not a phone number from the directory. Remove them, or "
        "write {number:CODE} with a code from the Phone numbers page."
    ),
    "bad_braces": lambda p, _pack, _lang: gettext(
        "The text has { or } that is not a phone number from the directory. Remove them, or "
        "write {number:CODE} with a code from the Phone numbers page."
    ),
    "dial_organization_unknown": lambda p, _pack, _lang: gettext(
        "The text says the number of “%(organization)s” for where the caller is, but the "
        "directory has no number of it to call from Mexico or from the United States.",
        organization=p["organization"],
    ),
    "date_placeholder_missing": lambda p, _pack, _lang: gettext(
        "The text must say {date} where the date goes: callers hear the date there."
    ),
    "transfer_not_voice": lambda p, pack, _lang: gettext(
        "Callers are put through to %(number)s, so it must take phone calls: tick “phone calls”.",
        number=_number_name(p, pack),
    ),
    "number_never_spoken": lambda p, pack, _lang: gettext(
        "After this change no prompt in %(language)s would say %(number)s, so no caller could "
        "hear it. Keep it in at least one prompt.",
        language=language_name(str(p["lang"])),
        number=_number_name(p, pack),
    ),
    "prompt_missing_here": lambda p, _pack, _lang: gettext(
        "This prompt is missing in %(language)s. Write it in every language.",
        language=language_name(str(p["lang"])),
    ),
    "field_missing": lambda p, _pack, _lang: gettext(
        "Something that must be filled in is empty. Fill in every box and try again."
    ),
}

# Why a recording could not be used (ivr/audio/pipeline.py's AudioRejected, in English): the
# reason in the staffer's language. An unknown reason is shown as it was written.
_RECORDING: list[tuple[re.Pattern[str], Callable[[dict[str, str]], str]]] = [
    (
        re.compile(r"\.(?P<ext>\w+) is not an audio format"),
        lambda m: gettext(
            "a .%(ext)s file is not a sound file the line takes (it takes %(formats)s)",
            ext=m["ext"],
            formats=", ".join(sorted(ACCEPTED_FORMATS)),
        ),
    ),
    (
        re.compile(r"is too long: longer than the (?P<limit>[\d.]+) s limit"),
        lambda m: gettext("it is longer than %(limit)s seconds", limit=m["limit"]),
    ),
    (
        re.compile(r"is silent"),
        lambda m: gettext(
            "it is silent: check that the microphone was on and that you chose the right file"
        ),
    ),
    (
        re.compile(r"is too large: (?P<size>[\d.]+) MB, the limit is (?P<limit>[\d.]+) MB"),
        lambda m: gettext(
            "it is %(size)s MB; it can be at most %(limit)s MB", size=m["size"], limit=m["limit"]
        ),
    ),
    (re.compile(r"is empty"), lambda m: gettext("the file is empty")),
    (re.compile(r"cannot be read"), lambda m: gettext("the file could not be read")),
    (
        re.compile(r"does not decode as audio"),
        lambda m: gettext(
            "it is not a sound file the line can read (it takes %(formats)s)",
            formats=", ".join(sorted(ACCEPTED_FORMATS)),
        ),
    ),
    (re.compile(r"contains no audio"), lambda m: gettext("there is no sound in it")),
]


def recording_reason(message: str) -> str:
    """Why a recording was refused, in the staffer's language."""
    for pattern, sentence in _RECORDING:
        match = pattern.search(message)
        if match:
            return sentence(match.groupdict())
    return message


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
