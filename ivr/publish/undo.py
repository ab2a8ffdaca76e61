"""Undo one version's change alone, as a NEW version; every later change stays.

Refused (:class:`UndoBlocked`, listing them) when a later version changed the same prompt (in
that language), number or organization since, and (:class:`NotUndoable`) for a change that
cannot be put back piece by piece (a whole file, a number added); going back to an earlier
version (:mod:`.history`) still can.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..audio.manifest import Manifest
from ..content.files import DIRECTORY, text_file
from . import edits, yamledit
from .audit import change
from .edits import NUMBER_FIELDS, ORGANIZATION_FIELDS
from .history import History, LaterChange, NotUndoable, shown, touched
from .models import Change, Version
from .transaction import Base, Transaction
from .versions import _version


class UndoBlocked(Exception):
    """A version's change cannot be undone alone: later versions changed the same prompt,
    number or organization since. ``blocking`` lists them, newest first."""

    def __init__(self, version_id: str, blocking: list[LaterChange]) -> None:
        self.version_id = version_id
        self.blocking = blocking
        names = ", ".join(f"version {b.version.id} ({b.change.target})" for b in blocking)
        super().__init__(f"version {version_id} cannot be undone alone: changed since in {names}")


class Undo:
    def __init__(self, tx: Transaction, history: History) -> None:
        self.tx = tx
        self.history = history

    def undo_version(self, version_id: str, *, author: str) -> Version:
        """Undo only what ``version_id`` changed, as a NEW version; every later change stays.
        Raises UndoBlocked (listing them) when a later version changed the same prompt (in
        that language), number or organization since, NotUndoable for a change that cannot
        be put back alone (a whole file, a number added), KeyError for an unknown version."""

        def edit(base: Base) -> tuple[edits.Edit, Manifest]:
            with self.tx.db.connect() as conn:
                own, parent_manifest = self.plan(conn, version_id)
            files, manifest = revert(base.files, base.manifest, own, parent_manifest)
            about = {touched(c) for c in own}
            kind, lang, target = next(iter(about))
            what = f"{lang} {target}" if len(about) == 1 and kind == "prompt" else ""
            what = what or (f"{kind} {target}" if len(about) == 1 else f"version {version_id}")
            summary = f"undid version {version_id}: " + "; ".join(
                change(c.after, c.before) if c.kind == "text" else c.target for c in own
            )
            return edits.Edit(files, what, summary), manifest

        return self.tx.publish(author, "undo_version", edit)

    def undo_preview(self, version_id: str) -> list[Change]:
        """What ``undo_version`` would put back (the version's own changes), without changing
        anything: for the console to ask first. Raises as ``undo_version`` would."""
        with self.tx.db.connect() as conn:
            return self.plan(conn, version_id)[0]

    def plan(self, conn: sa.Connection, version_id: str) -> tuple[list[Change], Manifest]:
        """The version's own changes and its parent's manifest, after checking that nothing
        later touched the same things (UndoBlocked) and that each can be reverted alone."""
        history = self.history
        row = history.store.row(conn, version_id)
        own, parent_manifest = history.between(conn, history.parent(conn, row), row)
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
        live_id, _ = history.store.live_state(conn)
        blocking = []
        for later in history.later(conn, version_id, None):
            try:
                theirs = history.own_changes(conn, later)
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
