"""The history of the line: every version, what each changed, going back to one, the seed
published again, and pruning old versions. Undoing one version's change alone is
:mod:`.undo`, which reads the history through :class:`History`.

History is never rewritten: going back publishes a NEW version equal to the old one. Only
files (and audio-manifest parts) whose blob differs are read and parsed, so comparing two
neighbouring versions costs one or two small blobs however many versions there are.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from ..audio.manifest import Manifest
from ..db.schema import audio as audio_table
from ..db.schema import blobs, versions
from . import changes, edits
from .models import AuditEntry, Change, Version
from .transaction import Base, Transaction
from .versions import _version

log = logging.getLogger(__name__)

#: Audio stored in the database but referenced by no version is kept this long by prune: a
#: publish that stored its audio may not have committed yet, and calls may still fetch it.
PRUNE_AUDIO_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class LaterChange:
    """One change a later version made (who and when come with the version)."""

    version: Version
    change: Change


class NotUndoable(ValueError):
    """The version changed something the console cannot undo piece by piece (a whole file,
    a number added or removed); going back to an earlier version still can."""


def touched(change: Change) -> tuple[str, str | None, str]:
    """What a change is "about": a prompt in one language (its words and its audio both), a
    number, an organization, or a file."""
    if change.kind in ("text", "audio"):
        return ("prompt", change.lang, change.target)
    return (change.kind, None, change.target)


def shown(own: list[Change]) -> list[Change]:
    """A version's changes as staff read them. A change of words, a number or an
    organization goes out with computer audio of every prompt it alters: that audio is part
    of the change staff made, not one of its own (it is still put back with it)."""
    if any(c.kind != "audio" for c in own):
        return [c for c in own if c.kind != "audio"]
    return own


def _differing(old: Mapping[str, str], new: Mapping[str, str]) -> set[str]:
    return {k for k in set(old) | set(new) if old.get(k) != new.get(k)}


class History:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self.store = tx.versions_store

    # -- reading -----------------------------------------------------------------------------

    def versions(self) -> list[Version]:
        """Every published version, newest first."""
        return self.store.all()

    def audit_log(self, limit: int = 200) -> list[AuditEntry]:
        """The latest staff actions, newest first."""
        return self.tx.audit.latest(limit)

    def version_changes(self, version_id: str) -> list[Change]:
        """What ``version_id`` changed compared with its parent (the seed for the first);
        KeyError for an unknown version."""
        with self.tx.db.connect() as conn:
            row = self.store.row(conn, version_id)
            try:
                parent = self.parent(conn, row)
            except NotUndoable:  # pruned: nothing to compare with
                return [Change("other", None, f"version {row.parent_id} (pruned)", None, None)]
            return self.between(conn, parent, row)[0]

    def between(
        self, conn: sa.Connection, old: sa.Row | None, new: sa.Row
    ) -> tuple[list[Change], Manifest]:
        """The changes from ``old`` (None: the seed) to ``new``, and ``old``'s manifest part
        for the languages whose audio differs (to put audio back)."""
        if old is None:
            seed = self.tx.seed()
            new_files = self.store.read_files(conn, new.files)
            new_manifest = self.store.read_manifest(conn, new.manifest)
            return changes.diff(seed.files, new_files, seed.manifest, new_manifest), seed.manifest
        names = _differing(old.files, new.files)
        langs = _differing(old.manifest, new.manifest)
        old_files = self.store.read_files(conn, {n: old.files[n] for n in names if n in old.files})
        new_files = self.store.read_files(conn, {n: new.files[n] for n in names if n in new.files})
        old_manifest = self.store.read_manifest(
            conn, {lang: old.manifest[lang] for lang in langs if lang in old.manifest}
        )
        new_manifest = self.store.read_manifest(
            conn, {lang: new.manifest[lang] for lang in langs if lang in new.manifest}
        )
        return changes.diff(old_files, new_files, old_manifest, new_manifest), old_manifest

    def parent(self, conn: sa.Connection, row: sa.Row) -> sa.Row | None:
        if row.parent_id is None:
            return None
        try:
            return self.store.row(conn, str(row.parent_id))
        except KeyError:  # pruned
            raise NotUndoable(f"version {row.parent_id} was pruned: nothing to compare") from None

    def own_changes(self, conn: sa.Connection, row: sa.Row) -> list[Change]:
        return self.between(conn, self.parent(conn, row), row)[0]

    def later(self, conn: sa.Connection, version_id: str, upto: str | None) -> list[sa.Row]:
        """Versions published after ``version_id`` (up to ``upto`` when given), newest first."""
        query = sa.select(versions).where(versions.c.id > int(version_id))
        if upto is not None:
            query = query.where(versions.c.id <= int(upto))
        return list(conn.execute(query.order_by(versions.c.id.desc())).all())

    # -- going back ----------------------------------------------------------------------------

    def restore_preview(self, version_id: str) -> list[LaterChange]:
        """Every change published after ``version_id`` that ``restore_version`` would undo
        (who, when, what, before → after; those whose prompt, number or organization would
        really change), newest first; KeyError for an unknown version."""
        with self.tx.db.connect() as conn:
            target = self.store.row(conn, version_id)
            live_id, _ = self.store.live_state(conn)
            if live_id is None or live_id == str(target.id):
                return []
            live = self.store.row(conn, live_id)
            net = {touched(c) for c in self.between(conn, live, target)[0]}
            found = []
            for row in self.later(conn, version_id, live_id):
                try:
                    own = self.own_changes(conn, row)
                except NotUndoable:
                    own = [Change("other", None, f"version {row.parent_id}", None, None)]
                version = _version(row, live_id)
                found += [LaterChange(version, c) for c in shown(own) if touched(c) in net]
            return found

    def restore_version(self, version_id: str, *, author: str) -> Version:
        """Publish a NEW version equal to `version_id` (history is never rewritten).
        KeyError for an unknown version."""
        old = self.store.meta(version_id)
        files = self.store.files(old.id)
        manifest = self.store.manifest(old.id)

        def edit(base: Base) -> tuple[edits.Edit, Manifest]:
            what = f"version {old.id}"
            summary = f"restored version {old.id} ({old.summary})"
            return edits.Edit(files, what, summary), manifest

        return self.tx.publish(author, "restore_version", edit)

    def publish_seed(self, *, author: str) -> Version:
        """Publish the repository's `prompts/` and `audio/manifest.json` as a new version
        (deploys developers' edits once staff have published from the console)."""

        def edit(base: Base) -> tuple[edits.Edit, Manifest]:
            seed = self.tx.seed()
            return edits.Edit(seed.files, "seed", "prompts/ and audio/manifest.json"), (
                seed.manifest
            )

        return self.tx.publish(author, "publish_seed", edit)

    # -- pruning -----------------------------------------------------------------------------

    def prune(self, keep: int) -> int:
        """Delete all but the newest ``keep`` versions (never the live one), then the blobs
        and audio no remaining version (nor a draft) uses. Returns how many versions went.
        Audio stored within the last hour stays: a publish may be about to use it."""
        if keep < 1:
            raise ValueError("keep at least one version")
        with self.tx.db.publishing() as conn:
            live_id, _ = self.store.live_state(conn)
            ids = list(
                conn.execute(sa.select(versions.c.id).order_by(versions.c.id.desc())).scalars()
            )
            kept = set(ids[:keep]) | ({int(live_id)} if live_id else set())
            gone = [i for i in ids if i not in kept]
            for chunk in _chunks(gone):
                conn.execute(sa.delete(versions).where(versions.c.id.in_(chunk)))
            used: set[str] = set()
            for files, parts in conn.execute(sa.select(versions.c.files, versions.c.manifest)):
                used.update(files.values())
                used.update(parts.values())
            unused = [s for s in conn.execute(sa.select(blobs.c.sha256)).scalars() if s not in used]
            for chunk in _chunks(unused):
                conn.execute(sa.delete(blobs).where(blobs.c.sha256.in_(chunk)))
            playing = self._referenced_audio(conn)
            cutoff = (datetime.now(UTC) - PRUNE_AUDIO_GRACE).isoformat(timespec="seconds")
            cutoff = cutoff.replace("+00:00", "Z")
            stored = conn.execute(
                sa.select(audio_table.c.lang, audio_table.c.file, audio_table.c.created)
            ).all()
            for lang, file, created in stored:
                if (lang, file) not in playing and created < cutoff:
                    conn.execute(
                        sa.delete(audio_table).where(
                            audio_table.c.lang == lang, audio_table.c.file == file
                        )
                    )
        if gone:
            log.info("pruned %d version(s), %d blob(s)", len(gone), len(unused))
        return len(gone)

    def referenced_audio(self) -> set[tuple[str, str]]:
        """``(lang, file)`` of every audio file any version uses (for `flask audio gc`)."""
        with self.tx.db.connect() as conn:
            return self._referenced_audio(conn)

    def _referenced_audio(self, conn: sa.Connection) -> set[tuple[str, str]]:
        parts: set[tuple[str, str]] = set()
        for manifest in conn.execute(sa.select(versions.c.manifest)).scalars():
            parts.update(manifest.items())
        found: set[tuple[str, str]] = set()
        for lang, sha in parts:  # few distinct parts: they change only when audio does
            part = self.store.read_manifest(conn, {lang: sha})
            found.update((e.language, e.file) for e in part.entries.values())
        return found


def _chunks(items: list, size: int = 500) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]
