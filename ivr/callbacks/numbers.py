"""Which missed calls may be called back: a valid number, in E.164, of an allowed country.

Anonymous, withheld and malformed callers (Twilio sends "+266696687", "+7378742833",
"+2562533", "+8656696", "anonymous", "Restricted" or nothing) are not valid numbers of an
allowed country, so they are refused here like any other.
"""

from __future__ import annotations

from collections.abc import Iterable

import phonenumbers

MAX_LENGTH = 20


def callable_number(from_: str | None, countries: Iterable[str]) -> str | None:
    """The caller's number in E.164 when the line may call it back; else None."""
    text = (from_ or "").strip()
    if not text.startswith("+") or len(text) > MAX_LENGTH:
        return None
    try:
        parsed = phonenumbers.parse(text)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    if phonenumbers.region_code_for_number(parsed) not in set(countries):
        return None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return e164 if e164 == text else None  # only the E.164 form itself
