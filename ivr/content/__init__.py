"""The content pack: languages, directory, call flow and texts, loaded and validated."""

from __future__ import annotations

from pathlib import Path

from .errors import ContentError, Problem
from .load import read_pack
from .model import ContentPack, Flow, Language, Node, NodeKind, Option, Organization, PhoneNumber
from .validate import problems

__all__ = [
    "ContentError",
    "ContentPack",
    "Flow",
    "Language",
    "Node",
    "NodeKind",
    "Option",
    "Organization",
    "PhoneNumber",
    "Problem",
    "load_pack",
]


def load_pack(root: Path | str) -> ContentPack:
    """Read and validate the pack at `root`; raise ContentError naming every problem."""
    pack = read_pack(Path(root))
    found = problems(pack)
    if found:
        raise ContentError(found)
    return pack
