"""Phone numbers typed the way people write them ("619-786-4866", "664 208 8994", "+52 …"),
read with the country staff chose, and shown back for confirmation before anything is saved."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from flask_babel import gettext

# Countries the hotline's numbers are in: Mexico and the United States.
COUNTRIES = ("MX", "US")


@dataclass(frozen=True)
class Reading:
    e164: str | None  # None when the number could not be read
    shown: str  # how it is written back for staff to confirm ("+1 202-918-9432")
    problem: str  # why it could not be read, in plain words ("" when it could)


def country_names() -> dict[str, str]:
    return {"MX": gettext("Mexico (+52)"), "US": gettext("United States (+1)")}


def country_of(e164: str) -> str:
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(e164))
    except phonenumbers.NumberParseException:
        return COUNTRIES[0]
    return region if region in COUNTRIES else COUNTRIES[0]


def pretty(e164: str) -> str:
    """'+526642088994' -> '+52 664 208 8994' (for reading; the directory keeps E.164)."""
    try:
        parsed = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def read(typed: str, country: str) -> Reading:
    """Read what staff typed. A leading + (or 00) means the country code is written in the
    number itself; otherwise the chosen country applies."""
    text = typed.strip()
    if not text:
        return Reading(None, "", gettext("Write the phone number."))
    region = country if country in COUNTRIES else COUNTRIES[0]
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return Reading(
            None,
            text,
            gettext(
                "«%(typed)s» is not a phone number. Write only the digits, spaces or dashes, "
                "for example 619-786-4866.",
                typed=typed.strip(),
            ),
        )
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    shown = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if not phonenumbers.is_valid_number(parsed):
        digits = len(phonenumbers.national_significant_number(parsed))
        return Reading(
            None,
            shown,
            gettext(
                "«%(typed)s» is not a complete number in %(country)s (it has %(digits)d "
                "digits). Check it on the flyer, and check the country.",
                typed=typed.strip(),
                country=country_names().get(region, region),
                digits=digits,
            ),
        )
    return Reading(e164, shown, "")
