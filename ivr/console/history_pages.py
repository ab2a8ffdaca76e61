"""Going back without surprises: "go back to version N" and "undo just this change" both ask
first, on a page of their own, saying in one sentence what callers will hear afterwards and
showing each thing that changes for them (now → afterwards, the difference marked). When a
later change is in the way of an undo, the page says which one and changes nothing.

Changes are said in the staffer's language, prompts by where callers hear them, numbers as
people write them; ids and file names stay out of the way.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext

from ..content.errors import ContentError
from ..publish import Change, NotUndoable, UndoBlocked
from .changes import (
    Shown,
    entries_by_version,
    field_value,
    own_changes,
    shown_change,
    written,
)
from .common import flash_at, flash_refused, live_names, live_pack, publisher, who
from .web import bp


def _fields(before: Any, after: Any) -> tuple[str, str]:
    """Only the fields that differ, as plain text: 'number: +1 202-918-9431' → '… 9432'
    (the drafts page's summary of a number draft)."""
    rows = shown_change(Change("number", None, "", before, after))
    return (
        "; ".join(f"{r.what.partition(': ')[2]}: {r.before.striptags()}" for r in rows),
        "; ".join(f"{r.what.partition(': ')[2]}: {r.after.striptags()}" for r in rows),
    )


def change_words(change: Change) -> list[Shown]:
    """What a change did, in plain words, one row per thing (a number's fields each)."""
    return shown_change(change)


def _as_said(found: list[Any]) -> list[tuple[Any, Change]]:
    """(version, change) of later changes, a "checked today" said as the section's date."""
    entries = entries_by_version()
    out = []
    for f in found:
        entry = entries.get(f.version.id)
        if f.change.kind == "other" and entry is not None and entry.action == "mark_checked":
            out += [(f.version, c) for c in own_changes(f.version.id, entry)]
        else:
            out.append((f.version, f.change))
    return out


def later_rows(found: list[Any]) -> list[dict[str, Any]]:
    return [
        {"version": version, "what": row.what, "before": row.before, "after": row.after}
        for version, change in _as_said(found)
        for row in shown_change(change)
    ]


def _net(changes: list[Change]) -> list[Change]:
    """Many changes (in the order they would be made) as one per thing: from the first one's
    before to the last one's after, leaving out audio made for words that change anyway."""
    first: dict[tuple[str, str | None, str], Change] = {}
    last: dict[tuple[str, str | None, str], Change] = {}
    for c in changes:
        key = (c.kind, c.lang, c.target)
        first.setdefault(key, c)
        last[key] = c
    # Audio comes with words and numbers by itself: list it only when nothing else changes.
    audio_only = all(kind == "audio" for kind, _lang, _target in first)
    net = []
    for key, start in first.items():
        kind, lang, target = key
        if kind == "audio" and not audio_only:
            continue
        if kind == "other" or start.before != last[key].after:
            net.append(Change(kind, lang, target, start.before, last[key].after))
    return net


def afterwards(changes: list[Change], fallback: str) -> str:
    """One sentence: what callers will hear once ``changes`` (now → afterwards) are made."""
    if len(changes) == 1 and changes[0].kind == "text":
        change = changes[0]
        return gettext(
            "Afterwards callers hear in %(where)s: «%(words)s»",
            where=shown_change(change)[0].what,
            words=written(change.after, live_pack()),
        )
    if len(changes) == 1 and changes[0].kind == "number":
        change = changes[0]
        now, then = dict(change.before or {}), dict(change.after or {})
        if then.get("e164") and now.get("e164") != then.get("e164"):
            return gettext(
                "Afterwards callers hear %(number)s again as the number of %(org)s.",
                number=field_value("e164", then["e164"]),
                org=live_names().organization(change.target)
                if change.target in live_pack().numbers
                else change.target,
            )
    return fallback


@bp.get("/versions/<version_id>/restore")
def restore_preview(version_id: str) -> Any:
    """Before going back: what callers will hear afterwards, every later change it would
    undo, and the question."""
    try:
        later = publisher().restore_preview(version_id)
        target = publisher().versions_store.meta(version_id)
    except (KeyError, ValueError):
        flash(gettext("There is no version %(id)s.", id=version_id), "error")
        return redirect(url_for("console.versions"))
    # later is newest first: the net change goes from now back to what version N had.
    net = _net([Change(c.kind, c.lang, c.target, c.after, c.before) for _v, c in _as_said(later)])

    coming = [row for c in net for row in shown_change(c)]
    sentence = afterwards(
        net,
        gettext(
            "Afterwards callers hear exactly what they heard after version %(id)s: the "
            "things below go back to how they were then.",
            id=target.id,
        ),
    )
    return render_template(
        "console/restore_preview.html",
        target=target,
        count=len(_as_said(later)),  # changes, not their fields
        rows=later_rows(later),
        coming=coming,
        sentence=sentence,
    )


@bp.get("/versions/<version_id>/undo")
def undo_preview(version_id: str) -> Any:
    """Before undoing one change: what callers will hear afterwards, and the question (or,
    when a later change is in the way, which one; nothing is changed)."""
    try:
        target = publisher().versions_store.meta(version_id)
        own = publisher().undo_preview(version_id)
    except UndoBlocked as blocked:
        return _blocked(version_id, blocked)
    except NotUndoable:
        return _not_undoable(version_id)
    except (KeyError, ValueError):
        flash(gettext("There is no version %(id)s.", id=version_id), "error")
        return redirect(url_for("console.versions"))
    entry = entries_by_version().get(version_id)
    if entry is not None and entry.action == "mark_checked":
        own = own_changes(version_id, entry)
    back = _net([Change(c.kind, c.lang, c.target, c.after, c.before) for c in own])
    sentence = afterwards(
        back,
        gettext(
            "Afterwards callers hear what they heard before version %(id)s in the things "
            "below; every change made since stays.",
            id=version_id,
        ),
    )
    return render_template(
        "console/versions/undo_confirm.html",
        target=target,
        coming=[row for c in back for row in shown_change(c)],
        sentence=sentence,
    )


def _blocked(version_id: str, blocked: UndoBlocked) -> Any:
    return render_template(
        "console/undo_blocked.html",
        version_id=version_id,
        rows=later_rows(blocked.blocking),
    ), 409


def _not_undoable(version_id: str) -> Any:
    flash_at(
        f"version-{version_id}",
        gettext(
            "Version %(id)s cannot be undone on its own (it changed whole files, or added "
            "or removed something). Use “Go back” on the version before it instead: it "
            "shows everything it would undo before doing it.",
            id=version_id,
        ),
        "error",
    )
    return redirect(url_for("console.versions") + f"#version-{version_id}")


@bp.post("/versions/<version_id>/undo")
def undo_version(version_id: str) -> Any:
    """Undo only what this version changed, as a new version; later changes stay."""
    try:
        version = publisher().undo_version(version_id, author=who())
    except UndoBlocked as blocked:
        return _blocked(version_id, blocked)
    except NotUndoable:
        return _not_undoable(version_id)
    except ContentError as exc:
        flash_refused(
            gettext("That change cannot be undone: the line could not serve the result."), exc
        )
        return redirect(url_for("console.versions"))
    except KeyError:
        flash(gettext("There is no version %(id)s.", id=version_id), "error")
        return redirect(url_for("console.versions"))
    flash_at(
        f"version-{version.id}",
        gettext(
            "The change made in version %(old)s is undone, published as version %(new)s. "
            "Every later change stays.",
            old=version_id,
            new=version.id,
        ),
    )
    return redirect(url_for("console.versions") + f"#version-{version.id}")


__all__ = ["afterwards", "change_words", "later_rows"]
