"""The pack's files (`prompts/`): their names, and reading one YAML file of them with every
problem noted on a ``Reader``, not raised, so staff see every mistake of an edit at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem

LANGUAGES = "languages.yaml"
DIRECTORY = "directory.yaml"
FLOW = "flow.yaml"
TEXT_DIR = "text"


def text_file(code: str) -> str:
    return f"{TEXT_DIR}/{code}.yaml"


class Reader:
    """Pulls typed fields out of parsed YAML, noting a Problem instead of raising."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, file: str, key: str, message: str, code: str = "", **params: Any) -> None:
        self.problems.append(Problem(file, key, message, code, params))

    def field(self, file: str, key: str, data: Any, name: str, kind: type, default: Any = ...):
        if not isinstance(data, Mapping) or name not in data or data[name] is None:
            if default is ...:
                where = f"{key}.{name}" if key else name
                self.problem(file, where, "is missing", "field_missing", field=where)
                return kind()
            return default
        value = data[name]
        if kind is str and isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, kind):
            where = f"{key}.{name}" if key else name
            self.problem(
                file,
                where,
                f"must be a {kind.__name__}, not {value!r}",
                "field_type",
                field=where,
                type=kind.__name__,
                value=repr(value),
            )
            return kind()
        return value


# A control character in a file would stop the YAML parser with a message about the whole
# file. Each one is swapped for a private-use stand-in (same length, so positions hold) and
# validation names it, with the prompt and the position in that prompt's text.
STAND_IN_BASE = 0xF0000


_STAND_INS = {
    code: chr(STAND_IN_BASE + code) for code in (*range(32), 127) if chr(code) not in "\n\t\r"
}
_ORIGINALS = {STAND_IN_BASE + code: chr(code) for code in range(128)}


def _stand_ins(text: str) -> str:
    return text.translate(_STAND_INS)


def original_text(text: str) -> str:
    """``text`` with every stand-in turned back into the control character it replaced."""
    return text.translate(_ORIGINALS)


# libyaml's loader where PyYAML was built with it (10× faster; the pack is read on every edit).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(root: Path, name: str, reader: Reader) -> Any:
    path = root / name
    try:
        return yaml.load(_stand_ins(path.read_text(encoding="utf-8")), Loader=_LOADER) or {}
    except FileNotFoundError:
        reader.problem(name, "", "file is missing", "file_missing")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else ""
        why = str(getattr(exc, "problem", exc))
        reader.problem(name, where, f"is not valid YAML: {why}", "yaml_invalid", reason=why)
    except UnicodeDecodeError:
        reader.problem(name, "", "is not UTF-8 text", "not_utf8")
    return {}
