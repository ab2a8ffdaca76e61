"""Prompt text to SSML, so phone numbers are read one digit at a time, in groups, with pauses.

The content pack already writes a number the way it should be spoken: single digits separated
by spaces, groups separated by commas ("5 2, 6 6 4, 1 9 4, 6 2 0 9"). Left to itself an engine
reads "5 2" as "fifty-two" in some voices and runs the groups together; here each group becomes
``<say-as interpret-as="characters">`` followed by a ``<break>``, so a caller with a pen has
time to write each group down.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

#: Pause after each digit group. Long enough to write three or four digits down.
GROUP_BREAK_MS = 400

# One group is two or more single digits separated by spaces; a number is one or more groups
# separated by commas. A lone digit ("press 1") stays ordinary text.
_GROUP = r"\d(?: \d)+"
_NUMBER = re.compile(rf"(?<!\d)(?<!\d ){_GROUP}(?:, {_GROUP})*(?![\d])")
_GROUP_RE = re.compile(_GROUP)


def digit_groups(text: str) -> list[list[str]]:
    """The phone numbers in ``text``, each as its list of digit groups (for tests and reports)."""
    return [
        [group.replace(" ", "") for group in _GROUP_RE.findall(match.group(0))]
        for match in _NUMBER.finditer(text)
    ]


def to_ssml(text: str, break_ms: int = GROUP_BREAK_MS) -> str:
    """Wrap ``text`` in ``<speak>``, escaping XML and marking up every digit group."""
    parts: list[str] = []
    position = 0
    for match in _NUMBER.finditer(text):
        parts.append(escape(text[position : match.start()]))
        groups = [group.replace(" ", "") for group in _GROUP_RE.findall(match.group(0))]
        parts.append(
            "".join(
                f'<say-as interpret-as="characters">{group}</say-as><break time="{break_ms}ms"/>'
                for group in groups
            )
        )
        position = match.end()
    parts.append(escape(text[position:]))
    return "<speak>" + "".join(parts) + "</speak>"
