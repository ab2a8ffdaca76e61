"""Find anything: a word in any prompt, in any language, or in the directory; and pages of
long lists. Case and accents do not matter ("nino" finds "Niño")."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from ..content.model import ContentPack
from .names import Namer
from .phones import pretty

T = TypeVar("T")
SNIPPET = 90  # characters of context around a match


def fold(text: str) -> str:
    """Lower case without accents, one character for one character (so positions match)."""
    out = []
    for char in text:
        base = unicodedata.normalize("NFKD", char)
        kept = "".join(c for c in base if not unicodedata.combining(c)) or char
        out.append(kept[0].casefold()[:1] if len(kept[0].casefold()) == 1 else kept[0].lower())
    return "".join(out)


@dataclass(frozen=True)
class Snippet:
    before: str
    match: str
    after: str


def snippet(text: str, query: str) -> Snippet | None:
    folded, wanted = fold(text), fold(query.strip())
    at = folded.find(wanted) if wanted else -1
    if at < 0:
        return None
    end = at + len(wanted)
    start = max(0, at - SNIPPET // 2)
    stop = min(len(text), end + SNIPPET)
    before = ("…" if start else "") + text[start:at]
    after = text[end:stop] + ("…" if stop < len(text) else "")
    return Snippet(before, text[at:end], after)


@dataclass(frozen=True)
class PromptHit:
    lang: str
    prompt_id: str
    place: str
    node: str | None
    found: Snippet  # in the words, or in the place's name
    by_name: bool = False  # found in the name only: listed after the words that match


@dataclass(frozen=True)
class NumberHit:
    number_id: str
    org: str
    label: str
    shown: str
    found: Snippet


def search(pack: ContentPack, namer: Namer, query: str, lang: str = "") -> dict[str, list]:
    """Prompts whose words (any language, or `lang`) or name contain the query, and
    organizations and numbers of the directory that do."""
    query = query.strip()
    prompts: list[PromptHit] = []
    numbers: list[NumberHit] = []
    if not query:
        return {"prompts": prompts, "numbers": numbers}
    digits = re.sub(r"\D", "", query)
    for language in pack.languages:
        if lang and language.code != lang:
            continue
        for prompt_id, text in pack.texts(language.code).items():
            place = namer.place(prompt_id)
            found, by_name = snippet(text, query), False
            if found is None and language.code == namer.lang:
                found, by_name = snippet(place.name, query), True
            if found is not None:
                prompts.append(
                    PromptHit(language.code, prompt_id, place.name, place.node, found, by_name)
                )
    order = {language.code: i for i, language in enumerate(pack.languages)}
    prompts.sort(key=lambda h: (h.by_name, h.place, order[h.lang]))
    for number in pack.numbers.values():
        org = pack.organizations.get(number.org)
        name = org.name if org else number.org
        shown = pretty(number.e164)
        haystack = (
            f"{name} · {number.label} · {org.helps if org else ''} · {org.region if org else ''}"
        )
        found = snippet(haystack, query)
        if found is None and len(digits) >= 3 and digits in re.sub(r"\D", "", number.e164):
            found = Snippet("", shown, "")
        if found is not None:
            numbers.append(NumberHit(number.id, name, number.label, shown, found))
    return {"prompts": prompts, "numbers": numbers}


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    number: int
    pages: int
    total: int

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None


def paginate(items: Sequence[T], page: str | int | None, per_page: int) -> Page[T]:
    """One page of a long list (a page past the end shows the last)."""
    pages = max(1, math.ceil(len(items) / per_page))
    try:
        number = min(max(1, int(page or 1)), pages)
    except ValueError:
        number = 1
    start = (number - 1) * per_page
    return Page(items[start : start + per_page], number, pages, len(items))
