"""How the line speaks phone numbers: digit by digit, in the groups people write them in.

Numbers are rendered into the prompt text itself (not left to each TTS engine or Twilio voice),
so every engine and the <Say> fallback read them the same way, and a changed number changes
the text, which makes the old audio stale.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import phonenumbers

PLACEHOLDER = re.compile(r"\{(?P<style>number|slow):(?P<id>[a-z0-9_]+)\}")


def digit_groups(e164: str) -> list[str]:
    """'+526641946209' -> ['52', '664', '194', '6209'] (country code first)."""
    try:
        parsed = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        # Validation names the bad number (with file and key); loading must not crash first.
        return re.findall(r"\d+", e164) or ["0"]
    formatted = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return re.findall(r"\d+", formatted)


def speak_number(e164: str, plus_word: str, *, slow: bool = False) -> str:
    """Digits spaced so every voice reads them one by one; groups split by pauses.

    The slow form puts a comma after every digit and a full stop after every group, which
    every engine we use turns into audible pauses.
    """
    groups = digit_groups(e164)
    if slow:
        return f"{plus_word}. " + " ".join(", ".join(g) + "." for g in groups)
    return f"{plus_word} " + ", ".join(" ".join(g) for g in groups)


def expand(text: str, numbers: Mapping[str, str], plus_word: str) -> str:
    """Replace {number:id} and {slow:id} with the spoken number; unknown ids stay visible."""

    def replace(match: re.Match[str]) -> str:
        e164 = numbers.get(match["id"])
        if e164 is None:
            return match[0]
        return speak_number(e164, plus_word, slow=match["style"] == "slow")

    return PLACEHOLDER.sub(replace, text)


def placeholders(text: str) -> list[str]:
    return [m["id"] for m in PLACEHOLDER.finditer(text)]
