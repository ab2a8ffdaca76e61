"""Every rule a content pack must pass before a caller hears it.

Each rule is a small function yielding Problems that name the file and the key, so a staff
member who broke something can find it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import phonenumbers

from .errors import Problem
from .load import DIRECTORY, FLOW, LANGUAGES, text_file
from .model import DTMF, ContentPack, NodeKind
from .speech import PLACEHOLDER, placeholders

GLOBAL_FUNCTIONS = ("repeat", "main_menu", "help", "end_call")
CHANNELS = {"voice", "whatsapp"}
DIAL_FROM = {"anywhere", "mexico", "us"}
MAX_OPTIONS = 5
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
        yield Problem(LANGUAGES, "languages", "at least one language is needed")
    for lang in pack.languages:
        key = f"languages[{lang.code}]"
        if lang.code in seen_codes:
            yield Problem(LANGUAGES, key, "language code is listed twice")
        seen_codes.add(lang.code)
        if lang.key not in DTMF - {"*", "#"} or lang.key in seen_keys:
            yield Problem(LANGUAGES, f"{key}.key", f"key {lang.key!r} must be a unique digit")
        seen_keys[lang.key] = lang.code
        if lang.tts_fallback not in lang.tts:
            yield Problem(
                LANGUAGES, f"{key}.tts_fallback", f"no voice for engine {lang.tts_fallback!r}"
            )
        for word in ("plus", "star", "pound"):
            if not lang.words.get(word):
                yield Problem(LANGUAGES, f"{key}.words.{word}", "is missing")


def check_directory(pack: ContentPack) -> Iterator[Problem]:
    for org in pack.organizations.values():
        key = f"organizations.{org.id}"
        for sid in org.sources:
            if sid not in pack.sources:
                yield Problem(DIRECTORY, f"{key}.sources", f"unknown source {sid!r}")
    for num in pack.numbers.values():
        key = f"organizations.{num.org}.numbers.{num.id}"
        if num.source not in pack.sources:
            yield Problem(DIRECTORY, f"{key}.source", f"unknown source {num.source!r}")
        if not num.channels or not num.channels <= CHANNELS:
            yield Problem(DIRECTORY, f"{key}.channels", f"must be some of {sorted(CHANNELS)}")
        if num.dial_from not in DIAL_FROM:
            yield Problem(DIRECTORY, f"{key}.dial_from", f"must be one of {sorted(DIAL_FROM)}")
        yield from _check_e164(num.e164, f"{key}.e164")


def _check_e164(e164: str, key: str) -> Iterator[Problem]:
    if not re.fullmatch(r"\+[1-9]\d{6,14}", e164):
        yield Problem(DIRECTORY, key, f"{e164!r} is not E.164 (+, country code, number)")
        return
    try:
        parsed = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException as exc:
        yield Problem(DIRECTORY, key, f"{e164!r} cannot be parsed: {exc}")
        return
    if not phonenumbers.is_valid_number(parsed):
        yield Problem(DIRECTORY, key, f"{e164!r} is not a valid phone number")


def check_flow(pack: ContentPack) -> Iterator[Problem]:
    flow = pack.flow
    keys = dict(flow.keys)
    for name in GLOBAL_FUNCTIONS:
        if keys.get(name) not in DTMF:
            yield Problem(FLOW, f"keys.{name}", "must be one key of 0-9, * or #")
    if len(set(keys.values())) != len(keys):
        yield Problem(FLOW, "keys", "two functions share one key")
    if flow.retries < 0 or flow.timeout < 1:
        yield Problem(FLOW, "retries", "retries must be >= 0 and timeout >= 1 second")
    for name in ("after_language", "main", "help", "exhausted"):
        target = getattr(flow, name)
        if target not in flow.nodes:
            yield Problem(FLOW, name, f"points to unknown node {target!r}")
    for name in SHARED_PROMPTS:
        if name not in flow.prompts:
            yield Problem(FLOW, f"prompts.{name}", "is missing")
    for node in flow.nodes.values():
        yield from _check_node(pack, node)
    yield from _check_reachable(pack)
    yield from _check_message_loops(pack)


def _check_node(pack: ContentPack, node) -> Iterator[Problem]:
    flow = pack.flow
    key = f"nodes.{node.id}"
    if node.kind is NodeKind.MENU:
        if not node.options:
            yield Problem(FLOW, key, "dead end: a menu needs options")
        if len(node.options) > MAX_OPTIONS:
            yield Problem(FLOW, key, f"{len(node.options)} options; at most {MAX_OPTIONS}")
        expected = [str(i) for i in range(1, len(node.options) + 1)]
        if [o.key for o in node.options] != expected:
            yield Problem(FLOW, f"{key}.options", f"keys must be {', '.join(expected)} in order")
        for i, opt in enumerate(node.options):
            if opt.goto not in flow.nodes:
                yield Problem(FLOW, f"{key}.options[{i}].goto", f"unknown node {opt.goto!r}")
        for name in node.announce:
            if name not in flow.keys:
                yield Problem(FLOW, f"{key}.announce", f"unknown global key {name!r}")
        if node.repeat and node.repeat not in flow.nodes:
            yield Problem(FLOW, f"{key}.repeat", f"unknown node {node.repeat!r}")
    elif node.kind is NodeKind.MESSAGE:
        if not node.next:
            yield Problem(FLOW, key, "dead end: a message needs `next`")
        elif node.next not in flow.nodes:
            yield Problem(FLOW, f"{key}.next", f"unknown node {node.next!r}")
    elif node.kind is NodeKind.TRANSFER:
        num = pack.numbers.get(node.number or "")
        if num is None:
            yield Problem(FLOW, f"{key}.number", f"unknown directory number {node.number!r}")
        elif not num.voice:
            yield Problem(
                FLOW, f"{key}.number", f"{node.number} ({num.e164}) takes no voice calls"
            )
    if node.kind is not NodeKind.MENU and node.options:
        yield Problem(FLOW, f"{key}.options", f"a {node.kind.value} cannot have options")


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
            yield Problem(FLOW, f"nodes.{nid}", "unreachable: no option or next leads here")


def _check_message_loops(pack: ContentPack) -> Iterator[Problem]:
    nodes = pack.flow.nodes
    for start in nodes.values():
        seen, node = set(), start
        while node.kind is NodeKind.MESSAGE and node.next in nodes:
            if node.id in seen:
                yield Problem(FLOW, f"nodes.{start.id}", "messages lead in a circle, never a menu")
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
                yield Problem(file, pid, f"prompt is missing (used by {FLOW} {where})")
        for pid in sorted(all_ids - set(raw)):
            if pid not in used:
                yield Problem(file, pid, "prompt is missing (other languages have it)")
        for pid, text in raw.items():
            for nid in placeholders(text):
                if nid not in pack.numbers:
                    yield Problem(file, pid, f"unknown directory number {{…:{nid}}}")
            leftover = PLACEHOLDER.sub("", text)
            if "{" in leftover or "}" in leftover:
                yield Problem(file, pid, "has a { } that is not {number:id} or {slow:id}")
        yield from _check_announcements(pack, lang.code)


def _check_announcements(pack: ContentPack, lang: str) -> Iterator[Problem]:
    file = text_file(lang)
    texts = pack.raw_texts(lang)
    flow = pack.flow
    language = pack.language(lang)
    own = texts.get(flow.language_prompt)
    if own is not None and not announces(own, language.key):
        yield Problem(file, flow.language_prompt, f"must name key {language.key} after the option")
    for name, key in flow.keys.items():
        text = texts.get(f"keys.{name}")
        if text is not None and not announces(text, key_token(pack, lang, key)):
            yield Problem(
                file, f"keys.{name}", f"must name its key {key_token(pack, lang, key)!r} last"
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
    heard_prompts = {
        pid for nid in reached for pid in flow.nodes[nid].prompts
    } | {o.prompt for nid in reached for o in flow.nodes[nid].options}
    for lang in pack.languages:
        raw = pack.raw_texts(lang.code)
        for pid in heard_prompts:
            spoken[lang.code].update(placeholders(raw.get(pid, "")))
        for nid in pack.numbers:
            if nid not in spoken[lang.code]:
                yield Problem(
                    text_file(lang.code),
                    "",
                    f"number {nid} ({pack.numbers[nid].e164}) is never spoken to callers",
                )


def problems(pack: ContentPack) -> list[Problem]:
    found: list[Problem] = []
    for check in (check_languages, check_directory, check_flow, check_texts, check_numbers_heard):
        found.extend(check(pack))
    return found
