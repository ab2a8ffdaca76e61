"""Content problems that point at the spot: the file, the key, and what is wrong.

`code` and `params` say the same thing as `message` in a form another program can translate
(the staff console words each code in the staff member's language); `message` stays the
English fallback, so a code the console does not know yet is still explained.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    file: str
    key: str
    message: str
    code: str = field(default="", compare=False)
    params: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __str__(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        return f"{where}: {self.message}"


class ContentError(Exception):
    """The content pack cannot be served; `problems` says every reason found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
