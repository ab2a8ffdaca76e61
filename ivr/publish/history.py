"""Reading the version history as changes, for going back without surprises: what a restore
would undo, and whether one version's change can be undone alone.

Pure logic over the version rows: no HTTP, no commit. Only files (and audio-manifest parts)
whose blob differs are read and parsed, so comparing two neighbouring versions costs one or
two small blobs however many versions there are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..audio.manifest import Manifest
from ..content.load import DIRECTORY, text_file
from ..db.schema import versions
from . import changes, yamledit
from .edits import NUMBER_FIELDS, ORGANIZATION_FIELDS
from .models import Change, Version
from .versions import VersionStore, _version


@dataclass(frozen=True)
class LaterChange:
    """One change a later version made (who and when come with the version)."""

    version: Version
    change: Change


class UndoBlocked(Exception):
    """A version's change cannot be undone alone: later versions changed the same prompt,
    number or organization since. ``blocking`` lists them, newest first."""

    def __init__(self, version_id: str, blocking: list[LaterChange]) -> None:
        self.version_id = version_id
        self.blocking = blocking
        names = ", ".join(f"version {b.version.id} ({b.change.target})" for b in blocking)
        super().__init__(f"version {version_id} cannot be undone alone: changed since in {names}")


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
    def __init__(self, store: VersionStore, seed: Any) -> None:
        """``seed`` returns the seed's files and manifest (the first version's parent)."""
        self.store = store
        self.seed = seed

    def between(
        self, conn: sa.Connection, old: sa.Row | None, new: sa.Row
    ) -> tuple[list[Change], Manifest]:
        """The changes from ``old`` (None: the seed) to ``new``, and ``old``'s manifest part
        for the languages whose audio differs (to put audio back)."""
        if old is None:
            seed = self.seed()
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

    def restore_preview(self, conn: sa.Connection, version_id: str) -> list[LaterChange]:
        """Every change published after ``version_id`` that going back to it would undo
        (those whose prompt, number or organization would really change), newest first."""
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

    def undo_plan(self, conn: sa.Connection, version_id: str) -> tuple[list[Change], Manifest]:
        """The version's own changes and its parent's manifest, after checking that nothing
        later touched the same things (UndoBlocked) and that each can be reverted alone."""
        row = self.store.row(conn, version_id)
        own, parent_manifest = self.between(conn, self.parent(conn, row), row)
        if not own:
            raise NotUndoable(f"version {version_id} changed nothing")
        odd = [
            c
            for c in own
            if c.kind == "other"
            or (c.kind != "text" and c.kind != "audio" and (c.before is None or c.after is None))
        ]
        if odd:
            raise NotUndoable(f"version {version_id} changed {odd[0].target} as a whole")
        mine = {touched(c) for c in own}
        live_id, _ = self.store.live_state(conn)
        blocking = []
        for later in self.later(conn, version_id, None):
            try:
                theirs = self.own_changes(conn, later)
            except NotUndoable:
                continue  # its parent is gone; it cannot be compared (nor be in the way)
            version = _version(later, live_id)
            # In the way: anything it changed of the same things (its audio included); listed
            # as staff made it (the words or number, not the audio made of them).
            if any(touched(c) in mine for c in theirs):
                listed = [c for c in shown(theirs) if touched(c) in mine] or shown(theirs)
                blocking += [LaterChange(version, c) for c in listed]
        if blocking:
            raise UndoBlocked(version_id, blocking)
        return own, parent_manifest


def revert(
    files: dict[str, bytes], manifest: Manifest, own: list[Change], parent_manifest: Manifest
) -> tuple[dict[str, bytes], Manifest]:
    """``files`` and ``manifest`` (the live ones) with each change put back as it was before."""
    files = dict(files)
    manifest = Manifest(dict(manifest.entries))
    for c in own:
        if c.kind == "text":
            name = text_file(str(c.lang))
            files[name], _ = yamledit.set_values(files[name], [], {c.target: c.before})
        elif c.kind in ("number", "organization"):
            files[DIRECTORY] = _revert_fields(files[DIRECTORY], c)
        elif c.kind == "audio":
            key = (str(c.lang), c.target)
            entry = parent_manifest.entries.get(key)
            if entry is None:
                manifest.entries.pop(key, None)
            else:
                manifest.put(entry)
    return files, manifest


def _revert_fields(directory: bytes, c: Change) -> bytes:
    document = yamledit.load(directory)
    orgs = document.get("organizations") or {}
    if c.kind == "organization":
        path, known = ["organizations", c.target], ORGANIZATION_FIELDS
    else:
        org_id = next(o for o, org in orgs.items() if c.target in (org or {}).get("numbers", {}))
        path, known = ["organizations", org_id, "numbers", c.target], (*NUMBER_FIELDS, "hours")
    before, after = dict(c.before or {}), dict(c.after or {})
    fields = {k: before.get(k) for k in set(before) | set(after) if before.get(k) != after.get(k)}
    extra = set(fields) - set(known)
    if extra:
        raise NotUndoable(f"{c.target}: {', '.join(sorted(extra))} cannot be put back alone")
    new, _ = yamledit.set_values(directory, path, fields)
    return new
