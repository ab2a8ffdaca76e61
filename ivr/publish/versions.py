"""Immutable versions of the line in the database, and the live pointer.

A version row lists its pack files and its audio manifest as content-addressed blobs::

    versions.files     {"flow.yaml": <sha256>, "text/es.yaml": <sha256>, ...}
    versions.manifest  {"es/3": <sha256 of one of the Spanish parts of the manifest>, ...}
    blobs              sha256 of the raw bytes -> zlib-compressed bytes
    live               one row: the live version's id and a serial bumped on every switch
    audio              (lang, file) -> the bytes of every audio file published here

A text edit therefore stores one new text file and, for the fresh audio of its prompt, one
small manifest part (a language's manifest is split in MANIFEST_BUCKETS parts by prompt id).
A version is never changed after it is written; restoring one writes a new one.
"""

from __future__ import annotations

import hashlib
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from ..audio.manifest import Entry, Manifest, utc_now
from ..db import Database, insert_ignore
from ..db.schema import audio, blobs, live, versions
from .models import Version

# What a worker keeps of what it read (blobs and versions never change, so it stays true),
# bounded by size: the console's history pages read every version, and a worker lives for
# weeks of publishing.
BLOB_BYTES_CACHED = 4 * 1024 * 1024  # decompressed pack files (a few kB to ~100 kB each)
# Manifest parts, parsed, by the bytes they were parsed from (objects take ~2x that). A
# version's manifest is merged from its parts on each read, sharing their entries: N versions
# cost the parts they changed, not N whole manifests (~0.6 MB each).
PART_BYTES_CACHED = 2 * 1024 * 1024


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


#: Parts a language's manifest is split into: the fresh audio of one edited prompt then
#: stores about 1/8 of that language's manifest (~2 kB) instead of all of it (~18 kB).
MANIFEST_BUCKETS = 8


def manifest_part(lang: str, prompt_id: str) -> str:
    """The part a prompt's entry is kept in: ``es/0`` … ``es/7``, stable across versions."""
    bucket = hashlib.sha256(prompt_id.encode("utf-8")).digest()[0] % MANIFEST_BUCKETS
    return f"{lang}/{bucket}"


def manifest_parts(manifest: Manifest) -> dict[str, bytes]:
    """The manifest in parts by language and prompt: an edit of one prompt's audio changes
    one small part. (Versions written before the split keep one part per language; reading
    merges whatever parts a version lists.)"""
    parts: dict[str, Manifest] = {}
    for entry in manifest.entries.values():
        parts.setdefault(manifest_part(entry.language, entry.prompt_id), Manifest()).put(entry)
    return {name: part.to_bytes() for name, part in sorted(parts.items())}


class _Lru(OrderedDict):
    """Least recently used first out, once the values' weights add up to more than
    ``limit`` (the newest value always stays)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.weight = 0
        self.lock = threading.Lock()

    def fetch(self, key: Any) -> Any:
        with self.lock:
            found = self.get(key)
            if found is None:
                return None
            self.move_to_end(key)
            return found[0]

    def keep(self, key: Any, value: Any, weight: int) -> None:
        with self.lock:
            old = self.pop(key, None)
            if old is not None:
                self.weight -= old[1]
            self[key] = (value, weight)
            self.weight += weight
            while self.weight > self.limit and len(self) > 1:
                self.weight -= self.popitem(last=False)[1][1]


class VersionStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        # Blobs and versions never change, so what was read stays true.
        self._blobs = _Lru(BLOB_BYTES_CACHED)
        self._parts = _Lru(PART_BYTES_CACHED)

    # -- the live pointer ------------------------------------------------------------------

    def live_state(self, conn: sa.Connection | None = None) -> tuple[str | None, int]:
        """(live version id or None, serial)."""
        if conn is None:
            with self.db.connect() as conn:
                return self.live_state(conn)
        row = conn.execute(sa.select(live.c.version_id, live.c.serial).where(live.c.id == 1)).one()
        return (str(row.version_id) if row.version_id is not None else None), row.serial

    def live_id(self) -> str | None:
        return self.live_state()[0]

    def set_live(self, conn: sa.Connection, version_id: str) -> int:
        """Point the line at ``version_id`` (inside the publishing transaction); the new serial."""
        conn.execute(
            sa.update(live)
            .where(live.c.id == 1)
            .values(version_id=int(version_id), serial=live.c.serial + 1)
        )
        return self.live_state(conn)[1]

    # -- reading versions ------------------------------------------------------------------

    def ids(self) -> list[str]:
        """Every version, oldest first."""
        with self.db.connect() as conn:
            rows = conn.execute(sa.select(versions.c.id).order_by(versions.c.id)).scalars()
            return [str(i) for i in rows]

    def meta(self, version_id: str, live_id: str | None = None) -> Version:
        with self.db.connect() as conn:
            row = self._row(conn, version_id)
        return _version(row, live_id)

    def all(self) -> list[Version]:
        """Every version, newest first."""
        with self.db.connect() as conn:
            live_id, _ = self.live_state(conn)
            rows = conn.execute(
                sa.select(
                    versions.c.id, versions.c.created, versions.c.author, versions.c.summary
                ).order_by(versions.c.id.desc())
            ).all()
        return [_version(row, live_id) for row in rows]

    def row(self, conn: sa.Connection, version_id: str) -> sa.Row:
        """The version's row (files and manifest maps included); KeyError if there is none."""
        return self._row(conn, version_id)

    def _row(self, conn: sa.Connection, version_id: str) -> sa.Row:
        try:
            number = int(version_id)
        except (TypeError, ValueError):
            raise KeyError(f"no version {version_id!r}") from None
        row = conn.execute(sa.select(versions).where(versions.c.id == number)).one_or_none()
        if row is None:
            raise KeyError(f"no version {version_id!r}")
        return row

    def files(self, version_id: str, conn: sa.Connection | None = None) -> dict[str, bytes]:
        """The pack's files by relative name (``flow.yaml``, ``text/es.yaml``)."""
        if conn is None:
            with self.db.connect() as conn:
                return self.files(version_id, conn)
        return self.read_files(conn, self._row(conn, version_id).files)

    def manifest(self, version_id: str, conn: sa.Connection | None = None) -> Manifest:
        if conn is None:
            with self.db.connect() as conn:
                return self.manifest(version_id, conn)
        return self.read_manifest(conn, self._row(conn, version_id).manifest)

    def read_files(self, conn: sa.Connection, files: Mapping[str, str]) -> dict[str, bytes]:
        data = self.blobs(conn, files.values())
        return {name: data[sha] for name, sha in sorted(files.items())}

    def read_manifest(self, conn: sa.Connection, parts: Mapping[str, str]) -> Manifest:
        """The manifest made of these parts (part name -> blob sha), a new one each time
        (callers may put() into theirs); its entries are shared with the cached parts."""
        shas = [sha for _, sha in sorted(parts.items())]
        found = {sha: part for sha in shas if (part := self._parts.fetch(sha)) is not None}
        missing = [sha for sha in shas if sha not in found]
        if missing:
            for sha, data in self.blobs(conn, missing, keep=False).items():
                found[sha] = Manifest.from_bytes(data).entries
                self._parts.keep(sha, found[sha], len(data))
        entries: dict[tuple[str, str], Entry] = {}
        for sha in shas:
            entries.update(found[sha])
        return Manifest(entries)

    def blobs(
        self, conn: sa.Connection, shas: Iterable[str], *, keep: bool = True
    ) -> dict[str, bytes]:
        """Blob bytes by hash (KeyError naming a missing one); a damaged blob is a ValueError.
        ``keep=False``: read them without keeping them in memory (manifest parts are kept
        parsed instead)."""
        wanted = set(shas)
        found = {sha: data for sha in wanted if (data := self._blobs.fetch(sha)) is not None}
        missing = wanted - set(found)
        if missing:
            rows = conn.execute(
                sa.select(blobs.c.sha256, blobs.c.data).where(blobs.c.sha256.in_(missing))
            ).all()
            for sha, packed in rows:
                try:
                    data = zlib.decompress(packed)
                except zlib.error as error:
                    raise ValueError(f"blob {sha[:12]} is damaged: {error}") from error
                if sha256(data) != sha:
                    raise ValueError(f"blob {sha[:12]} does not match its hash")
                if keep:
                    self._blobs.keep(sha, data, len(data))
                found[sha] = data
        if wanted - set(found):
            raise KeyError(f"blobs missing from the database: {sorted(wanted - set(found))}")
        return found

    # -- writing (inside Database.publishing) ----------------------------------------------

    def put_blobs(self, conn: sa.Connection, contents: Iterable[bytes]) -> list[str]:
        """Store contents not stored yet; their hashes, in order."""
        by_sha = {sha256(data): data for data in contents}
        present = set(
            conn.execute(
                sa.select(blobs.c.sha256).where(blobs.c.sha256.in_(list(by_sha)))
            ).scalars()
        )
        insert_ignore(
            conn,
            blobs,
            [
                {"sha256": sha, "size": len(data), "data": zlib.compress(data, 9)}
                for sha, data in by_sha.items()
                if sha not in present
            ],
        )
        return list(by_sha)

    def write(
        self,
        conn: sa.Connection,
        files: Mapping[str, bytes],
        manifest: Manifest,
        *,
        author: str,
        summary: str,
        action: str,
        parent: str | None,
    ) -> Version:
        """Store a new version (not yet live), inside the publishing transaction."""
        parts = manifest_parts(manifest)
        names, part_names = sorted(files), sorted(parts)
        self.put_blobs(conn, [files[n] for n in names] + [parts[p] for p in part_names])
        newest = conn.execute(sa.select(sa.func.max(versions.c.id))).scalar()
        version_id = (newest or 0) + 1
        conn.execute(
            sa.insert(versions).values(
                id=version_id,
                created=utc_now(),
                author=author,
                summary=summary,
                action=action,
                parent_id=int(parent) if parent is not None else None,
                files={n: sha256(files[n]) for n in names},
                manifest={p: sha256(parts[p]) for p in part_names},
            )
        )
        return _version(self._row(conn, str(version_id)), None)

    # -- audio -----------------------------------------------------------------------------

    def put_audio(self, lang: str, file: str, data: bytes) -> None:
        """Store an audio file; its name is a hash of its bytes, so an existing one is equal."""
        with self.db.begin() as conn:
            insert_ignore(
                conn,
                audio,
                [
                    {
                        "lang": lang,
                        "file": file,
                        "created": utc_now(),
                        "size": len(data),
                        "data": data,
                    }
                ],
            )

    def audio_bytes(
        self, lang: str, files: Iterable[str], conn: sa.Connection | None = None
    ) -> dict[str, bytes]:
        """The stored bytes of those of ``files`` the database has."""
        wanted = sorted(set(files))
        if not wanted:
            return {}
        if conn is None:
            with self.db.connect() as conn:
                return self.audio_bytes(lang, wanted, conn)
        rows = conn.execute(
            sa.select(audio.c.file, audio.c.data).where(
                audio.c.lang == lang, audio.c.file.in_(wanted)
            )
        ).all()
        return {file: bytes(data) for file, data in rows}

    def audio_names(self) -> frozenset[tuple[str, str]]:
        """(lang, file) of every audio file the database holds: the only names a miss on
        /audio may ask it for (names only, never the bytes)."""
        with self.db.connect() as conn:
            rows = conn.execute(sa.select(audio.c.lang, audio.c.file)).all()
        return frozenset((lang, file) for lang, file in rows)


def _version(row: Any, live_id: str | None) -> Version:
    return Version(
        id=str(row.id),
        created=row.created,
        author=row.author,
        summary=row.summary,
        live=str(row.id) == live_id,
    )
