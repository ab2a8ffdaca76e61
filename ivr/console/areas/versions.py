"""Versions and "who changed what": every published version with its change in plain words,
going back to one (or to the installed content), and the audit log with its filters. What a
going back undoes, and undoing one change, are in history_pages.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ...content.errors import ContentError
from ..changes import AUDIT_READ, entries_by_version, sentence, version_rows
from ..common import flash_at, flash_refused, live_pack, publisher, who
from ..search import paginate
from ..web import bp

VERSIONS_PER_PAGE = 25
AUDIT_PER_PAGE = 50


@bp.get("/versions")
def versions() -> Any:
    everything = publisher().versions()
    page = paginate(everything, request.args.get("page"), VERSIONS_PER_PAGE)
    entries = entries_by_version()
    rows = []
    for v in page.items:
        entry = entries.get(v.id)
        changes, more = version_rows(v.id, entry)
        rows.append(
            {
                "version": v,
                "sentence": sentence(entry) if entry else "",
                "changes": changes,
                "more": more,
                "detail": v.summary,
            }
        )
    return render_template(
        "console/versions/versions.html",
        rows=rows,
        page=page,
        oldest=everything[-1].id if everything else None,
        live=publisher().live_version(),
        anchors={f"version-{r['version'].id}" for r in rows},
    )


@bp.post("/versions/<version_id>/restore")
def restore_version(version_id: str) -> Any:
    try:
        version = publisher().restore_version(version_id, author=who())
    except ContentError as exc:
        flash_refused(gettext("That version cannot be served any more:"), exc)
        return redirect(url_for("console.versions"))
    except (KeyError, ValueError):
        flash(gettext("There is no version %(id)s.", id=version_id), "error")
        return redirect(url_for("console.versions"))
    flash_at(
        f"version-{version.id}",
        gettext(
            "The line is back to version %(old)s, published again as version %(new)s.",
            old=version_id,
            new=version.id,
        ),
    )
    return redirect(url_for("console.versions") + f"#version-{version.id}")


@bp.post("/versions/installed/restore")
def restore_installed() -> Any:
    """Back to what the line played before the first change from the console (the files that
    came with the installation): there is no version of it to pick otherwise."""
    try:
        version = publisher().publish_seed(author=who())
    except ContentError as exc:
        flash_refused(gettext("The installed content cannot be served:"), exc)
        return redirect(url_for("console.versions"))
    flash_at(
        f"version-{version.id}",
        gettext(
            "The line is back to the installed content, published as version %(id)s.",
            id=version.id,
        ),
    )
    return redirect(url_for("console.versions") + f"#version-{version.id}")


@bp.get("/versions/installed/restore")
def restore_installed_preview() -> Any:
    """Before going back to the installed content: what callers will hear, and the question."""
    everything = publisher().versions()
    if not everything:
        flash(gettext("Nothing has been changed from the console yet."))
        return redirect(url_for("console.versions"))
    return render_template(
        "console/versions/restore_installed.html", count=len(everything), oldest=everything[-1]
    )


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@bp.get("/audit")
def audit() -> Any:
    pack = live_pack()
    everything = publisher().audit_log(limit=AUDIT_READ)
    who = request.args.get("who", "")
    lang = request.args.get("lang", "")
    lang = lang if pack.language(lang) else ""
    start, end = _day(request.args.get("from", "")), _day(request.args.get("to", ""))
    zone = ZoneInfo(current_app.config["SETTINGS"].hotline_timezone)

    def keep(entry: Any) -> bool:
        if who and entry.who != who:
            return False
        if lang and not entry.what.startswith(lang + " "):
            return False
        if start or end:
            try:
                moment = datetime.fromisoformat(entry.when.replace("Z", "+00:00"))
            except ValueError:
                return False
            day = moment.astimezone(zone).date()  # the hotline's day, as staff count days
            if (start and day < start) or (end and day > end):
                return False
        return True

    chosen = [e for e in everything if keep(e)]
    page = paginate(chosen, request.args.get("page"), AUDIT_PER_PAGE)
    rows = []
    for e in page.items:
        changes, more = version_rows(e.version, e) if e.version else ([], 0)
        rows.append({"entry": e, "sentence": sentence(e), "changes": changes, "more": more})
    return render_template(
        "console/versions/audit.html",
        pack=pack,
        rows=rows,
        page=page,
        people=sorted({e.who for e in everything}),
        who=who,
        lang=lang,
        start=request.args.get("from", "") if start else "",
        end=request.args.get("to", "") if end else "",
        filtered=bool(who or lang or start or end),
    )
