"""Before and after, word by word: what a change removed marked <del>, what it added <ins>.

Short texts are shown whole. In a long text only the sentences that changed are shown, each
in full, with "…" where unchanged sentences are left out, so a staffer sees exactly what
changed without reading the whole guidance twice (and never two clipped texts that look the
same because the change was past the cut).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from markupsafe import Markup, escape

# Words, the spaces between them, and each sign on its own ("918-9431" is three tokens), so a
# changed digit group is marked without marking the whole number.
_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)
_SENTENCE_END = frozenset(".!?")
LONG = 240  # characters; longer texts show their changed sentences only
GAP = "…"


@dataclass(frozen=True)
class Marked:
    """One change, both sides ready to show."""

    before: Markup
    after: Markup


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _sentences(tokens: list[str]) -> list[int]:
    """The sentence each token belongs to (a new one after . ! or ? and a space)."""
    out, current = [], 0
    for i, token in enumerate(tokens):
        out.append(current)
        if token in _SENTENCE_END and i + 1 < len(tokens) and tokens[i + 1].isspace():
            current += 1
    return out


def _join_spaces(marks: list[bool], tokens: list[str]) -> None:
    """Mark a space between two marked words too, so "<del>a b</del>" is one piece."""
    for i in range(1, len(tokens) - 1):
        if tokens[i].isspace() and marks[i - 1] and marks[i + 1]:
            marks[i] = True


def _render(tokens: list[str], marks: list[bool], tag: str, keep: set[int] | None) -> Markup:
    sentence = _sentences(tokens)
    parts: list[str] = []
    open_ = False
    last_kept: int | None = None
    for i, token in enumerate(tokens):
        if keep is not None and sentence[i] not in keep:
            continue
        if keep is not None and sentence[i] != last_kept:
            if open_:
                parts.append(f"</{tag}>")
                open_ = False
            if last_kept is None and sentence[i] > 0:
                parts.append(GAP + " ")
            elif last_kept is not None and sentence[i] != last_kept + 1:
                parts.append(" " + GAP + " ")
            last_kept = sentence[i]
            if token.isspace():
                continue  # the space after the sentence before: a gap says it
        marked = marks[i] and not (token.isspace() and not open_)
        if marked and not open_:
            parts.append(f"<{tag}>")
            open_ = True
        elif not marked and open_:
            parts.append(f"</{tag}>")
            open_ = False
        parts.append(str(escape(token)))
    if open_:
        parts.append(f"</{tag}>")
    if keep is not None and tokens and last_kept is not None and last_kept < sentence[-1]:
        parts.append(" " + GAP)
    return Markup("".join(parts).strip())


def marked(before: str, after: str, long: int = LONG) -> Marked:
    """Both sides of a change with the difference marked, word by word."""
    a, b = _tokens(before or ""), _tokens(after or "")
    marks_a, marks_b = [False] * len(a), [False] * len(b)
    touched_a: set[int] = set()
    touched_b: set[int] = set()
    sentence_a, sentence_b = _sentences(a), _sentences(b)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        for i in range(i1, i2):
            marks_a[i] = not a[i].isspace()
        for j in range(j1, j2):
            marks_b[j] = not b[j].isspace()
        # The sentence where something was added or removed, on both sides.
        if a:
            touched_a.update(sentence_a[min(i, len(a) - 1)] for i in range(i1, max(i2, i1 + 1)))
        if b:
            touched_b.update(sentence_b[min(j, len(b) - 1)] for j in range(j1, max(j2, j1 + 1)))
    _join_spaces(marks_a, a)
    _join_spaces(marks_b, b)
    is_long = max(len(before or ""), len(after or "")) > long
    return Marked(
        _render(a, marks_a, "del", touched_a if is_long else None),
        _render(b, marks_b, "ins", touched_b if is_long else None),
    )
