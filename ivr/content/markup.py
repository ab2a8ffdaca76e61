"""Prompt texts are words: no markup (issue #20).

A prompt's words become computer-voice audio and <Say> for callers, and text messages: a
``<script>`` or ``<svg onload=…>`` pasted into a text is escaped on the console's pages but
spoken to callers, and an SSML tag (``<break time="3s"/>``, ``<prosody>``) would change how a
voice speaks or be read out as noise. Words never need ``<`` or ``>``, nor an HTML character
reference (``&amp;``, ``&#60;``), so any of them refuses the text, naming the prompt and what
was found. The same rule covers the spoken side of each language's pronunciation list, which
is put into every text before a voice speaks it.

``check_markup(pack)`` is one of the validator's checks (``ivr.content.validate.problems``),
so the console, the CLI (``python -m ivr validate``, ``flask content set-text``) and every
publish refuse alike; the console words code ``markup`` (params ``prompt``, ``lang``,
``markup``, ``characters``) in the staffer's language (``ivr.console.problems``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .errors import Problem
from .files import LANGUAGES, text_file
from .model import ContentPack

# A tag (as much of it as there is), a lone angle bracket, or a character reference.
MARKUP = re.compile(
    r"<[^<>\n]{0,80}>?"  # <script>, <break time="3s"/>, or a lone "<"
    r"|>"
    r"|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"  # &amp; &#60; &#x3c;
)
SHOWN = 40  # characters of the markup named in the message


def markup_in(text: str) -> list[str]:
    """Every piece of markup in ``text``, as written (each at most SHOWN characters)."""
    return [m.group(0)[:SHOWN] for m in MARKUP.finditer(text or "")]


def _characters(found: list[str]) -> str:
    seen = dict.fromkeys(c for piece in found for c in piece if c in "<>&;")
    return " ".join(seen)


def _problem(file: str, key: str, found: list[str], params: dict[str, str]) -> Problem:
    characters = _characters(found)
    return Problem(
        file,
        key,
        f"has markup {found[0]!r} (the characters {characters}): texts are the words callers "
        "hear; write them without tags or character codes",
        "markup",
        {**params, "markup": found[0], "characters": characters, "count": len(found)},
    )


def check_markup(pack: ContentPack) -> Iterator[Problem]:
    for lang in pack.languages:
        for pid, text in sorted(pack.raw_texts(lang.code).items()):
            found = markup_in(text)
            if found:
                yield _problem(text_file(lang.code), pid, found, {"prompt": pid, "lang": lang.code})
        for written, spoken in lang.pronounce:
            found = markup_in(spoken) or markup_in(written)
            if found:
                key = f"{lang.code}.pronounce.{written}"
                yield _problem(LANGUAGES, key, found, {"prompt": written, "lang": lang.code})
