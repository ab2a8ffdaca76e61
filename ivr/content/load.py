"""Read the content pack (`prompts/`) into immutable objects.

Parsing problems (a file missing, bad YAML, a field of the wrong type) are collected, not
raised one at a time, so staff see every mistake of an edit at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from .errors import ContentError, Problem
from .model import (
    ContentPack,
    Flow,
    Language,
    Node,
    NodeKind,
    Option,
    Organization,
    PhoneNumber,
    Source,
    frozen_map,
)
from .speech import expand, speak_number

LANGUAGES = "languages.yaml"
DIRECTORY = "directory.yaml"
FLOW = "flow.yaml"
TEXT_DIR = "text"


def text_file(code: str) -> str:
    return f"{TEXT_DIR}/{code}.yaml"


class _Reader:
    """Pulls typed fields out of parsed YAML, noting a Problem instead of raising."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, file: str, key: str, message: str) -> None:
        self.problems.append(Problem(file, key, message))

    def field(self, file: str, key: str, data: Any, name: str, kind: type, default: Any = ...):
        if not isinstance(data, Mapping) or name not in data or data[name] is None:
            if default is ...:
                self.problem(file, f"{key}.{name}" if key else name, "is missing")
                return kind()
            return default
        value = data[name]
        if kind is str and isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, kind):
            self.problem(
                file, f"{key}.{name}" if key else name, f"must be a {kind.__name__}, not {value!r}"
            )
            return kind()
        return value


def _read_yaml(root: Path, name: str, reader: _Reader) -> Any:
    path = root / name
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        reader.problem(name, "", "file is missing")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else ""
        reader.problem(name, where, f"is not valid YAML: {getattr(exc, 'problem', exc)}")
    except UnicodeDecodeError:
        reader.problem(name, "", "is not UTF-8 text")
    return {}


def _languages(data: Any, r: _Reader) -> tuple[Language, ...]:
    langs = []
    items = r.field(LANGUAGES, "", data, "languages", list)
    for i, item in enumerate(items):
        key = f"languages[{i}]"
        code = r.field(LANGUAGES, key, item, "code", str)
        key = f"languages[{code or i}]"
        say = r.field(LANGUAGES, key, item, "say", dict)
        tts = r.field(LANGUAGES, key, item, "tts", dict)
        langs.append(
            Language(
                code=code,
                name=r.field(LANGUAGES, key, item, "name", str),
                key=r.field(LANGUAGES, key, item, "key", str),
                say_voice=r.field(LANGUAGES, f"{key}.say", say, "voice", str),
                say_language=r.field(LANGUAGES, f"{key}.say", say, "language", str),
                tts=frozen_map({k: frozen_map(v) for k, v in tts.items() if v}),
                tts_fallback=r.field(LANGUAGES, key, item, "tts_fallback", str, "espeak"),
                words=frozen_map(r.field(LANGUAGES, key, item, "words", dict)),
            )
        )
    return tuple(langs)


def _directory(data: Any, r: _Reader):
    sources = {}
    for sid, item in r.field(DIRECTORY, "", data, "sources", dict).items():
        key = f"sources.{sid}"
        sources[sid] = Source(
            id=sid,
            title=r.field(DIRECTORY, key, item, "title", str),
            publisher=r.field(DIRECTORY, key, item, "publisher", str),
            updated=str(r.field(DIRECTORY, key, item, "updated", object)),
        )
    orgs: dict[str, Organization] = {}
    numbers: dict[str, PhoneNumber] = {}
    for oid, item in r.field(DIRECTORY, "", data, "organizations", dict).items():
        key = f"organizations.{oid}"
        nums = r.field(DIRECTORY, key, item, "numbers", dict, {})
        for nid, num in nums.items():
            nkey = f"{key}.numbers.{nid}"
            if nid in numbers:
                r.problem(DIRECTORY, nkey, f"number id is already used by {numbers[nid].org}")
            numbers[nid] = PhoneNumber(
                id=nid,
                e164=r.field(DIRECTORY, nkey, num, "e164", str),
                channels=frozenset(r.field(DIRECTORY, nkey, num, "channels", list)),
                dial_from=r.field(DIRECTORY, nkey, num, "dial_from", str, "anywhere"),
                org=oid,
                label=r.field(DIRECTORY, nkey, num, "label", str, ""),
                source=r.field(DIRECTORY, nkey, num, "source", str),
                decision=r.field(DIRECTORY, nkey, num, "decision", str, ""),
            )
        orgs[oid] = Organization(
            id=oid,
            name=r.field(DIRECTORY, key, item, "name", str),
            region=r.field(DIRECTORY, key, item, "region", str),
            helps=r.field(DIRECTORY, key, item, "helps", str),
            sources=tuple(r.field(DIRECTORY, key, item, "sources", list)),
            numbers=tuple(nums),
            links=tuple(r.field(DIRECTORY, key, item, "links", list, [])),
            decision=r.field(DIRECTORY, key, item, "decision", str, ""),
        )
    return sources, orgs, numbers


def _node(nid: str, item: Any, r: _Reader) -> Node:
    key = f"nodes.{nid}"
    kind_name = r.field(FLOW, key, item, "kind", str)
    try:
        kind = NodeKind(kind_name)
    except ValueError:
        r.problem(FLOW, f"{key}.kind", f"unknown kind {kind_name!r}")
        kind = NodeKind.MENU
    options = []
    for i, opt in enumerate(r.field(FLOW, key, item, "options", list, [])):
        okey = f"{key}.options[{i}]"
        options.append(
            Option(
                key=r.field(FLOW, okey, opt, "key", str),
                prompt=r.field(FLOW, okey, opt, "say", str),
                goto=r.field(FLOW, okey, opt, "goto", str),
            )
        )
    return Node(
        id=nid,
        kind=kind,
        prompts=tuple(r.field(FLOW, key, item, "say", list, [])),
        options=tuple(options),
        announce=tuple(r.field(FLOW, key, item, "announce", list, [])),
        next=r.field(FLOW, key, item, "next", str, None),
        repeat=r.field(FLOW, key, item, "repeat", str, None),
        number=r.field(FLOW, key, item, "number", str, None),
        situation=r.field(FLOW, key, item, "situation", str, None),
        reference=r.field(FLOW, key, item, "reference", str, None),
    )


def _flow(data: Any, r: _Reader) -> Flow:
    nodes = r.field(FLOW, "", data, "nodes", dict)
    return Flow(
        keys=frozen_map({k: str(v) for k, v in r.field(FLOW, "", data, "keys", dict).items()}),
        retries=r.field(FLOW, "", data, "retries", int),
        timeout=r.field(FLOW, "", data, "timeout", int),
        language_prompt=r.field(FLOW, "", data, "language_prompt", str),
        after_language=r.field(FLOW, "", data, "after_language", str),
        main=r.field(FLOW, "", data, "main", str),
        help=r.field(FLOW, "", data, "help", str),
        exhausted=r.field(FLOW, "", data, "exhausted", str),
        prompts=frozen_map(r.field(FLOW, "", data, "prompts", dict)),
        nodes=frozen_map({nid: _node(nid, item, r) for nid, item in nodes.items()}),
    )


def _texts(root: Path, languages, numbers, r: _Reader):
    raw: dict[str, dict[str, str]] = {}
    final: dict[str, Mapping[str, str]] = {}
    e164s = {nid: n.e164 for nid, n in numbers.items()}
    for lang in languages:
        name = text_file(lang.code)
        data = _read_yaml(root, name, r)
        if not isinstance(data, Mapping):
            r.problem(name, "", "must map prompt ids to texts")
            data = {}
        texts = {}
        for pid, text in data.items():
            if not isinstance(text, str) or not text.strip():
                r.problem(name, str(pid), "text is empty or not a string")
                continue
            texts[str(pid)] = " ".join(text.split())
        raw[lang.code] = texts
        plus = lang.words.get("plus", "+")
        expanded = {pid: expand(text, e164s, plus) for pid, text in texts.items()}
        for nid, num in numbers.items():
            expanded[f"number.{nid}"] = speak_number(num.e164, plus, slow=True)
        final[lang.code] = frozen_map(expanded)
    return final, {code: frozen_map(t) for code, t in raw.items()}


def pack_version(root: Path, languages: tuple[Language, ...]) -> str:
    digest = hashlib.sha256()
    names = [LANGUAGES, DIRECTORY, FLOW] + [text_file(lang.code) for lang in languages]
    for name in names:
        path = root / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()[:16]


def read_pack(root: Path) -> ContentPack:
    """Parse the pack; raise ContentError listing every structural problem found."""
    r = _Reader()
    languages = _languages(_read_yaml(root, LANGUAGES, r), r)
    sources, orgs, numbers = _directory(_read_yaml(root, DIRECTORY, r), r)
    flow = _flow(_read_yaml(root, FLOW, r), r)
    texts, raw = _texts(root, languages, numbers, r)
    if r.problems:
        raise ContentError(r.problems)
    return ContentPack(
        version=pack_version(root, languages),
        languages=languages,
        sources=frozen_map(sources),
        organizations=frozen_map(orgs),
        numbers=frozen_map(numbers),
        flow=flow,
        _texts=frozen_map(texts),
        _raw_texts=frozen_map(raw),
    )
