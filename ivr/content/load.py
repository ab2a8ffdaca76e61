"""Read the content pack (`prompts/`) into immutable objects.

Parsing problems (a file missing, bad YAML, a field of the wrong type) are collected, not
raised one at a time, so staff see every mistake of an edit at once (files.py's ``Reader``).
Here: the directory, the flow and the texts, and the pack put together; ``languages.yaml`` is
read in load_languages.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from .errors import ContentError
from .files import DIRECTORY, FLOW, LANGUAGES, Reader, read_yaml, text_file
from .hours import read_hours
from .load_languages import read_languages
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
from .speech import (
    DATE_PLACEHOLDER,
    dial_placeholders,
    expand,
    expand_dial,
    pronounce,
    say_date,
    speak_number,
)


def _directory(data: Any, r: Reader):
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
                hours=read_hours(num.get("hours") if isinstance(num, Mapping) else None, nkey, r),
                unverified=r.field(DIRECTORY, nkey, num, "unverified", str, ""),
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


def _node(nid: str, item: Any, r: Reader) -> Node:
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
        checked=_date(r.field(FLOW, key, item, "checked", object, None), f"{key}.checked", r),
        contacts=tuple(r.field(FLOW, key, item, "contacts", list, [])),
    )


def _date(value: Any, key: str, r: Reader) -> str | None:
    """An ISO date (YAML reads 2021-05-10 as a date already)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        r.problem(
            FLOW,
            key,
            f"must be a date like 2021-05-10, not {value!r}",
            "date_invalid",
            value=str(value),
        )
        return None


def _flow(data: Any, r: Reader) -> Flow:
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


# Where an organization has numbers for calling from Mexico and from the U.S., a prompt that
# says {from:org} exists three times: for a caller whose country is unknown (both, each with
# where to call it from), and one variant each for callers in Mexico and in the U.S.
COUNTRY_VARIANTS = {"mexico": ".from-mx", "us": ".from-us"}
TWILIO_COUNTRIES = {"MX": "mexico", "US": "us"}


def dial_parts(organizations, numbers, org_id: str, country: str | None) -> list[str]:
    """What {from:org} says for a caller in `country` (None: unknown): number ids, and
    `label:from_mexico` / `label:from_us` before each group when both are said."""
    org = organizations.get(org_id)
    if org is None:
        return []
    voice = [numbers[n] for n in org.numbers if n in numbers and numbers[n].voice]
    by_place = {place: [n.id for n in voice if n.dial_from == place] for place in ("mexico", "us")}
    if country in by_place and by_place[country]:
        return by_place[country]
    parts = []
    for place, label in (("mexico", "from_mexico"), ("us", "from_us")):
        if by_place[place]:
            parts += [f"label:{label}", *by_place[place]]
    return parts


def _texts(root: Path, languages, organizations, numbers, flow: Flow, r: Reader):
    raw: dict[str, dict[str, str]] = {}
    written: dict[str, Mapping[str, str]] = {}
    spoken: dict[str, Mapping[str, str]] = {}
    spoken_raw: dict[str, Mapping[str, str]] = {}
    e164s = {nid: n.e164 for nid, n in numbers.items()}
    template = flow.prompts.get("checked", "")
    for lang in languages:
        name = text_file(lang.code)
        data = read_yaml(root, name, r)
        if not isinstance(data, Mapping):
            r.problem(name, "", "must map prompt ids to texts", "texts_not_a_map")
            data = {}
        texts = {}
        for pid, text in data.items():
            if not isinstance(text, str) or not text.strip():
                r.problem(name, str(pid), "text is empty or not a string", "text_empty")
                continue
            texts[str(pid)] = " ".join(text.split())
        raw[lang.code] = texts
        plus = lang.words.get("plus", "+")
        out_w: dict[str, str] = {}
        out_s: dict[str, str] = {}
        out_sr: dict[str, str] = {}

        def add(pid: str, text: str, lang=lang, plus=plus, w=out_w, s=out_s, sr=out_sr) -> None:
            said = pronounce(text, lang.pronounce)
            w[pid] = expand(text, e164s, plus)
            s[pid] = expand(said, e164s, plus)
            sr[pid] = said

        for pid, text in texts.items():
            if pid == template:
                continue  # a pattern for the checked.<node> prompts, never said as it is
            if not dial_placeholders(text):
                add(pid, text)
                continue
            for country, suffix in [(None, ""), *COUNTRY_VARIANTS.items()]:
                choose = {
                    oid: dial_parts(organizations, numbers, oid, country)
                    for oid in dial_placeholders(text)
                }
                add(pid + suffix, expand_dial(text, choose, lang.words))
        for nid, num in numbers.items():
            out_w[f"number.{nid}"] = out_s[f"number.{nid}"] = speak_number(
                num.e164, plus, slow=True
            )
        pattern = texts.get(template)
        for node in flow.nodes.values():
            if node.checked and pattern:
                when = say_date(date.fromisoformat(node.checked), lang.months, lang.date_pattern)
                add(f"checked.{node.id}", pattern.replace(DATE_PLACEHOLDER, when))
        written[lang.code] = frozen_map(out_w)
        spoken[lang.code] = frozen_map(out_s)
        spoken_raw[lang.code] = frozen_map(out_sr)
    raws = {code: frozen_map(t) for code, t in raw.items()}
    return written, raws, spoken, spoken_raw


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
    r = Reader()
    languages = read_languages(read_yaml(root, LANGUAGES, r), r)
    sources, orgs, numbers = _directory(read_yaml(root, DIRECTORY, r), r)
    flow = _flow(read_yaml(root, FLOW, r), r)
    texts, raw, spoken, spoken_raw = _texts(root, languages, orgs, numbers, flow, r)
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
        _spoken=frozen_map(spoken),
        _spoken_raw=frozen_map(spoken_raw),
    )
