"""Every rule a content pack must pass before a caller hears it.

Each rule is a small function yielding Problems that name the file and the key, so a staff
member who broke something can find it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import phonenumbers

from .errors import Problem
from .load import DIRECTORY, FLOW, LANGUAGES, original_character, text_file
from .markup import check_markup
from .model import DTMF, ContentPack, NodeKind
from .speech import (
    DATE_PLACEHOLDER,
    DIAL_PLACEHOLDER,
    MAX_SPOKEN_CHARS,
    PLACEHOLDER,
    control_characters,
    dial_placeholders,
    misread_numerals,
    placeholders,
)

GLOBAL_FUNCTIONS = ("repeat", "main_menu", "help", "end_call")
CHANNELS = {"voice", "whatsapp"}
DIAL_FROM = {"anywhere", "mexico", "us"}
MAX_OPTIONS = 5
# Shared prompts the engine needs; "checked" (the dated-section pattern, with {date}) and
# "facts_old" are needed once a section carries a `checked` date (check_sections).
SHARED_PROMPTS = (
    "wrong_key",
    "no_input",
    "transfer_busy",
    "transfer_completed",
    "error",
    "goodbye",
    "restart",
)


def key_token(pack: ContentPack, lang: str, key: str) -> str:
    """What a text must contain to announce `key` in `lang`: the digit, or the word for * / #."""
    words = pack.language(lang).words
    return {"*": words.get("star", "*"), "#": words.get("pound", "#")}.get(key, key)


def announces(text: str, token: str) -> bool:
    """The key is named after the option, never before it (the function before the key)."""
    pattern = rf"(?<!\w){re.escape(token)}(?!\w)" if token.isdigit() else re.escape(token)
    matches = list(re.finditer(pattern, text, flags=re.IGNORECASE))
    return bool(matches) and bool(text[: matches[-1].start()].strip())


def check_languages(pack: ContentPack) -> Iterator[Problem]:
    seen_codes: set[str] = set()
    seen_keys: dict[str, str] = {}
    if not pack.languages:
        yield Problem(LANGUAGES, "languages", "at least one language is needed", "no_language")
    for lang in pack.languages:
        key = f"languages[{lang.code}]"
        if lang.code in seen_codes:
            yield Problem(
                LANGUAGES,
                key,
                "language code is listed twice",
                "language_twice",
                {"lang": lang.code},
            )
        seen_codes.add(lang.code)
        if lang.key not in DTMF - {"*", "#"} or lang.key in seen_keys:
            yield Problem(
                LANGUAGES,
                f"{key}.key",
                f"key {lang.key!r} must be a unique digit",
                "language_key",
                {"key": lang.key, "lang": lang.code},
            )
        seen_keys[lang.key] = lang.code
        if lang.tts_fallback not in lang.tts:
            yield Problem(
                LANGUAGES,
                f"{key}.tts_fallback",
                f"no voice for engine {lang.tts_fallback!r}",
                "tts_fallback_voice",
                {"engine": lang.tts_fallback, "lang": lang.code},
            )
        words = ["plus", "star", "pound"]
        if any(dial_placeholders(t) for t in pack.raw_texts(lang.code).values()):
            words += ["or", "from_mexico", "from_us"]
        for word in words:
            if not lang.words.get(word):
                yield Problem(
                    LANGUAGES,
                    f"{key}.words.{word}",
                    "is missing",
                    "word_missing",
                    {"word": word, "lang": lang.code},
                )
        if any(n.checked for n in pack.flow.nodes.values()) and len(lang.months) != 12:
            yield Problem(
                LANGUAGES,
                f"{key}.months",
                "must name the 12 months, January first",
                "months_missing",
                {"lang": lang.code},
            )
        if not lang.has_say_voice and not lang.tts:
            yield Problem(
                LANGUAGES,
                key,
                "needs a `say` voice or a `tts` voice for offline audio",
                "no_voice",
                {"lang": lang.code},
            )


def check_directory(pack: ContentPack) -> Iterator[Problem]:
    for org in pack.organizations.values():
        key = f"organizations.{org.id}"
        for sid in org.sources:
            if sid not in pack.sources:
                yield Problem(
                    DIRECTORY,
                    f"{key}.sources",
                    f"unknown source {sid!r}",
                    "source_unknown",
                    {"source": sid},
                )
    for num in pack.numbers.values():
        key = f"organizations.{num.org}.numbers.{num.id}"
        if num.source not in pack.sources:
            yield Problem(
                DIRECTORY,
                f"{key}.source",
                f"unknown source {num.source!r}",
                "source_unknown",
                {"source": num.source},
            )
        if not num.channels or not num.channels <= CHANNELS:
            yield Problem(
                DIRECTORY,
                f"{key}.channels",
                f"must be some of {sorted(CHANNELS)}",
                "channels_invalid",
                {"number": num.id, "allowed": sorted(CHANNELS)},
            )
        if num.dial_from not in DIAL_FROM:
            yield Problem(
                DIRECTORY,
                f"{key}.dial_from",
                f"must be one of {sorted(DIAL_FROM)}",
                "dial_from_invalid",
                {"number": num.id, "allowed": sorted(DIAL_FROM)},
            )
        yield from _check_e164(num.e164, f"{key}.e164")


def _check_e164(e164: str, key: str) -> Iterator[Problem]:
    if not re.fullmatch(r"\+[1-9]\d{6,14}", e164):
        yield Problem(
            DIRECTORY,
            key,
            f"{e164!r} is not E.164 (+, country code, number)",
            "number_not_e164",
            {"e164": e164},
        )
        return
    try:
        parsed = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException as exc:
        yield Problem(
            DIRECTORY,
            key,
            f"{e164!r} cannot be parsed: {exc}",
            "number_unparsable",
            {"e164": e164},
        )
        return
    if not phonenumbers.is_valid_number(parsed):
        yield Problem(
            DIRECTORY,
            key,
            f"{e164!r} is not a valid phone number",
            "number_invalid",
            {"e164": e164},
        )


def check_flow(pack: ContentPack) -> Iterator[Problem]:
    flow = pack.flow
    keys = dict(flow.keys)
    for name in GLOBAL_FUNCTIONS:
        if keys.get(name) not in DTMF:
            yield Problem(
                FLOW,
                f"keys.{name}",
                "must be one key of 0-9, * or #",
                "global_key_invalid",
                {"function": name},
            )
    if len(set(keys.values())) != len(keys):
        yield Problem(FLOW, "keys", "two functions share one key", "global_key_shared")
    if flow.retries < 0 or flow.timeout < 1:
        yield Problem(
            FLOW, "retries", "retries must be >= 0 and timeout >= 1 second", "retries_invalid"
        )
    for name in ("after_language", "main", "help", "exhausted"):
        target = getattr(flow, name)
        if target not in flow.nodes:
            yield Problem(
                FLOW,
                name,
                f"points to unknown node {target!r}",
                "node_unknown",
                {"node": target},
            )
    for name in SHARED_PROMPTS:
        if name not in flow.prompts:
            yield Problem(
                FLOW, f"prompts.{name}", "is missing", "shared_prompt_missing", {"name": name}
            )
    for node in flow.nodes.values():
        yield from _check_node(pack, node)
    yield from _check_reachable(pack)
    yield from _check_message_loops(pack)


def _check_node(pack: ContentPack, node) -> Iterator[Problem]:
    flow = pack.flow
    key = f"nodes.{node.id}"
    if node.kind is NodeKind.MENU:
        if not node.options:
            yield Problem(
                FLOW, key, "dead end: a menu needs options", "menu_no_options", {"node": node.id}
            )
        if len(node.options) > MAX_OPTIONS:
            yield Problem(
                FLOW,
                key,
                f"{len(node.options)} options; at most {MAX_OPTIONS}",
                "menu_too_many_options",
                {"node": node.id, "count": len(node.options), "limit": MAX_OPTIONS},
            )
        expected = [str(i) for i in range(1, len(node.options) + 1)]
        if [o.key for o in node.options] != expected:
            yield Problem(
                FLOW,
                f"{key}.options",
                f"keys must be {', '.join(expected)} in order",
                "option_keys_order",
                {"node": node.id, "keys": expected},
            )
        for i, opt in enumerate(node.options):
            if opt.goto not in flow.nodes:
                yield Problem(
                    FLOW,
                    f"{key}.options[{i}].goto",
                    f"unknown node {opt.goto!r}",
                    "node_unknown",
                    {"node": opt.goto},
                )
        for name in node.announce:
            if name not in flow.keys:
                yield Problem(
                    FLOW,
                    f"{key}.announce",
                    f"unknown global key {name!r}",
                    "global_key_unknown",
                    {"function": name},
                )
        if node.repeat and node.repeat not in flow.nodes:
            yield Problem(
                FLOW,
                f"{key}.repeat",
                f"unknown node {node.repeat!r}",
                "node_unknown",
                {"node": node.repeat},
            )
    elif node.kind is NodeKind.MESSAGE:
        if not node.next:
            yield Problem(
                FLOW, key, "dead end: a message needs `next`", "message_no_next", {"node": node.id}
            )
        elif node.next not in flow.nodes:
            yield Problem(
                FLOW,
                f"{key}.next",
                f"unknown node {node.next!r}",
                "node_unknown",
                {"node": node.next},
            )
    elif node.kind is NodeKind.TRANSFER:
        num = pack.numbers.get(node.number or "")
        if num is None:
            yield Problem(
                FLOW,
                f"{key}.number",
                f"unknown directory number {node.number!r}",
                "number_unknown",
                {"number": node.number},
            )
        elif not num.voice:
            yield Problem(
                FLOW,
                f"{key}.number",
                f"{node.number} ({num.e164}) takes no voice calls",
                "transfer_not_voice",
                {"number": node.number, "e164": num.e164},
            )
    if node.kind is not NodeKind.MENU and node.options:
        yield Problem(
            FLOW,
            f"{key}.options",
            f"a {node.kind.value} cannot have options",
            "options_not_menu",
            {"node": node.id, "kind": node.kind.value},
        )


def _successors(pack: ContentPack, node) -> list[str]:
    flow = pack.flow
    nxt = [o.goto for o in node.options] + [n for n in (node.next, node.repeat) if n]
    if node.kind is NodeKind.MENU:
        nxt += [flow.main, flow.help, flow.exhausted]
    return [n for n in nxt if n in flow.nodes]


def reachable_nodes(pack: ContentPack) -> set[str]:
    flow = pack.flow
    todo = [n for n in (flow.after_language, flow.main, flow.help, flow.exhausted) if n]
    seen: set[str] = set()
    while todo:
        nid = todo.pop()
        if nid in seen or nid not in flow.nodes:
            continue
        seen.add(nid)
        todo.extend(_successors(pack, flow.nodes[nid]))
    return seen


def _check_reachable(pack: ContentPack) -> Iterator[Problem]:
    reached = reachable_nodes(pack)
    for nid in pack.flow.nodes:
        if nid not in reached:
            yield Problem(
                FLOW,
                f"nodes.{nid}",
                "unreachable: no option or next leads here",
                "node_unreachable",
                {"node": nid},
            )


def _check_message_loops(pack: ContentPack) -> Iterator[Problem]:
    nodes = pack.flow.nodes
    for start in nodes.values():
        seen, node = set(), start
        while node.kind is NodeKind.MESSAGE and node.next in nodes:
            if node.id in seen:
                yield Problem(
                    FLOW,
                    f"nodes.{start.id}",
                    "messages lead in a circle, never a menu",
                    "message_loop",
                    {"node": start.id},
                )
                break
            seen.add(node.id)
            node = nodes[node.next]


def referenced_prompts(pack: ContentPack) -> dict[str, str]:
    """prompt id -> the flow.yaml key that uses it."""
    flow = pack.flow
    used = {flow.language_prompt: "language_prompt"}
    used.update({pid: f"prompts.{name}" for name, pid in flow.prompts.items()})
    used.update({f"keys.{name}": f"keys.{name}" for name in flow.keys})
    for node in flow.nodes.values():
        used.update({pid: f"nodes.{node.id}.say" for pid in node.prompts})
        used.update({o.prompt: f"nodes.{node.id}.options" for o in node.options})
    return used


def check_texts(pack: ContentPack) -> Iterator[Problem]:
    used = referenced_prompts(pack)
    all_ids = set().union(*(pack.raw_texts(lang.code) for lang in pack.languages))
    for lang in pack.languages:
        file = text_file(lang.code)
        raw = pack.raw_texts(lang.code)
        for pid, where in sorted(used.items()):
            if pid not in raw:
                yield Problem(
                    file,
                    pid,
                    f"prompt is missing (used by {FLOW} {where})",
                    "prompt_missing",
                    {"prompt": pid, "lang": lang.code, "used_by": where},
                )
        for pid in sorted(all_ids - set(raw)):
            if pid not in used:
                yield Problem(
                    file,
                    pid,
                    "prompt is missing (other languages have it)",
                    "prompt_missing_here",
                    {"prompt": pid, "lang": lang.code},
                )
        for pid, text in raw.items():
            yield from _check_text(pack, lang.code, pid, text)
        yield from _check_announcements(pack, lang.code)


def _check_text(pack: ContentPack, lang: str, pid: str, text: str) -> Iterator[Problem]:
    """One authored text: placeholders, characters, and how long and how well it is spoken."""
    file = text_file(lang)
    for nid in placeholders(text):
        if nid not in pack.numbers:
            yield Problem(
                file,
                pid,
                f"unknown directory number {{…:{nid}}}",
                "number_unknown",
                {"number": nid, "prompt": pid},
            )
    for oid in dial_placeholders(text):
        org = pack.organizations.get(oid)
        if org is None or not any(
            pack.numbers[n].dial_from in ("mexico", "us") and pack.numbers[n].voice
            for n in org.numbers
            if n in pack.numbers
        ):
            yield Problem(
                file,
                pid,
                f"{{from:{oid}}} needs an organization with numbers to call from Mexico or the "
                "U.S. (directory.yaml dial_from)",
                "dial_organization_unknown",
                {"organization": oid, "prompt": pid},
            )
    leftover = DIAL_PLACEHOLDER.sub("", PLACEHOLDER.sub("", text))
    if pid == pack.flow.prompts.get("checked"):
        if DATE_PLACEHOLDER not in leftover:
            yield Problem(
                file,
                pid,
                "must say {date} where the date goes",
                "date_placeholder_missing",
                {"prompt": pid},
            )
        leftover = leftover.replace(DATE_PLACEHOLDER, "")
    if "{" in leftover or "}" in leftover:
        yield Problem(
            file,
            pid,
            "has a { } that is not {number:id}, {slow:id} or {from:organization}",
            "placeholder_unknown",
            {"prompt": pid},
        )
    for position, name in control_characters("".join(original_character(c) for c in text)):
        yield Problem(
            file,
            pid,
            f"has the control character {name} at position {position}",
            "control_character",
            {"prompt": pid, "character": name, "position": position},
        )


def check_spoken(pack: ContentPack) -> Iterator[Problem]:
    """What the voices will say: not too long for one <Say>, and no word a voice misreads."""
    for lang in pack.languages:
        file = text_file(lang.code)
        unexpanded = pack.spoken_unexpanded(lang.code)
        for pid, text in sorted(pack.spoken(lang.code).items()):
            where = pid.split(".from-")[0] if pid not in pack.raw_texts(lang.code) else pid
            if len(text) > MAX_SPOKEN_CHARS:
                yield Problem(
                    file,
                    where,
                    f"is {len(text)} characters when spoken; at most {MAX_SPOKEN_CHARS}",
                    "text_too_long",
                    {"prompt": where, "count": len(text), "limit": MAX_SPOKEN_CHARS},
                )
            if lang.write_out_numbers:
                for word in dict.fromkeys(misread_numerals(unexpanded.get(pid, ""))):
                    yield Problem(
                        file,
                        where,
                        f"the {lang.name} voice misreads the number {word!r}: write it out in "
                        f"words, or add it to the pronunciation list (languages.yaml pronounce)",
                        "numeral_misread",
                        {"prompt": where, "word": word, "lang": lang.code},
                    )


def check_sections(pack: ContentPack) -> Iterator[Problem]:
    """Dated sections say their date; a section's own contacts are directory numbers."""
    flow = pack.flow
    dated = [n for n in flow.nodes.values() if n.checked]
    if dated:
        for name in ("checked", "facts_old"):
            if name not in flow.prompts:
                yield Problem(
                    FLOW,
                    f"prompts.{name}",
                    "is missing (sections carry `checked` dates)",
                    "shared_prompt_missing",
                    {"name": name},
                )
    for node in flow.nodes.values():
        for nid in node.contacts:
            if nid not in pack.numbers:
                yield Problem(
                    FLOW,
                    f"nodes.{node.id}.contacts",
                    f"unknown directory number {nid!r}",
                    "number_unknown",
                    {"number": nid, "node": node.id},
                )
        if node.checked and not node.prompts:
            yield Problem(
                FLOW,
                f"nodes.{node.id}.checked",
                "a dated section needs prompts to say it after",
                "checked_without_prompts",
                {"node": node.id},
            )


def _check_announcements(pack: ContentPack, lang: str) -> Iterator[Problem]:
    file = text_file(lang)
    texts = pack.raw_texts(lang)
    flow = pack.flow
    language = pack.language(lang)
    own = texts.get(flow.language_prompt)
    if own is not None and not announces(own, language.key):
        yield Problem(
            file,
            flow.language_prompt,
            f"must name key {language.key} after the option",
            "option_key_missing",
            {"key": language.key, "node": "language", "lang": lang},
        )
    for name, key in flow.keys.items():
        text = texts.get(f"keys.{name}")
        if text is not None and not announces(text, key_token(pack, lang, key)):
            yield Problem(
                file,
                f"keys.{name}",
                f"must name its key {key_token(pack, lang, key)!r} last",
                "global_key_not_named",
                {"key": key_token(pack, lang, key), "function": name, "lang": lang},
            )
    for node in flow.nodes.values():
        for opt in node.options:
            text = texts.get(opt.prompt)
            if text is not None and not announces(text, key_token(pack, lang, opt.key)):
                yield Problem(
                    file,
                    opt.prompt,
                    f"menu {node.id} option {opt.key}: the text must name key {opt.key} "
                    "after the option",
                    "option_key_missing",
                    {"key": opt.key, "option": int(opt.key), "node": node.id, "lang": lang},
                )


def unused_prompts(pack: ContentPack) -> dict[str, list[str]]:
    """Authored prompts no node uses: harmless, but they cost audio builds. A warning."""
    used = referenced_prompts(pack)
    return {
        lang.code: sorted(pid for pid in pack.raw_texts(lang.code) if pid not in used)
        for lang in pack.languages
    }


def check_numbers_heard(pack: ContentPack) -> Iterator[Problem]:
    """Every directory number can be heard by a caller in every language."""
    reached = reachable_nodes(pack)
    spoken: dict[str, set[str]] = {lang.code: set() for lang in pack.languages}
    flow = pack.flow
    heard_prompts = {pid for nid in reached for pid in flow.nodes[nid].prompts} | {
        o.prompt for nid in reached for o in flow.nodes[nid].options
    }
    for lang in pack.languages:
        raw = pack.raw_texts(lang.code)
        for pid in heard_prompts:
            text = raw.get(pid, "")
            spoken[lang.code].update(placeholders(text))
            for oid in dial_placeholders(text):
                org = pack.organizations.get(oid)
                spoken[lang.code].update(org.numbers if org else ())
        for nid in pack.numbers:
            if nid not in spoken[lang.code]:
                yield Problem(
                    text_file(lang.code),
                    "",
                    f"number {nid} ({pack.numbers[nid].e164}) is never spoken to callers",
                    "number_never_spoken",
                    {"number": nid, "e164": pack.numbers[nid].e164, "lang": lang.code},
                )


def problems(pack: ContentPack) -> list[Problem]:
    found: list[Problem] = []
    checks = (
        check_languages,
        check_directory,
        check_flow,
        check_texts,
        check_spoken,
        check_sections,
        check_numbers_heard,
        check_markup,  # texts are words: no tags (ivr/content/markup.py)
    )
    for check in checks:
        found.extend(check(pack))
    return found
