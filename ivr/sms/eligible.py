"""May this caller be offered a text? Only a number that can receive one.

Twilio gives a caller who hides their number as "anonymous", "restricted", "private" or as one
of its placeholder numbers; none of those can get a text. A number phonenumbers knows to be a
landline (FIXED_LINE) cannot either. Where it cannot tell (FIXED_LINE_OR_MOBILE: all U.S. and
Canadian numbers, and Mexico's since its 2019 numbering plan) the text is offered: it fails
harmlessly at worst, and the caller hears that it could not be sent.
"""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberType

HIDDEN = frozenset({"", "anonymous", "restricted", "private", "unknown", "unavailable", "blocked"})
# Twilio's stand-ins for a withheld caller ID (anonymous, restricted, blocked, unknown,
# unavailable); valid-looking digits that reach no one.
TWILIO_PLACEHOLDERS = frozenset(
    {"+266696687", "+7378742833", "+2562533", "+8656696", "+86282452253"}
)
TEXTABLE = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


def textable_number(from_: str | None) -> str | None:
    """The caller's number in E.164 if a text can reach it, else None."""
    value = (from_ or "").strip()
    if value.lower() in HIDDEN or value in TWILIO_PLACEHOLDERS or not value.startswith("+"):
        return None
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    if phonenumbers.number_type(parsed) not in TEXTABLE:
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
