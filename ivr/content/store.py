"""The pack the line serves right now, swapped whole when staff publish a new one.

Each request takes one snapshot (:meth:`ContentStore.snapshot`): the pack and the audio manifest
that belong together. It is pinned for the rest of the request, so a caller never hears half of
an edit (new words with the old recording, or the other way round).

Two sources, in this order:

* a published version (``follow(source)``, see :mod:`ivr.publish.live`): once staff have
  published, the live pointer in the database says which version; each worker's refresher
  thread notices a switch within about a second and loads it, and a request only compares an
  in-memory stamp (a webhook never waits on the database);
* the seed: ``prompts/`` (CONTENT_DIR) and ``audio/manifest.json`` (AUDIO_DIR), as developers
  edit them. Its files are compared by a cheap stat at most every :data:`CHECK_EVERY` seconds;
  a pack that fails validation is refused and the line keeps serving the last good one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from flask import g, has_request_context

from . import ContentError, ContentPack, load_pack

log = logging.getLogger(__name__)

CHECK_EVERY = 1.0  # seconds between stats of the seed pack's files


@dataclass(frozen=True)
class Snapshot:
    """What one request serves: a pack and the audio manifest made for it."""

    pack: ContentPack
    manifest: Any | None  # ivr.audio.manifest.Manifest; None when the store has no audio
    version: str | None = None  # the published version's id; None while serving the seed


class SeedManifest(Protocol):
    def current(self) -> Any:
        """The seed's audio manifest as it is now (ivr.audio.manifest.ManifestFile)."""
        ...


class PublishedSource(Protocol):
    def stamp(self) -> Hashable | None:
        """Changes whenever the live version does; None until the first publish."""
        ...

    def load(self) -> Snapshot:
        """The live version; ContentError/OSError/ValueError if it cannot be served."""
        ...


def _fingerprint(root: Path) -> tuple:
    return tuple(
        sorted((str(p), (s := p.stat()).st_mtime_ns, s.st_size) for p in root.rglob("*.yaml"))
    )


class ContentStore:
    def __init__(self, root: Path):
        self.root = Path(root)
        self._lock = threading.Lock()
        self._fingerprint = _fingerprint(self.root)
        self._pack = load_pack(self.root)
        self._checked = time.monotonic()
        self._seed_manifest: SeedManifest | None = None
        self._source: PublishedSource | None = None
        self._published: Snapshot | None = None
        self._published_stamp: Hashable | None = None

    def follow(self, source: PublishedSource, seed_manifest: SeedManifest | None = None) -> None:
        """Serve the live published version whenever there is one; until then the seed,
        with ``seed_manifest``'s current manifest in each snapshot."""
        self._seed_manifest = seed_manifest
        self._source = source
        self._published_stamp = None
        self._refresh_published()

    def snapshot(self) -> Snapshot:
        """The pack and manifest to serve; the same object for the rest of a request."""
        if not has_request_context():
            return self._snapshot()
        pinned = g.setdefault("_content_snapshots", {})  # by store: tests run several apps
        snapshot = pinned.get(id(self))
        if snapshot is None:
            snapshot = pinned[id(self)] = self._snapshot()
        return snapshot

    def current(self) -> ContentPack:
        return self.snapshot().pack

    def seed(self) -> ContentPack:
        """The seed pack (CONTENT_DIR), whatever version is live: what developers edit, build
        audio for, and publish with `flask content publish-seed`."""
        self._checked = time.monotonic()
        self._reload_if_changed()
        return self._pack

    def _snapshot(self) -> Snapshot:
        if self._source is not None:
            self._refresh_published()
            if self._published is not None:
                return self._published
        now = time.monotonic()
        if now - self._checked >= CHECK_EVERY:
            self._checked = now
            self._reload_if_changed()
        manifest = self._seed_manifest.current() if self._seed_manifest else None
        return Snapshot(self._pack, manifest)

    def _refresh_published(self) -> None:
        assert self._source is not None
        stamp = self._source.stamp()
        if stamp == self._published_stamp:
            return
        with self._lock:
            if stamp == self._published_stamp:
                return
            try:
                snapshot = self._source.load() if stamp is not None else None
            except (ContentError, OSError, ValueError, KeyError) as exc:
                # Keep serving what we had; look again when the pointer moves.
                log.error("live version refused, still serving the previous one: %s", exc)
                self._published_stamp = stamp
                return
            if snapshot is not None and self._published is not None:
                log.info("content version %s -> %s", self._published.version, snapshot.version)
            self._published = snapshot
            self._published_stamp = stamp

    def _reload_if_changed(self) -> None:
        with self._lock:
            try:
                fingerprint = _fingerprint(self.root)
            except OSError:
                return  # a file is being replaced right now; look again next time
            if fingerprint == self._fingerprint:
                return
            self._fingerprint = fingerprint
            try:
                pack = load_pack(self.root)
            except ContentError as exc:
                log.error("content change refused, still serving %s:\n%s", self._pack.version, exc)
                return
            log.info("content %s -> %s", self._pack.version, pack.version)
            self._pack = pack

    def reload(self) -> ContentPack:
        """Check now (after a publish from this process), not at the next interval."""
        self.seed()
        if self._source is not None:
            self._published_stamp = None  # the stamp may not have changed within a tick
            self._refresh_published()
        if has_request_context():
            g.get("_content_snapshots", {}).pop(id(self), None)  # now see what was published
        return self._snapshot().pack
