"""Writing files so that readers (other web workers) see the old bytes or the new, never a part."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_temporary(path: Path, data: bytes) -> str:
    """A synced temporary file holding `data` beside `path` (same file system, so a rename or
    a link onto `path` is atomic); the caller renames or links it, then it is theirs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes 0600; the web server must read it
    except BaseException:
        os.unlink(temporary)
        raise
    return temporary


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one step."""
    temporary = write_temporary(path, data)
    try:
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
