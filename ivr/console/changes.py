"""A published change said in plain words, for the Versions page and "Who changed what": what
was done ("Changed the words"), to what (a prompt by where callers hear it, a number by its
organization) and, for words staff wrote, "before → after" with numbers as people write them.
"""

from __future__ import annotations

import re

from flask_babel import gettext, lazy_gettext

from . import phones
from .common import live_names, live_pack
from .i18n import language_name
from .roles import role_name

ACTIONS = {
    "set_text": lazy_gettext("Changed the words"),
    "set_number": lazy_gettext("Changed a phone number"),
    "set_organization": lazy_gettext("Changed an organization"),
    "rebuild_audio": lazy_gettext("Made computer-voice audio"),
    "rebuild_stale": lazy_gettext("Made computer-voice audio for what was out of date"),
    "publish_recording": lazy_gettext("Published a recording"),
    "restore_audio": lazy_gettext("Used earlier audio again"),
    "restore_version": lazy_gettext("Went back to an earlier version"),
    "publish_seed": lazy_gettext("Went back to the installed content"),
    "undo_version": lazy_gettext("Undid one change"),
    "mark_reviewed": lazy_gettext("Checked the words as a native speaker"),
    "publish_takes": lazy_gettext("Published recording-session takes"),
    # Accounts (areas/accounts.py, the CLI): no version, only the audit log.
    "account_add": lazy_gettext("Made an account"),
    "account_role": lazy_gettext("Changed the role of an account"),
    "account_disable": lazy_gettext("Turned an account off"),
    "account_enable": lazy_gettext("Turned an account on again"),
    "account_password_reset": lazy_gettext("Gave an account a temporary password"),
    "account_password": lazy_gettext("Changed a password"),
    "account_pin": lazy_gettext("Made a phone PIN"),
    "account_pin_clear": lazy_gettext("Removed a phone PIN"),
    "account_remove": lazy_gettext("Removed an account"),
}
# Actions whose summary is words staff wrote ("before → after"); others name files.
READABLE = frozenset({"set_text", "set_number", "set_organization", "undo_version"})


def action_name(action: str) -> str:
    words = ACTIONS.get(action)
    return str(words) if words else action.replace("_", " ")


def describe(what: str) -> str:
    """'es main.children' -> 'Main menu – option 4 (Spanish)'; 'number kind' -> the number."""
    pack = live_pack()
    names = live_names()
    head, _, rest = what.partition(" ")
    if pack.language(head) and rest in pack.prompt_ids():
        return f"{names.place(rest).name} ({language_name(head)})"
    if head == "number" and rest in pack.numbers:
        number = pack.numbers[rest]
        return gettext(
            "Phone number of %(org)s (%(label)s)", org=names.organization(rest), label=number.label
        )
    if head == "organization" and rest in pack.organizations:
        return pack.organizations[rest].name
    if head == "version":
        return gettext("Version %(id)s", id=rest)
    if head == "account":
        return gettext("Account %(name)s", name=rest)
    if what == "seed":
        return gettext("The installed content")
    if pack.language(head):  # "es a, es b" (several prompts at once)
        return gettext("Several prompts")
    return what


FIELDS = {
    "e164": lazy_gettext("number"),
    "label": lazy_gettext("label"),
    "channels": lazy_gettext("takes"),
    "dial_from": lazy_gettext("dial from"),
    "name": lazy_gettext("name"),
    "region": lazy_gettext("region"),
    "helps": lazy_gettext("how they help"),
}
_E164 = re.compile(r"\+\d{8,15}")


def readable_change(action: str, summary: str) -> str:
    """The words of a change staff can read: 'e164: +12029189431 → +12029189432' becomes
    'number: +1 202-918-9431 → +1 202-918-9432'; audio changes name files, so none."""
    if action in ("account_add", "account_role"):  # "role: editor", "editor → administrator"
        roles = summary.removeprefix("role: ").split(" → ")
        return " → ".join(role_name(role) for role in roles)
    if action not in READABLE:
        return ""
    if action == "set_text":
        return summary
    if action == "undo_version":  # "undid version 7: new words → old words"
        words = summary.partition(": ")[2]
        return words if "→" in words else ""
    parts = []
    for part in summary.split("; "):
        field, sep, rest = part.partition(": ")
        label = FIELDS.get(field)
        parts.append(f"{label}{sep}{rest}" if label and sep else part)
    return _E164.sub(lambda m: phones.pretty(m.group(0)), "; ".join(parts))
