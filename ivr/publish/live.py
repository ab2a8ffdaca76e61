"""The live published version as the content store serves it: pack and manifest together."""

from __future__ import annotations

import logging
import threading
from collections.abc import Hashable, Iterator

from ..content import ContentError, load_pack
from ..content.store import Snapshot
from .versions import LIVE, VersionStore

log = logging.getLogger(__name__)

# How many older versions to try when the live one cannot be loaded (a damaged disk, a hand
# edit): a worker starting up then serves the newest good version rather than the old seed.
FALL_BACK = 10


class LiveVersion:
    """A :class:`~ivr.content.store.PublishedSource` reading the live pointer in storage."""

    def __init__(self, versions: VersionStore) -> None:
        self.versions = versions
        self._lock = threading.Lock()
        self._loaded: dict[str, Snapshot] = {}  # versions are immutable: load once

    def stamp(self) -> Hashable | None:
        return self.versions.storage.stamp(LIVE)

    def load(self) -> Snapshot:
        live = self.versions.live_id()
        if live is None:
            raise KeyError("nothing published yet")
        error: Exception | None = None
        for version_id in self._live_then_older(live):
            try:
                return self._load(version_id)
            except (ContentError, OSError, ValueError, KeyError) as exc:
                log.error("version %s cannot be served: %s", version_id, exc)
                error = error or exc
        assert error is not None
        raise error

    def _live_then_older(self, live: str) -> Iterator[str]:
        yield live
        # Listing every version costs a walk of storage: only when the live one fails.
        older = [v for v in reversed(self.versions.ids()) if int(v) < int(live)]
        yield from older[:FALL_BACK]

    def _load(self, version_id: str) -> Snapshot:
        with self._lock:
            snapshot = self._loaded.get(version_id)
            if snapshot is None:
                snapshot = Snapshot(
                    pack=load_pack(self.versions.pack_dir(version_id)),
                    manifest=self.versions.manifest(version_id),
                    version=version_id,
                )
                # Only the one being served is worth keeping in memory.
                self._loaded = {version_id: snapshot}
            return snapshot
