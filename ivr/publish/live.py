"""The live published version as each worker serves it: from memory, refreshed in the background.

A webhook never waits on the database. Each worker process runs one daemon thread (started
with the app; a worker forked from a process that had started one starts its own on its first
request) that reads ``live.serial`` about every
:data:`POLL_SECONDS`. When it moved, the thread loads the new version (pack files from blobs,
the audio manifest), copies every audio file the manifest plays into the local cache
(``DATA_DIR/cache/audio/<lang>/<file>``) and only then swaps the snapshot in, so no TwiML ever
names audio this machine cannot serve. A publish made in this process is swapped in at once.

The last version loaded is also kept on disk (``DATA_DIR/cache/live/``): a worker that
(re)starts while the database is down serves it, else the seed. Local disk is only a cache;
wiping it loses nothing the database has.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Hashable, Iterator
from pathlib import Path

import sqlalchemy as sa
from flask import has_request_context

from .. import heap
from ..atomic import atomic_write, private_dir, write_private
from ..audio.manifest import Manifest, file_hash
from ..content import ContentError, ContentPack, load_pack
from ..content.store import Snapshot
from .versions import VersionStore

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5
# How many older versions to try when the live one cannot be loaded (a damaged blob, a bad
# hand edit): the worker then serves the newest good version rather than the old seed.
FALL_BACK = 10
CURRENT = "current.json"


class LiveVersion:
    """A :class:`~ivr.content.store.PublishedSource` that never touches the database itself."""

    def __init__(
        self,
        versions: VersionStore,
        cache_dir: Path,
        seed_audio: Path,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.versions = versions
        self.audio_dir = Path(cache_dir) / "audio"
        self.live_dir = Path(cache_dir) / "live"
        self.seed_audio = Path(seed_audio)
        self.poll_seconds = poll_seconds
        self._lock = threading.Lock()  # one load or swap at a time
        self._snapshot: Snapshot | None = None
        self._stamp: Hashable | None = None
        self._serial: int | None = None  # the live serial last acted on
        self._thread_pid: int | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._unreachable = False
        self._folders: dict[str, str] = {}  # version id -> its folder under live_dir
        # (lang, file) of every audio file the database holds, read by the thread when the
        # live serial moves (None until it could be read), plus what this process stored: a
        # miss on /audio for any other name is answered 404 without asking the database.
        self._audio_names: frozenset[tuple[str, str]] | None = None
        self._stored_names: set[tuple[str, str]] = set()
        versions.db.on_close(self.stop)

    # -- PublishedSource (every request; memory only) --------------------------------------

    def stamp(self) -> Hashable | None:
        if self._thread_pid != os.getpid() and has_request_context():
            self._start_thread()  # a worker forked from a process that loaded the app
        return self._stamp

    def load(self) -> Snapshot:
        if self._snapshot is None:
            raise KeyError("nothing published yet")
        return self._snapshot

    # -- loading ---------------------------------------------------------------------------

    def start(self) -> None:
        """Load the live version before serving (without the database, the disk copy), then
        follow it in the background."""
        try:
            self.refresh()
        except sa.exc.SQLAlchemyError as error:
            self._unreachable = True  # said once here, not again by the thread
            log.warning(
                "cannot read the live version from the database (%s); serving %s",
                _reason(error),
                "the last version this machine loaded" if self._load_disk() else "the seed",
            )
        self._start_thread()

    def refresh(self) -> bool:
        """Look at the live pointer once; load and swap in a new version. True if swapped.
        Raises SQLAlchemyError when the database cannot be read (nothing changes then)."""
        live_id, serial = self.versions.live_state()
        if serial == self._serial:
            return False
        with self._lock:
            if serial == self._serial or (self._serial is not None and serial < self._serial):
                return False
            # Before the new version's audio is copied: a call on another machine may
            # already ask this one for its files.
            self._audio_names = self.versions.audio_names()
            if live_id is None:
                self._serial = serial  # the seed is served, as before
                return False
            snapshot = self._load_live(live_id)
            if snapshot is None:  # nothing loadable: keep serving what we had
                self._serial = serial
                return False
            self._swap(snapshot, serial)
        heap.trim()  # loading a version left the old one and its garbage behind
        return True

    def adopt(
        self,
        version_id: str,
        serial: int,
        files: dict[str, bytes],
        manifest: Manifest,
        pack: ContentPack | None = None,
    ) -> None:
        """Serve a version this process just published (no waiting for the next poll);
        ``pack`` is the one its validation loaded."""
        self._stored_names.update((e.language, e.file) for e in manifest.entries.values())
        snapshot = self._snapshot_of(version_id, files, manifest, pack)
        with self._lock:
            if self._serial is None or serial > self._serial:
                self._swap(snapshot, serial)

    def _load_live(self, live_id: str) -> Snapshot | None:
        for version_id in self._live_then_older(live_id):
            try:
                with self.versions.db.connect() as conn:
                    row = self.versions.row(conn, version_id)
                    files = self.versions.read_files(conn, row.files)
                    manifest = self.versions.read_manifest(conn, row.manifest)
                return self._snapshot_of(version_id, files, manifest)
            except (ContentError, OSError, ValueError, KeyError) as exc:
                log.error("version %s cannot be served: %s", version_id, exc)
        return None

    def _live_then_older(self, live_id: str) -> Iterator[str]:
        yield live_id
        # Listing versions costs a query: only when the live one fails.
        older = [v for v in reversed(self.versions.ids()) if int(v) < int(live_id)]
        yield from older[:FALL_BACK]

    def _snapshot_of(
        self,
        version_id: str,
        files: dict[str, bytes],
        manifest: Manifest,
        pack: ContentPack | None = None,
    ) -> Snapshot:
        pack = self._pack(version_id, files, manifest, pack)
        self.fetch_audio(manifest)  # before the swap: TwiML only names audio we can serve
        return Snapshot(pack=pack, manifest=manifest, version=version_id)

    def _swap(self, snapshot: Snapshot, serial: int) -> None:
        if self._snapshot is not None and self._snapshot.version != snapshot.version:
            log.info("content version %s -> %s", self._snapshot.version, snapshot.version)
        self._snapshot = snapshot
        self._stamp = (serial, snapshot.version)
        self._serial = serial
        folder = self._folders.get(snapshot.version)
        if folder is None:
            return
        try:
            atomic_write(
                self.live_dir / CURRENT,
                json.dumps({"version": snapshot.version, "folder": folder}).encode(),
            )
            self._forget_older(folder)
        except OSError as error:  # a full disk: the line keeps serving from memory
            log.warning("cannot keep the live version on disk: %s", error)

    # -- the disk copy ---------------------------------------------------------------------

    def _pack(
        self,
        version_id: str,
        files: dict[str, bytes],
        manifest: Manifest,
        loaded: ContentPack | None = None,
    ) -> ContentPack:
        folder = self.live_dir / _folder_name(version_id, files, manifest)
        try:
            if not (folder / "manifest.json").is_file():
                self._write_folder(folder, files, manifest)
            pack = loaded or load_pack(folder / "pack")
            self._folders = {version_id: folder.name}
            return pack
        except OSError as error:
            log.warning(
                "cannot cache version %s on disk (%s); loading it in /tmp", version_id, error
            )
        if loaded is not None:
            return loaded
        with tempfile.TemporaryDirectory(prefix="ivr-version-") as temporary:
            _write_files(Path(temporary), files)
            return load_pack(Path(temporary))

    def _write_folder(self, folder: Path, files: dict[str, bytes], manifest: Manifest) -> None:
        private_dir(self.live_dir)
        temporary = Path(tempfile.mkdtemp(dir=self.live_dir, prefix=f".{folder.name}-"))
        try:
            _write_files(temporary / "pack", files)
            write_private(temporary / "manifest.json", manifest.to_bytes())  # written last
            try:
                os.rename(temporary, folder)
            except OSError:
                if not (folder / "manifest.json").is_file():  # not another worker's copy
                    raise
        finally:
            shutil.rmtree(temporary, ignore_errors=True)

    def _forget_older(self, keep: str) -> None:
        for folder in self.live_dir.iterdir():
            if folder.is_dir() and folder.name != keep and not folder.name.startswith("."):
                shutil.rmtree(folder, ignore_errors=True)

    def _load_disk(self) -> bool:
        try:
            current = json.loads((self.live_dir / CURRENT).read_text())
            version = str(int(current["version"]))
            folder = self.live_dir / Path(str(current["folder"])).name
            manifest = Manifest.from_bytes((folder / "manifest.json").read_bytes())
            pack = load_pack(folder / "pack")
        except (OSError, ValueError, KeyError, TypeError, ContentError):
            return False
        self._snapshot = Snapshot(pack=pack, manifest=manifest, version=version)
        self._stamp = ("disk", version)  # _serial stays None: reload once the db answers
        return True

    # -- audio -----------------------------------------------------------------------------

    def may_have_audio(self, lang: str, file: str) -> bool | None:
        """Might the database hold this audio file? From memory only: False for a name no
        version stored (answer 404 without asking), None while the names are not known yet
        (the database was unreachable since this worker started)."""
        key = (lang, file)
        if key in self._stored_names:
            return True
        names = self._audio_names
        return None if names is None else key in names

    def audio_path(self, lang: str, file: str) -> Path | None:
        """The cached copy of a published audio file on this machine; None if not here."""
        if file_hash(lang, file) is None:
            return None
        path = self.audio_dir / lang / file
        return path if path.is_file() else None

    def fetch_audio(self, manifest: Manifest) -> None:
        """Copy every audio file ``manifest`` plays that this machine lacks from the database."""
        wanted: dict[str, set[str]] = {}
        for entry in manifest.entries.values():
            lang, file = entry.language, entry.file
            if file_hash(lang, file) is None or self.audio_path(lang, file) is not None:
                continue
            if (self.seed_audio / lang / file).is_file():
                continue  # installed with the code
            wanted.setdefault(lang, set()).add(file)
        for lang, files in sorted(wanted.items()):
            for file, data in self.versions.audio_bytes(lang, files).items():
                self._keep_audio(lang, file, data)

    def fetch_one(self, lang: str, file: str) -> Path | None:
        """A published audio file from the database into the cache (a miss on /audio)."""
        if file_hash(lang, file) is None:
            return None
        data = self.versions.audio_bytes(lang, [file]).get(file)
        if data is None:
            return None
        return self._keep_audio(lang, file, data)

    def keep_audio(self, lang: str, file: str, data: bytes) -> Path | None:
        """Put bytes this process just stored in the database into the cache too."""
        self._stored_names.add((lang, file))
        return self._keep_audio(lang, file, data) if file_hash(lang, file) else None

    def _keep_audio(self, lang: str, file: str, data: bytes) -> Path | None:
        path = self.audio_dir / lang / file
        try:
            if not path.is_file():
                atomic_write(path, data)
        except OSError as error:
            log.warning("cannot cache audio %s/%s: %s", lang, file, error)
            return None
        return path

    # -- the background thread -------------------------------------------------------------

    def _start_thread(self) -> None:
        with self._lock:
            if self._thread_pid == os.getpid() or self._stop.is_set():
                return
            self._thread_pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="live-version", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                self.refresh()
            except sa.exc.SQLAlchemyError as error:
                if not self._unreachable:
                    log.warning(
                        "database unreachable (%s): still serving version %s",
                        _reason(error),
                        self._snapshot.version if self._snapshot else "seed",
                    )
                self._unreachable = True
                continue
            except Exception:  # the thread must live on; the line keeps its snapshot
                log.exception("refreshing the live version failed")
                continue
            if self._unreachable:
                log.info("database reachable again")
                self._unreachable = False

    def stop(self) -> None:
        """End the background thread (before the database's connections are closed)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=10)


def _write_files(folder: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = folder / name
        if ".." in Path(name).parts or Path(name).is_absolute():
            raise ValueError(f"not a pack file name: {name!r}")
        write_private(path, data)  # only this user reads the cache (DATA_DIR)


def _folder_name(version_id: str, files: dict[str, bytes], manifest: Manifest) -> str:
    """``<id>.<digest>``: another database's version 7 never passes for this one's."""
    digest = hashlib.sha256()
    for name, data in sorted(files.items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    digest.update(manifest.to_bytes())
    return f"{version_id}.{digest.hexdigest()[:16]}"


def _reason(error: BaseException) -> str:
    return str(getattr(error, "orig", None) or error).strip().splitlines()[0][:200]
