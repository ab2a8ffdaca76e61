"""Rules for ``directory.yaml`` and its numbers: known sources, channels, where a number can
be dialled from, valid E.164, and every number spoken to callers in every language."""

from __future__ import annotations

import re
from collections.abc import Iterator

import phonenumbers

from ..errors import Problem
from ..files import DIRECTORY, text_file
from ..model import ContentPack
from ..speech import dial_placeholders, placeholders
from .flow import reachable_nodes

CHANNELS = {"voice", "whatsapp"}
DIAL_FROM = {"anywhere", "mexico", "us"}


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
