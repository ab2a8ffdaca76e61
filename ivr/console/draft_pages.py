"""Drafts of words and numbers: saved for everyone to see, heard in the computer voice, then
published as one version or discarded. A draft never reaches callers: /voice reads only the
live version, and the preview audio is served here, behind the staff login.
"""

from __future__ import annotations

import re
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext

from ..content.errors import ContentError
from .areas.directory import number_url
from .common import flash_at
from .history_pages import _fields
from .i18n import language_name
from .pages import (
    _check_prompt,
    _flash_refused,
    _names,
    _problems,
    _prompt_page,
    _version_note,
    _who,
    live_pack,
    publisher,
    require,
)
from .problems import Refusal
from .web import bp

_ID = re.compile(r"[0-9a-f]{16}")


def draft_title(draft: Any) -> str:
    """'Main menu – option 4 (Spanish)' or 'Phone number of KIND (calls)'."""
    pack = live_pack()
    names = _names()
    if draft.kind == "text":
        place = names.place(draft.target).name if draft.target in pack.prompt_ids() else ""
        return f"{place or draft.target} ({language_name(str(draft.lang))})"
    number = pack.numbers.get(draft.target)
    if number is None:
        return draft.target
    return gettext(
        "Phone number of %(org)s (%(label)s)",
        org=names.organization(draft.target),
        label=number.label,
    )


def _draft_or_404(draft_id: str) -> Any:
    require(bool(_ID.fullmatch(draft_id)))
    try:
        return publisher().text_draft(draft_id)
    except KeyError:
        abort(404)


@bp.get("/drafts")
def drafts() -> Any:
    """Every draft waiting, whoever wrote it."""
    waiting = [(d, draft_title(d)) for d in publisher().text_drafts()]
    return render_template("console/drafts.html", drafts=waiting)


@bp.post("/prompts/<lang>/<prompt_id>/draft")
def save_text_draft(lang: str, prompt_id: str) -> Any:
    _check_prompt(live_pack(), lang, prompt_id)
    text = request.form.get("text", "").replace("\r\n", "\n").strip()
    if not text:
        empty = Refusal(gettext("The text is empty. Write what callers should hear."), "")
        return _prompt_page(lang, prompt_id, 422, raw=text, problems=[empty])
    try:
        draft = publisher().save_text_draft(lang, prompt_id, text, author=_who())
    except (ContentError, KeyError, ValueError) as exc:
        return _prompt_page(lang, prompt_id, 422, raw=text, problems=_problems(exc))
    flash(gettext("Draft saved. Callers still hear the old words. Listen to it, then publish."))
    return redirect(url_for("console.text_draft", draft_id=draft.id))


@bp.get("/drafts/<draft_id>")
def text_draft(draft_id: str) -> Any:
    draft = _draft_or_404(draft_id)
    names = _names()
    problems = []
    try:
        touched = publisher().draft_prompts(draft.id)
    except (ContentError, KeyError, ValueError) as exc:
        touched, problems = [], _problems(exc)
    prompts = [
        {
            "lang": lang,
            "prompt_id": pid,
            "name": names.place(pid).name,
            "now": now,
            "then": then,
            "speech": url_for("console.draft_speech", draft_id=draft.id, lang=lang, prompt_id=pid),
        }
        for lang, pid, now, then in touched
    ]
    before = after = ""
    if draft.kind == "number":
        number = live_pack().numbers.get(draft.target)
        old = {k: getattr(number, k, None) for k in draft.value} if number else {}
        old = {k: sorted(v) if isinstance(v, set | frozenset) else v for k, v in old.items()}
        before, after = _fields(old, draft.value)
    return render_template(
        "console/text_draft.html",
        draft=draft,
        title=draft_title(draft),
        prompts=prompts,
        before=before,
        after=after,
        problems=problems,
    )


@bp.get("/drafts/<draft_id>/speech/<lang>/<prompt_id>.wav")
def draft_speech(draft_id: str, lang: str, prompt_id: str) -> Any:
    """The draft's words in the computer voice: a preview for logged-in staff only."""
    draft = _draft_or_404(draft_id)
    try:
        path = publisher().draft_speech(draft.id, lang, prompt_id)
    except KeyError:
        abort(404)
    except (ContentError, ValueError, RuntimeError, OSError):
        current_app.logger.exception("draft speech failed")
        return gettext("The computer voice could not read it. Try again in a minute."), 503
    return send_file(path, mimetype="audio/wav", max_age=0)


@bp.post("/drafts/<draft_id>/publish")
def publish_text_draft(draft_id: str) -> Any:
    draft = _draft_or_404(draft_id)
    try:
        version = publisher().publish_text_draft(draft.id, author=_who())
    except KeyError:
        abort(404)
    except (ContentError, ValueError) as exc:
        _flash_refused(gettext("Not published: the line could not serve it any more."), exc)
        return redirect(url_for("console.text_draft", draft_id=draft.id))
    if draft.kind == "text":
        flash(
            gettext(
                "Published. %(version)s Callers now hear the new words in the computer voice. "
                "If a person recorded this prompt, record it again.",
                version=_version_note(version),
            )
        )
        return redirect(url_for("console.prompt", lang=draft.lang, prompt_id=draft.target))
    flash_at(
        f"number-{draft.target}",
        gettext(
            "Published. %(version)s Prompts that say this number now say it in the computer "
            "voice; prompts a person recorded need recording again.",
            version=_version_note(version),
        ),
    )
    return redirect(number_url(draft.target))


@bp.post("/drafts/<draft_id>/discard")
def discard_text_draft(draft_id: str) -> Any:
    draft = _draft_or_404(draft_id)
    publisher().discard_text_draft(draft.id)
    discarded = gettext("Draft discarded. Nothing changed for callers.")
    if draft.kind == "text":
        flash(discarded)
        return redirect(url_for("console.prompt", lang=draft.lang, prompt_id=draft.target))
    flash_at(f"number-{draft.target}", discarded)
    return redirect(number_url(draft.target))
