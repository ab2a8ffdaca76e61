"""Immutable versions of the line in a :class:`~ivr.publish.storage.Storage`, and the live pointer.

Layout (keys)::

    LIVE                                  the live version's id (replaced atomically)
    versions/000007/pack/<file>.yaml      a full copy of the content pack
    versions/000007/manifest.json         the audio manifest that goes with it
    versions/000007/version.json          who, when, what; written last, so a version a
                                          crashed publish left half-written is never listed
    audio/<lang>/<prompt id>.<hash>.wav   audio published through the console (immutable)

A version is never changed after it is written; restoring one writes a new one.
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path

from ..audio.manifest import Manifest, utc_now
from .models import Version
from .storage import Storage

LIVE = "LIVE"
VERSIONS = "versions"
PACK = "pack"
MANIFEST = "manifest.json"
META = "version.json"
AUDIO = "audio"
MANIFESTS_CACHED = 64


def version_prefix(version_id: str) -> str:
    return f"{VERSIONS}/{int(version_id):06d}"


def audio_key(lang: str, file: str) -> str:
    return f"{AUDIO}/{lang}/{file}"


class VersionStore:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._lock = threading.Lock()
        # Versions never change, so what was read stays true; the most recently used manifests
        # are kept (each is a few hundred kB in memory, and there may be thousands of versions).
        self._manifests: OrderedDict[str, Manifest] = OrderedDict()
        self._pack_dirs: dict[str, Path] = {}
        self._temporary: list[tempfile.TemporaryDirectory] = []

    def live_id(self) -> str | None:
        try:
            return self.storage.read(LIVE).decode("ascii").strip() or None
        except FileNotFoundError:
            return None

    def set_live(self, version_id: str) -> None:
        self.meta(version_id)  # refuse a pointer to nothing
        self.storage.replace(LIVE, f"{version_id}\n".encode("ascii"))

    def ids(self) -> list[str]:
        """Complete versions, oldest first."""
        found = []
        for key in self.storage.keys(VERSIONS):
            parts = key.split("/")
            if len(parts) == 3 and parts[2] == META:
                found.append(str(int(parts[1])))
        return sorted(found, key=int)

    def meta(self, version_id: str, live_id: str | None = None) -> Version:
        try:
            number = int(version_id)
        except (TypeError, ValueError):
            raise KeyError(f"no version {version_id!r}") from None
        try:
            raw = json.loads(self.storage.read(f"{version_prefix(str(number))}/{META}"))
        except FileNotFoundError:
            raise KeyError(f"no version {version_id!r}") from None
        return Version(
            id=str(number),
            created=raw["created"],
            author=raw["author"],
            summary=raw["summary"],
            live=str(number) == live_id,
        )

    def all(self) -> list[Version]:
        """Every version, newest first."""
        live = self.live_id()
        return [self.meta(vid, live) for vid in reversed(self.ids())]

    def files(self, version_id: str) -> dict[str, bytes]:
        """The pack's files by relative name (``flow.yaml``, ``text/es.yaml``)."""
        prefix = f"{version_prefix(version_id)}/{PACK}/"
        return {
            key.removeprefix(prefix): self.storage.read(key)
            for key in self.storage.keys(prefix.rstrip("/"))
        }

    def manifest(self, version_id: str) -> Manifest:
        with self._lock:
            cached = self._manifests.get(version_id)
            if cached is not None:
                self._manifests.move_to_end(version_id)
                return cached
        raw = self.storage.read(f"{version_prefix(version_id)}/{MANIFEST}")
        manifest = Manifest.from_bytes(raw)
        with self._lock:
            self._manifests[version_id] = manifest
            while len(self._manifests) > MANIFESTS_CACHED:
                self._manifests.popitem(last=False)
        return manifest

    def pack_dir(self, version_id: str) -> Path:
        """A folder holding the version's pack, for ``load_pack``."""
        with self._lock:
            if version_id in self._pack_dirs:
                return self._pack_dirs[version_id]
        prefix = f"{version_prefix(version_id)}/{PACK}"
        local = self.storage.local_path(f"{prefix}/flow.yaml")
        if local is not None:
            folder = local.parent
        else:  # a remote storage: copy the files down once
            temporary = tempfile.TemporaryDirectory(prefix=f"ivr-version-{version_id}-")
            folder = Path(temporary.name)
            for name, data in self.files(version_id).items():
                (folder / name).parent.mkdir(parents=True, exist_ok=True)
                (folder / name).write_bytes(data)
            self._temporary.append(temporary)
        with self._lock:
            self._pack_dirs[version_id] = folder
        return folder

    def write(
        self, files: Mapping[str, bytes], manifest: Manifest, *, author: str, summary: str
    ) -> Version:
        """Store a new version (not yet live). Call under ``storage.lock()``."""
        ids = self.ids()
        version_id = str(int(ids[-1]) + 1 if ids else 1)
        prefix = version_prefix(version_id)
        # Leftovers of a publish that crashed before its version.json would make create()
        # refuse; skip past such a number instead of reusing it.
        while self.storage.keys(prefix):
            version_id = str(int(version_id) + 1)
            prefix = version_prefix(version_id)
        for name, data in sorted(files.items()):
            self.storage.create(f"{prefix}/{PACK}/{name}", data)
        self.storage.create(f"{prefix}/{MANIFEST}", manifest.to_bytes())
        meta = {"created": utc_now(), "author": author, "summary": summary}
        self.storage.create(f"{prefix}/{META}", json.dumps(meta, ensure_ascii=False).encode())
        return self.meta(version_id)

    def put_audio(self, lang: str, file: str, data: bytes) -> None:
        """Store an audio blob; its name is a hash of its bytes, so an existing one is equal."""
        self.storage.create(audio_key(lang, file), data)

    def audio_path(self, lang: str, file: str) -> Path | None:
        return self.storage.local_path(audio_key(lang, file))
