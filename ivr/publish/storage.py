"""Where versions, audio blobs, drafts and the audit log are kept.

``Storage`` is deliberately small (keys and bytes) so a shared durable store (S3, a database)
can replace :class:`LocalStorage` later without touching the publisher. Keys are ``/``-separated
relative paths such as ``versions/000007/pack/flow.yaml``.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Hashable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Protocol

from ..atomic import atomic_write, write_temporary

LOCK_NAME = ".publish.lock"


class Storage(Protocol):
    def read(self, key: str) -> bytes:
        """The bytes under ``key``; FileNotFoundError if there are none."""
        ...

    def exists(self, key: str) -> bool: ...

    def create(self, key: str, data: bytes) -> bool:
        """Write an immutable object; False (and nothing written) if ``key`` already exists."""
        ...

    def replace(self, key: str, data: bytes) -> None:
        """Overwrite ``key`` atomically: readers see the old bytes or the new, never a part."""
        ...

    def append(self, key: str, data: bytes) -> None:
        """Add ``data`` at the end of ``key`` (the audit log); concurrent appends never mix."""
        ...

    def keys(self, prefix: str) -> list[str]:
        """Every key under ``prefix`` (a folder), sorted."""
        ...

    def stamp(self, key: str) -> Hashable | None:
        """A cheap token that changes whenever ``key`` is replaced (None if absent)."""
        ...

    def local_path(self, key: str) -> Path | None:
        """A file on this machine holding ``key``, for ``send_file``; None if absent."""
        ...

    def lock(self) -> AbstractContextManager[None]:
        """Exclusive across processes, held for a whole read-modify-publish."""
        ...


class LocalStorage:
    """A folder on a disk every web worker shares (DATA_DIR); fine for one machine."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if key.startswith("/") or any(part in ("", ".", "..") for part in parts):
            raise ValueError(f"not a storage key: {key!r}")
        return self.root.joinpath(*parts)

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def create(self, key: str, data: bytes) -> bool:
        path = self._path(key)
        if path.exists():
            return False
        temporary = write_temporary(path, data)
        try:
            # link() fails if the name exists, so two writers never overwrite each other.
            os.link(temporary, path)
        except FileExistsError:
            return False
        finally:
            os.unlink(temporary)
        return True

    def replace(self, key: str, data: bytes) -> None:
        atomic_write(self._path(key), data)

    def append(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # One write() on an O_APPEND file, under the lock, keeps lines whole.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)

    def keys(self, prefix: str) -> list[str]:
        folder = self._path(prefix)
        if not folder.is_dir():
            return []
        return sorted(
            path.relative_to(self.root).as_posix()
            for path in folder.rglob("*")
            if path.is_file() and not path.name.startswith(".")
        )

    def stamp(self, key: str) -> Hashable | None:
        try:
            stat = os.stat(self._path(key))
        except FileNotFoundError:
            return None
        return (stat.st_mtime_ns, stat.st_size, stat.st_ino)

    def local_path(self, key: str) -> Path | None:
        path = self._path(key)
        return path if path.is_file() else None

    @contextmanager
    def lock(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOCK_NAME, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
