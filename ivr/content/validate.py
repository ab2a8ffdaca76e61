"""Every rule a content pack must pass before a caller hears it.

Each rule is a small function yielding Problems that name the file and the key, so a staff
member who broke something can find it. The rules live in :mod:`ivr.content.rules`, one module
per pack file; :data:`CHECKS` lists them in the order their problems are reported. A new rule
module adds its check function to that tuple.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .errors import Problem
from .hours import check_hours
from .markup import check_markup
from .model import ContentPack
from .rules.directory import check_directory, check_numbers_heard
from .rules.flow import check_flow, check_sections, reachable_nodes
from .rules.languages import check_languages
from .rules.texts import (
    announces,
    check_spoken,
    check_texts,
    key_token,
    referenced_prompts,
    unused_prompts,
)
from .wording import check_sentence_length

__all__ = [
    "CHECKS",
    "announces",
    "key_token",
    "problems",
    "reachable_nodes",
    "referenced_prompts",
    "unused_prompts",
]

#: A rule: every problem it finds in a pack.
Check = Callable[[ContentPack], Iterable[Problem]]

CHECKS: tuple[Check, ...] = (
    check_languages,
    check_directory,
    check_flow,
    check_texts,
    check_spoken,
    check_sections,
    check_numbers_heard,
    check_hours,  # opening hours (ivr/content/hours.py)
    check_sentence_length,  # sentences of at most 25 words (ivr/content/wording.py)
    check_markup,  # texts are words: no tags (ivr/content/markup.py)
)


def problems(pack: ContentPack) -> list[Problem]:
    """Every problem of every rule, in the order of :data:`CHECKS` (none: the pack is valid)."""
    found: list[Problem] = []
    for check in CHECKS:
        found.extend(check(pack))
    return found
