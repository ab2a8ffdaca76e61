"""Change single values in the pack's YAML files, keeping comments, key order and quoting.

The files are written by people (their comments explain sources and decisions), so an edit
from the console goes through ruamel.yaml's round-trip mode rather than a load/dump that would
drop them.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

# Never let the emitter re-wrap lines nobody edited (the pack has lines longer than 96).
WIDTH = 4096
# A folded (`>-`) text staff edit is wrapped like the hand-written ones around it.
FOLD_AT = 90

_STYLES = (
    FoldedScalarString,
    LiteralScalarString,
    DoubleQuotedScalarString,
    SingleQuotedScalarString,
)


def _yaml() -> YAML:
    yaml = YAML()  # round-trip
    yaml.preserve_quotes = True
    yaml.width = WIDTH
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def load(data: bytes) -> Any:
    return _yaml().load(data.decode("utf-8"))


def dump(document: Any) -> bytes:
    out = io.StringIO()
    _yaml().dump(document, out)
    return out.getvalue().encode("utf-8")


def styled_like(old: Any, new: Any) -> Any:
    """``new`` written the way ``old`` was (folded stays folded, quoted stays quoted)."""
    if isinstance(new, str):
        if isinstance(old, FoldedScalarString):
            return folded(new)
        for style in _STYLES:
            if isinstance(old, style):
                return style(new)
        if isinstance(old, str):
            return DoubleQuotedScalarString(new)  # a plain scalar could turn into a number
    if isinstance(new, Sequence) and not isinstance(new, str):
        seq = CommentedSeq(new)
        if isinstance(old, CommentedSeq) and old.fa.flow_style():
            seq.fa.set_flow_style()  # `channels: [voice]` stays on one line
        return seq
    return new


def folded(text: str) -> FoldedScalarString:
    """A ``>-`` block wrapped at :data:`FOLD_AT` (ruamel folds at the spaces in ``fold_pos``)."""
    scalar = FoldedScalarString(text)
    positions, at = [], 0
    for line in textwrap.wrap(text, width=FOLD_AT, break_long_words=False)[:-1]:
        at += len(line)
        positions.append(at)
        at += 1  # the space the fold replaces
    scalar.fold_pos = positions  # type: ignore[attr-defined]
    return scalar


def set_values(
    data: bytes, path: Sequence[str], values: Mapping[str, Any], must_exist: bool = False
) -> tuple[bytes, dict[str, Any]]:
    """Set several keys of the mapping at ``path``; a value of None removes the key.

    Returns the new file and each key's old value (None where it was absent).
    """
    document = load(data)
    node = _get(document, path)
    if not isinstance(node, CommentedMap):
        raise KeyError(f"{'.'.join(path)} is not a mapping")
    before: dict[str, Any] = {}
    for key, value in values.items():
        if must_exist and key not in node:
            raise KeyError(f"{'.'.join([*path, key])} does not exist")
        before[key] = _plain(node.get(key))
        if value is None:
            node.pop(key, None)
        else:
            node[key] = styled_like(node.get(key), value)
    return dump(document), before


def _get(document: Any, path: Sequence[str]) -> Any:
    node = document
    for i, key in enumerate(path):
        if not isinstance(node, Mapping) or key not in node:
            raise KeyError(f"{'.'.join(path[: i + 1])} does not exist")
        node = node[key]
    return node


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Sequence):
        return [_plain(v) for v in value]
    return value
