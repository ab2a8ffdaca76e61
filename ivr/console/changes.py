"""A published change said in plain words, for the Versions page and "Who changed what".

Each audit entry is a sentence in the staffer's language ("Marisol marked the dates of *Child
without parents* as checked"); each version's changes are shown as the words before and
after, with the difference marked word by word (``wordiff``), numbers as people write them and
prompts by where callers hear them. Ids and file names stay under "For developers".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import format_date, gettext, lazy_gettext
from markupsafe import Markup, escape

from ..content.model import ContentPack
from ..content.speech import DIAL_PLACEHOLDER, PLACEHOLDER
from ..publish import Change
from . import phones
from .common import live_names, live_pack, publisher
from .i18n import language_name
from .roles import role_name
from .wordiff import marked

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
    "mark_checked": lazy_gettext("Marked the dates as checked"),
}
# Each action as a sentence: who did what to what (the "what" is shown in italics).
SENTENCES = {
    "set_text": lazy_gettext("%(who)s changed the words of %(what)s"),
    "set_number": lazy_gettext("%(who)s changed a phone number of %(what)s"),
    "set_organization": lazy_gettext("%(who)s changed the details of %(what)s"),
    "rebuild_audio": lazy_gettext("%(who)s made computer-voice audio for %(what)s"),
    "publish_recording": lazy_gettext("%(who)s published a recording of %(what)s"),
    "restore_audio": lazy_gettext("%(who)s used earlier audio again for %(what)s"),
    "mark_reviewed": lazy_gettext("%(who)s checked the words of %(what)s as a native speaker"),
    "mark_checked": lazy_gettext("%(who)s marked the dates of %(what)s as checked"),
    "account_add": lazy_gettext("%(who)s made an account: %(what)s"),
    "account_role": lazy_gettext("%(who)s changed the role of an account: %(what)s"),
    "account_disable": lazy_gettext("%(who)s turned an account off: %(what)s"),
    "account_enable": lazy_gettext("%(who)s turned an account on again: %(what)s"),
    "account_password_reset": lazy_gettext(
        "%(who)s gave an account a temporary password: %(what)s"
    ),
    "account_password": lazy_gettext("%(who)s changed a password: %(what)s"),
    "account_pin": lazy_gettext("%(who)s made a phone PIN: %(what)s"),
    "account_pin_clear": lazy_gettext("%(who)s removed a phone PIN: %(what)s"),
    "account_remove": lazy_gettext("%(who)s removed an account: %(what)s"),
}
# Actions whose summary is words staff wrote ("before → after"); others name files.
READABLE = frozenset({"set_text", "set_number", "set_organization", "undo_version"})
AUDIT_READ = 100_000  # every entry: pages look versions up in all of them
SHOWN_CHANGES = 12  # a version that changed more (going back) lists this many, then a count


def action_name(action: str) -> str:
    words = ACTIONS.get(action)
    return str(words) if words else gettext("A change")


def _node_of(what: str) -> str:
    """'checked children' (a mark_checked entry) -> 'children'."""
    return what.removeprefix("checked ").strip()


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
    if head == "checked" and rest in pack.flow.nodes:
        return names.title(rest)
    if what == "seed":
        return gettext("The installed content")
    if pack.language(head):  # "es a, es b" (several prompts at once)
        return gettext("Several prompts")
    return gettext("Something else (for developers: see below)")


def _subject(action: str, what: str) -> str:
    """What a sentence says was changed: a prompt by its place, a number by its
    organization, a section by its title."""
    pack = live_pack()
    head, _, rest = what.partition(" ")
    if head == "number" and rest in pack.numbers:
        return live_names().organization(rest)
    if action == "mark_checked":
        node = _node_of(what)
        return live_names().title(node) if node in pack.flow.nodes else describe(what)
    return describe(what)


def sentence(entry: Any) -> Markup:
    """An audit entry as one sentence: 'Marisol marked the dates of <em>Child without
    parents</em> as checked'."""
    who = escape(entry.who)
    if entry.action == "restore_version":
        return Markup(escape(gettext("%(who)s took the line back to version %(id)s"))) % {
            "who": who,
            "id": entry.what.removeprefix("version ").strip(),
        }
    if entry.action == "publish_seed":
        return Markup(escape(gettext("%(who)s took the line back to the installed content"))) % {
            "who": who
        }
    if entry.action == "undo_version":
        undone = re.match(r"undid version (\S+?):", entry.summary or "")
        about = describe(entry.what) if entry.what and not entry.what.startswith("version") else ""
        text = (
            gettext("%(who)s undid the change of version %(id)s to %(what)s")
            if about
            else gettext("%(who)s undid the change of version %(id)s")
        )
        return Markup(escape(text)) % {
            "who": who,
            "id": undone.group(1) if undone else "?",
            "what": Markup("<em>%s</em>") % about,
        }
    if entry.action == "rebuild_stale" and "," in entry.what:
        return Markup(
            escape(gettext("%(who)s made computer-voice audio for everything out of date"))
        ) % {"who": who}
    template = SENTENCES.get(entry.action)
    if template is None:
        return Markup(escape(gettext("%(who)s made a change"))) % {"who": who}
    return Markup(escape(str(template))) % {
        "who": who,
        "what": Markup("<em>%s</em>") % _subject(entry.action, entry.what),
    }


FIELDS = {
    "e164": lazy_gettext("number"),
    "label": lazy_gettext("label"),
    "channels": lazy_gettext("takes"),
    "dial_from": lazy_gettext("dial from"),
    "name": lazy_gettext("name"),
    "region": lazy_gettext("city"),
    "helps": lazy_gettext("how they help"),
    "links": lazy_gettext("links"),
    "sources": lazy_gettext("sources"),
    "source": lazy_gettext("source"),
    "decision": lazy_gettext("how the flyer was read"),
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


# -- a version's changes, before and after ------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """One change to show: what, and the words before and after with the difference marked
    (both empty when there are no words, as for audio)."""

    what: str
    before: Markup
    after: Markup
    detail: str = ""  # for developers: ids and files

    @property
    def has_words(self) -> bool:
        return bool(self.before or self.after)


def written(text: Any, pack: ContentPack) -> str:
    """A prompt's words as staff read them: {number:kind} as the number itself."""
    if text is None:
        return ""

    def number(match: re.Match[str]) -> str:
        found = pack.numbers.get(match.group("id"))
        return phones.pretty(found.e164) if found else match.group(0)

    def org(match: re.Match[str]) -> str:
        found = pack.organizations.get(match.group("id"))
        return gettext("the number of %(org)s", org=found.name) if found else match.group(0)

    return DIAL_PLACEHOLDER.sub(org, PLACEHOLDER.sub(number, " ".join(str(text).split())))


def field_value(field: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return ""
    if field == "e164":
        return phones.pretty(str(value))
    if field == "region":
        return live_names().city(str(value))
    if field == "channels":
        said = {"voice": gettext("phone calls"), "whatsapp": "WhatsApp"}
        return ", ".join(said.get(str(v), str(v)) for v in value)
    if field == "dial_from":
        where = {
            "anywhere": gettext("anywhere"),
            "mexico": gettext("Mexico"),
            "us": gettext("the United States"),
        }
        return where.get(str(value), str(value))
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return " ".join(str(value).split())


def _fields(what: str, before: Any, after: Any, detail: str) -> list[Shown]:
    old, new = dict(before or {}), dict(after or {})
    keys = [k for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k)]
    rows = []
    for key in keys:
        was, now = field_value(key, old.get(key)), field_value(key, new.get(key))
        both = marked(was, now)
        label = FIELDS.get(key)
        rows.append(Shown(f"{what}: {label}" if label else what, both.before, both.after, detail))
    return rows


def shown_change(change: Any) -> list[Shown]:
    """One Change (ivr.publish) as rows to show."""
    pack = live_pack()
    names = live_names()
    if change.kind in ("text", "audio"):
        lang = str(change.lang)
        place = names.place(change.target).name if change.target in pack.prompt_ids() else ""
        where = f"{place or gettext('A prompt no longer in the call')} ({language_name(lang)})"
        detail = f"{lang} {change.target}"
        if change.kind == "audio":
            what = (
                gettext("New audio: %(prompt)s", prompt=where)
                if change.after
                else gettext("Audio removed: %(prompt)s", prompt=where)
            )
            return [Shown(what, Markup(""), Markup(""), f"{detail}: {change.after}")]
        both = marked(written(change.before, pack), written(change.after, pack))
        return [Shown(where, both.before, both.after, detail)]
    if change.kind == "checked":  # a section's date (see own_changes)
        title = names.title(change.target) if change.target in pack.flow.nodes else ""
        both = marked(_day(change.before), _day(change.after))
        what = gettext("Date of the information: %(name)s", name=title or change.target)
        return [Shown(what, both.before, both.after, f"checked {change.target}")]
    if change.kind == "number":
        org = names.organization(change.target) if change.target in pack.numbers else ""
        what = gettext("Phone number of %(org)s", org=org or gettext("an organization"))
        return _fields(what, change.before, change.after, f"number {change.target}")
    if change.kind == "organization":
        found = pack.organizations.get(change.target)
        name = found.name if found else (change.before or change.after or {}).get("name", "")
        what = gettext("Organization: %(name)s", name=name)
        return _fields(what, change.before, change.after, f"organization {change.target}")
    return [
        Shown(
            gettext("Other parts of the call (menus, voices or dates)"),
            Markup(""),
            Markup(""),
            str(change.target),
        )
    ]


def _day(text: Any) -> str:
    try:
        return format_date(date.fromisoformat(str(text).strip()), "long")
    except ValueError:
        return str(text or "").strip()


def _checked(entry: Any) -> Change:
    """A 'checked today' version as a change of the section's date (its audit entry says
    which section and both dates; the version itself only changed flow.yaml)."""
    old, _, new = (entry.summary or "").partition(" → ")
    return Change("checked", None, _node_of(entry.what), old.strip(), new.strip())


def entries_by_version() -> dict[str, Any]:
    """The audit entry of each version (the action that made it)."""
    return {e.version: e for e in publisher().audit_log(limit=AUDIT_READ) if e.version}


def own_changes(version_id: str, entry: Any | None) -> list[Change]:
    """What a version changed, with a checked date said as a date, not as a changed file."""
    if entry is not None and entry.action == "mark_checked":
        return [_checked(entry)]
    return version_changes(version_id)


def _cache() -> dict[str, Any]:
    # A version never changes once published, so what it changed is kept per app (and so
    # per database); bounded so a long history does not grow it forever.
    found = current_app.extensions.setdefault("console_version_changes", {})
    if len(found) > 400:
        found.clear()
    return found


def version_changes(version_id: str) -> list[Any]:
    cache = _cache()
    if version_id not in cache:
        try:
            cache[version_id] = publisher().version_changes(version_id)
        except (KeyError, ValueError):
            cache[version_id] = []
    return cache[version_id]


def version_rows(version_id: str, entry: Any | None) -> tuple[list[Shown], int]:
    """What a version changed, as rows to show (at most SHOWN_CHANGES), and how many more.
    Audio made for words changed in the same version is not listed again."""
    changes = own_changes(version_id, entry)
    worded = {(c.lang, c.target) for c in changes if c.kind == "text"}
    rows: list[Shown] = []
    audio: list[Any] = []
    for change in changes:
        if change.kind == "audio":
            if (change.lang, change.target) not in worded:
                audio.append(change)
            continue
        rows += shown_change(change)
    if len(audio) > 3 and rows:
        rows.append(
            Shown(gettext("New audio for %(num)d prompts", num=len(audio)), Markup(""), Markup(""))
        )
    else:
        for change in audio:
            rows += shown_change(change)
    return rows[:SHOWN_CHANGES], max(0, len(rows) - SHOWN_CHANGES)
