"""Phone numbers typed the way people write them ("619-786-4866", "664 208 8994", "+52 …"),
read with the country staff chose, and shown back for confirmation before anything is saved."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from flask_babel import gettext

# Countries the hotline's numbers are in: Mexico and the United States.
COUNTRIES = ("MX", "US")
# What a number on a flyer is written with: digits, spaces, dashes, dots, brackets and a
# leading + (or 00). phonenumbers would read letters as keypad digits ("ABC" -> 222) and drop
# an "ext", so anything else is refused and shown back, never guessed at.
WRITTEN = re.compile(r"\+?[\d\s().\-/]+")


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
    if not WRITTEN.fullmatch(text) or not any(c.isdigit() for c in text):
        return Reading(
            None,
            text,
            gettext(
                "«%(typed)s» is not a phone number: it has letters or signs a phone number does "
                "not have. Write only the digits, spaces or dashes, for example 619-786-4866.",
                typed=text,
            ),
        )
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
        where = phonenumbers.region_code_for_country_code(parsed.country_code)
        return Reading(
            None,
            shown,
            gettext(
                "«%(typed)s» is not a complete number in %(country)s (it has %(digits)d "
                "digits; a number there has %(expected)s). Check it on the flyer, and check "
                "the country.",
                typed=typed.strip(),
                country=country_names().get(where, country_names().get(region, region)),
                digits=digits,
                expected=_expected_digits(where if where in COUNTRIES else region),
            ),
        )
    return Reading(e164, shown, "")


def _expected_digits(region: str) -> str:
    """How many digits a number has after the country code (10 in Mexico and the U.S.)."""
    example = phonenumbers.example_number(region)
    return str(len(phonenumbers.national_significant_number(example))) if example else "10"


_WRITTEN_NUMBER = re.compile(r"[+(\d][\d\s().\-]*\d")


def relabel(label: str, old_e164: str, new_e164: str) -> str | None:
    """The label with the old number in it written as the new one, the way the label writes
    it: 'KIND phone number: (202) 918-9431' -> '… (202) 918-9432'. None when the label does
    not say the old number (nothing to change)."""
    try:
        old = phonenumbers.parse(old_e164)
        new = phonenumbers.parse(new_e164)
    except phonenumbers.NumberParseException:
        return None
    old_digits = phonenumbers.national_significant_number(old)
    new_digits = phonenumbers.national_significant_number(new)
    for match in _WRITTEN_NUMBER.finditer(label):
        written = match.group()
        digits = re.sub(r"\D", "", written)
        if not digits.endswith(old_digits) or len(digits) - len(old_digits) > 3:
            continue
        if len(old_digits) == len(new_digits) and old.country_code == new.country_code:
            # Same shape: put the new digits where the old ones were, keeping the spacing.
            spare = list(new_digits)
            out = []
            for char in reversed(written):
                out.append(spare.pop() if char.isdigit() and spare else char)
            rewritten = "".join(reversed(out))
        else:
            rewritten = pretty(new_e164)
        return label[: match.start()] + rewritten + label[match.end() :]
    return None
