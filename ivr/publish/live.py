"""The live published version as the content store serves it: pack and manifest together."""

from __future__ import annotations

import threading
from collections.abc import Hashable

from ..content import load_pack
from ..content.store import Snapshot
from .versions import LIVE, VersionStore


class LiveVersion:
    """A :class:`~ivr.content.store.PublishedSource` reading the live pointer in storage."""

    def __init__(self, versions: VersionStore) -> None:
        self.versions = versions
        self._lock = threading.Lock()
        self._loaded: dict[str, Snapshot] = {}  # versions are immutable: load once

    def stamp(self) -> Hashable | None:
        return self.versions.storage.stamp(LIVE)

    def load(self) -> Snapshot:
        version_id = self.versions.live_id()
        if version_id is None:
            raise KeyError("nothing published yet")
        with self._lock:
            snapshot = self._loaded.get(version_id)
            if snapshot is None:
                snapshot = Snapshot(
                    pack=load_pack(self.versions.pack_dir(version_id)),
                    manifest=self.versions.manifest(version_id),
                    version=version_id,
                )
                # Only the live one is worth keeping in memory.
                self._loaded = {version_id: snapshot}
            return snapshot
