"""Rules for ``text/<lang>.yaml``: every prompt the flow uses is written in every language,
placeholders name real numbers, menu texts name their key after the option, and what the
voices will say is neither too long nor misread."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..errors import Problem
from ..files import FLOW, original_text, text_file
from ..model import ContentPack
from ..speech import (
    DATE_PLACEHOLDER,
    DIAL_PLACEHOLDER,
    MAX_SPOKEN_CHARS,
    PLACEHOLDER,
    control_characters,
    dial_placeholders,
    misread_numerals,
    misread_words,
    placeholders,
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
    for position, name in control_characters(original_text(text)):
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
            for word in misread_words(unexpanded.get(pid, ""), lang.misread_words):
                yield Problem(
                    file,
                    where,
                    f"the {lang.name} voice misreads {word!r}: write the name as the "
                    f"pronunciation list has it, or add it there (languages.yaml pronounce)",
                    "word_misread",
                    {"prompt": where, "word": word, "lang": lang.code},
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
