"""How many SMS segments a text costs: the GSM 03.38 7-bit alphabet, else UCS-2.

A phone network carries 140 bytes per segment: 160 GSM-7 characters, or 70 UCS-2 (UTF-16)
code units. A text longer than one segment is split with a 6-byte header in each part, leaving
153 GSM-7 characters or 67 UCS-2 units. Characters of GSM-7's extension table (``{ } [ ] ~ \\
| ^ €`` and the form feed) take two septets (an escape and the character) and are never split
across two parts; nor are UTF-16 surrogate pairs.
"""

from __future__ import annotations

import unicodedata

# GSM 03.38 basic character set (3GPP TS 23.038, 6.2.1), in table order.
BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each costs an escape septet plus itself.
EXTENSION = frozenset("\f^{}\\[~]|€")

GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67
MAX_SEGMENTS = 3


def is_gsm7(text: str) -> bool:
    return all(ch in BASIC or ch in EXTENSION for ch in text)


def septets(text: str) -> int:
    return sum(2 if ch in EXTENSION else 1 for ch in text)


def _parts(costs: list[int], single: int, part: int) -> int:
    if sum(costs) <= single:
        return 1 if costs else 0
    count, used = 1, 0
    for cost in costs:
        if used + cost > part:  # an escape pair or surrogate pair stays whole
            count, used = count + 1, 0
        used += cost
    return count


def segments(text: str) -> int:
    """Number of SMS parts `text` is sent as (0 for an empty text)."""
    if is_gsm7(text):
        return _parts([2 if ch in EXTENSION else 1 for ch in text], GSM_SINGLE, GSM_PART)
    return _parts([2 if ord(ch) > 0xFFFF else 1 for ch in text], UCS2_SINGLE, UCS2_PART)


def fold_to_gsm7(text: str) -> str:
    """Replace each character GSM-7 lacks by its unaccented letter when that one is in GSM-7
    ('í' -> 'i', 'ó' -> 'o'); characters GSM-7 has ('é', 'ñ', 'ò') stay as they are.

    Spanish read without its acute accents on i/o/u/a stays readable, and the text costs a
    third of the segments it would in UCS-2. Whether a language may be folded is said in
    prompts/sms.yaml (``fold_accents``)."""
    out = []
    for ch in text:
        if ch in BASIC or ch in EXTENSION:
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        out.append(base if base and is_gsm7(base) else ch)
    return "".join(out)
