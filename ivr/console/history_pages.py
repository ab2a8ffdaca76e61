"""Going back without surprises: the preview of what "go back to version N" undoes, and
"undo just this change" (or, when a later change is in the way, which one and why).

Changes are said in the staffer's language, prompts by where callers hear them, numbers as
people write them; ids and file names stay out of the way.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext

from ..content.errors import ContentError
from ..publish import Change, NotUndoable, UndoBlocked
from . import phones
from .i18n import language_name
from .pages import FIELDS, _flash_refused, _names, _who, live_pack, publisher
from .web import bp

WORDS_SHOWN = 240  # characters of a text shown each side of "before → after"


def _clip(text: Any) -> str:
    words = " ".join(str(text).split()) if text is not None else ""
    return words if len(words) <= WORDS_SHOWN else words[: WORDS_SHOWN - 1] + "…"


def _value(field: str, value: Any) -> str:
    if value is None or value == "":
        return gettext("(none)")
    if field == "e164":
        return phones.pretty(str(value))
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return _clip(value)


def _fields(before: Any, after: Any) -> tuple[str, str]:
    """Only the fields that differ: 'number: +1 202-918-9431' → 'number: +1 202-918-9432'."""
    old, new = dict(before or {}), dict(after or {})
    keys = [k for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k)]
    keys = [k for k in keys if k in FIELDS] or keys

    def side(values: dict) -> str:
        return "; ".join(f"{FIELDS.get(k, k)}: {_value(k, values.get(k))}" for k in keys)

    return side(old), side(new)


def change_words(change: Change) -> dict[str, str]:
    """What a change did, in plain words: {"what", "before", "after"} (empty when no words
    apply, as for audio)."""
    pack = live_pack()
    names = _names()
    if change.kind in ("text", "audio"):
        place = (
            names.place(change.target).name if change.target in pack.prompt_ids() else change.target
        )
        where = f"{place} ({language_name(str(change.lang))})"
        if change.kind == "audio":
            return {"what": gettext("Audio of %(prompt)s", prompt=where), "before": "", "after": ""}
        return {"what": where, "before": _clip(change.before), "after": _clip(change.after)}
    if change.kind == "number":
        label = (change.after or change.before or {}).get("label", "")
        org = names.organization(change.target) if change.target in pack.numbers else ""
        what = gettext("Phone number of %(org)s (%(label)s)", org=org or change.target, label=label)
        before, after = _fields(change.before, change.after)
        return {"what": what, "before": before, "after": after}
    if change.kind == "organization":
        org = pack.organizations.get(change.target)
        what = gettext("Organization: %(name)s", name=org.name if org else change.target)
        before, after = _fields(change.before, change.after)
        return {"what": what, "before": before, "after": after}
    return {
        "what": gettext("Other content files (for developers: %(file)s)", file=change.target),
        "before": "",
        "after": "",
    }


def later_rows(found: list[Any]) -> list[dict[str, Any]]:
    return [{"version": f.version, **change_words(f.change)} for f in found]


@bp.get("/versions/<version_id>/restore")
def restore_preview(version_id: str) -> Any:
    """Before going back: every later change it would undo, and the question."""
    try:
        later = publisher().restore_preview(version_id)
        target = publisher().versions_store.meta(version_id)
    except (KeyError, ValueError):
        flash(gettext("There is no version %(id)s.", id=version_id), "error")
        return redirect(url_for("console.versions"))
    return render_template("console/restore_preview.html", target=target, rows=later_rows(later))


@bp.post("/versions/<version_id>/undo")
def undo_version(version_id: str) -> Any:
    """Undo only what this version changed, as a new version; later changes stay."""
    try:
        version = publisher().undo_version(version_id, author=_who())
    except UndoBlocked as blocked:
        return render_template(
            "console/undo_blocked.html",
            version_id=version_id,
            rows=later_rows(blocked.blocking),
        ), 409
    except NotUndoable:
        flash(
            gettext(
                "Version %(id)s cannot be undone on its own (it changed whole files, or added "
                "or removed something). Use “Go back” on the version before it instead: it "
                "shows everything it would undo before doing it.",
                id=version_id,
            ),
            "error",
        )
        return redirect(url_for("console.versions") + f"#version-{version_id}")
    except ContentError as exc:
        _flash_refused(
            gettext("That change cannot be undone: the line could not serve the result."), exc
        )
        return redirect(url_for("console.versions"))
    except KeyError:
        flash(gettext("There is no version %(id)s.", id=version_id), "error")
        return redirect(url_for("console.versions"))
    flash(
        gettext(
            "The change made in version %(old)s is undone, published as version %(new)s. "
            "Every later change stays.",
            old=version_id,
            new=version.id,
        )
    )
    return redirect(url_for("console.versions"))
