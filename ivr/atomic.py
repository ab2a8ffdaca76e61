"""Writing files so that readers (other web workers) see the old bytes or the new, never a part,
and so that nobody else on the machine can read them.

Everything the line writes under ``DATA_DIR`` (the embedded database, cached versions and
audio, drafts, the login lock) is for the hotline's own processes only: files are made 0600
and folders 0700 whatever the process's umask (:func:`private_dir`, :func:`atomic_write`),
and :func:`make_private` tightens what an older version left readable.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """Make ``path`` and any missing parent a folder only this user can enter (0700, set
    explicitly: ``mkdir(mode=)`` is masked by the umask, and ``parents=True`` ignores it)."""
    path = Path(path)
    missing = []
    here = path
    while not here.is_dir() and here.parent != here:
        missing.append(here)
        here = here.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            if not folder.is_dir():
                raise
            continue  # another worker made it meanwhile (and tightens it)
        os.chmod(folder, DIR_MODE)
    return path


def private_file(path: Path) -> int:
    """Open (create if missing) ``path`` for appending as a 0600 file; the descriptor."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
    os.fchmod(fd, FILE_MODE)  # an existing file keeps its mode otherwise
    return fd


def write_private(path: Path, data: bytes) -> None:
    """Write a new file (or replace one's bytes) as 0600, making its folders 0700."""
    private_dir(Path(path).parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as out:
        os.fchmod(out.fileno(), FILE_MODE)
        out.write(data)


def write_temporary(path: Path, data: bytes, mode: int = FILE_MODE) -> str:
    """A synced temporary file holding `data` beside `path` (same file system, so a rename or
    a link onto `path` is atomic); the caller renames or links it, then it is theirs. Made
    0600 by default (mkstemp's own mode, never widened by the umask)."""
    private_dir(path.parent)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
    except BaseException:
        os.unlink(temporary)
        raise
    return temporary


def atomic_write(path: Path, data: bytes, mode: int = FILE_MODE) -> None:
    """Replace `path` with `data` in one step (a 0600 file unless `mode` says otherwise)."""
    temporary = write_temporary(path, data, mode)
    try:
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def make_private(root: Path) -> int:
    """Tighten every file (0600) and folder (0700) under ``root`` that this user owns and
    others could read or enter (left by an older version or another umask); how many."""
    root = Path(root)
    if not root.is_dir():
        return 0
    changed = 0
    uid = os.getuid()
    for folder, dirs, files in os.walk(root):
        for name, wanted in [(".", DIR_MODE)] + [(n, DIR_MODE) for n in dirs] + [
            (n, FILE_MODE) for n in files
        ]:
            path = os.path.join(folder, name)
            try:
                info = os.lstat(path)
            except OSError:
                continue  # gone meanwhile
            if stat.S_ISLNK(info.st_mode) or info.st_uid != uid:
                continue
            if info.st_mode & 0o077:
                try:
                    os.chmod(path, stat.S_IMODE(info.st_mode) & 0o700 or wanted)
                    changed += 1
                except OSError:
                    continue
    return changed
