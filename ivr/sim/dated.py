"""No phone number before its date: on every path of the call, in every language, a caller hears
a year (the date of the facts) before the first phone number.

The facts on the line come from flyers of 2021; a number heard with no year before it sounds like
today's. This follows the explored graph of the call (`Exploration.steps`) from the answer,
carrying one bit along each path: has a year been heard yet? A number counts as dated only when
a year was heard earlier in the same prompt or earlier in the call. Prompts are read from their
captions (the written words of a <Play>, the text of a <Say>); a year is written ("2021") or, in
a language whose voice cannot read numerals, its spoken form from the pronunciation list.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass

from ..content import ContentPack
from ..content.speech import speak_number
from .explore import Exploration, StateKey

YEAR = re.compile(r"(?<![\d,])(?:19|20)\d\d(?![\d,])")


@dataclass(frozen=True)
class Undated:
    lang: str
    path: tuple[str, ...]  # the keys that lead to where it is heard
    caption: str  # the prompt that says a number before any year was heard

    def __str__(self) -> str:
        return (
            f"{self.lang}: a phone number before any date: “{self.caption[:70]}…”  "
            f"(heard after: {' '.join(self.path) or 'answer'})"
        )


class Finder:
    """Where a caption says its first year and its first phone number."""

    def __init__(self, pack: ContentPack) -> None:
        plus = {lang.words.get("plus", "+") for lang in pack.languages}
        self.numbers = sorted(
            {
                " ".join(speak_number(n.e164, p, slow=slow).split())
                for n in pack.numbers.values()
                for p in plus
                for slow in (False, True)
            },
            key=len,
            reverse=True,
        )
        spoken_years = {
            spoken
            for lang in pack.languages
            for written, spoken in lang.pronounce
            if YEAR.fullmatch(written)
        }
        self.years = sorted(spoken_years, key=len, reverse=True)

    def year_at(self, text: str) -> int | None:
        found = [m.start() for m in [YEAR.search(text)] if m]
        found += [text.find(y) for y in self.years if y in text]
        return min(found) if found else None

    def number_at(self, text: str) -> int | None:
        found = [text.find(n) for n in self.numbers if n in text]
        return min(found) if found else None


def numbers_before_a_date(exploration: Exploration, pack: ContentPack) -> list[Undated]:
    """One Undated per (language, prompt) said before any year, with the shortest path to it."""
    finder = Finder(pack)
    found: dict[tuple[str, str], Undated] = {}

    def hear(captions, dated: bool, lang: str | None, path) -> bool:
        for caption in captions:
            text = " ".join(caption.split())
            year, number = finder.year_at(text), finder.number_at(text)
            if not dated and number is not None and (year is None or number < year):
                key = (lang or "?", text)
                found.setdefault(key, Undated(lang or "?", path, text))
            dated = dated or year is not None
        return dated

    dated = hear(exploration.start, False, None, ())
    if exploration.first is None:
        return list(found.values())
    queue: deque[tuple[StateKey, bool, tuple[str, ...]]] = deque([(exploration.first, dated, ())])
    seen = {(exploration.first, dated)}
    while queue:
        state, dated, path = queue.popleft()
        for step in exploration.steps.get(state, ()):
            # A step hears the state's own prompts (a menu's, heard before its key), then what
            # the key brings before the next wait: where it is heard is this state's path.
            after = hear(step.heard, dated, step.lang, path)
            if step.to is not None and (step.to, after) not in seen:
                seen.add((step.to, after))
                queue.append((step.to, after, path + (step.label,)))
    return sorted(found.values(), key=lambda u: (u.lang, len(u.path), u.path))
