"""Prompts: the list of every prompt with its audio in each language (filters, "out of date",
"not checked by a native speaker", audio for everything out of date in one click), and one
prompt in one language: its words, its audio and history, computer audio, "checked".
Recordings and earlier audio are in recordings.py, on the same page.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ...audio.pipeline import ACCEPTED_FORMATS
from ...content.errors import ContentError
from .. import coverage as cov
from ..common import (
    PROMPTS_PER_PAGE,
    back_to_list,
    catalogue,
    check_prompt,
    live_names,
    live_pack,
    publisher,
    refused,
    remember_list,
    require,
    version_note,
    who,
)
from ..flowsvg import LANGUAGE_MENU
from ..problems import Refusal
from ..search import paginate
from ..web import bp


@bp.get("/coverage")
def coverage() -> str:
    pack = live_pack()
    names = live_names()
    node = request.args.get("node", "")
    require(not node or node in pack.flow.nodes or node == LANGUAGE_MENU)
    ids = cov.node_prompts(pack, node) if node else cov.prompt_order(pack)
    every = rows = cov.grid(pack, catalogue(), ids)
    lang = request.args.get("lang", "")
    lang = lang if pack.language(lang) else ""
    status = request.args.get("status", "")
    if status in (*cov.STATUSES, "todo"):
        # Without JS the filter still works: keep rows where the chosen language(s) match.
        def wanted(c: cov.Cell) -> bool:
            return c.status == status or (status == "todo" and not c.current)

        rows = [r for r in rows if any(wanted(c) and (not lang or c.lang == lang) for c in r)]
    else:
        status = ""
    reviews = publisher().reviews()
    checkable = {(c.code, pid) for c in pack.languages for pid in pack.raw_texts(c.code)}
    review = request.args.get("review", "")
    if review == "todo":  # words no native speaker checked yet (numbers have no words)

        def unchecked(c: cov.Cell) -> bool:
            key = (c.lang, c.prompt_id)
            return key in checkable and key not in reviews and (not lang or c.lang == lang)

        rows = [r for r in rows if any(unchecked(c) for c in r)]
    else:
        review = ""
    unreviewed = {
        language.code: sum(
            1
            for row in every
            for c in row
            if c.lang == language.code
            and (c.lang, c.prompt_id) in checkable
            and (c.lang, c.prompt_id) not in reviews
        )
        for language in pack.languages
    }
    languages = [language for language in pack.languages if not lang or language.code == lang]
    shown = {language.code for language in languages}
    page = paginate(
        [[c for c in row if c.lang in shown] for row in rows],
        request.args.get("page"),
        PROMPTS_PER_PAGE,
    )
    remember_list()
    return render_template(
        "console/prompts/coverage.html",
        pack=pack,
        page=page,
        places={row[0].prompt_id: names.place(row[0].prompt_id) for row in page.items},
        counts=cov.counts(every),
        statuses=cov.STATUSES,
        languages=languages,
        lang=lang,
        status=status,
        node=node,
        node_title=names.title(node) if node else "",
        # The words shown in full: the staffer's own language when the line speaks it.
        read_lang=lang or names.lang,
        review=review,
        reviews=reviews,
        checkable=checkable,
        unreviewed=unreviewed,
    )


@bp.post("/coverage/rebuild")
def rebuild_stale() -> Any:
    """One click after a number or a few words changed: computer-voice audio for every
    out-of-date prompt of a language (or of every language, with no ``lang``), published as
    one version. Staff recordings stay."""
    lang = request.form.get("lang", "")
    require(not lang or live_pack().language(lang) is not None)
    try:
        result = publisher().rebuild_stale(author=who(), lang=lang or None)
    except (KeyError, ValueError, RuntimeError, OSError):
        current_app.logger.exception("audio rebuild failed")
        flash(
            gettext(
                "The audio could not be made, and nothing was changed. Try again in a "
                "minute; if it fails again, tell whoever runs the server."
            ),
            "error",
        )
        return redirect(url_for("console.coverage", lang=lang, status="todo"))
    notes = [gettext("New audio made for %(num)d prompt(s).", num=len(result.rebuilt))]
    if result.rebuilt:
        notes.append(version_note(result.version))
    if result.remaining:
        notes.append(
            gettext("%(num)d more still need audio: press the button again.", num=result.remaining)
        )
    if result.staff_recorded:
        names = live_names()
        listed = "; ".join(names.place(prompt_id).name for _, prompt_id in result.staff_recorded)
        notes.append(
            gettext(
                "Recorded by staff and now out of date (record them again, or open each one "
                "and make computer audio on purpose): %(names)s.",
                names=listed,
            )
        )
    flash(" ".join(notes))
    return redirect(url_for("console.coverage", lang=lang, status="todo"))


def prompt_page(lang: str, prompt_id: str, status: int = 200, **extra: Any) -> Any:
    pack = live_pack()
    check_prompt(pack, lang, prompt_id)
    history = publisher().audio_history(lang, prompt_id)
    c = cov.cell(pack, catalogue(), lang, prompt_id)
    others = [
        (language, pack.text(language.code, prompt_id))
        for language in pack.languages
        if language.code != lang
    ]
    page = render_template(
        "console/prompts/prompt.html",
        lang=lang,
        language=pack.language(lang),
        prompt_id=prompt_id,
        place=live_names().place(prompt_id),
        back=back_to_list(lang),
        cell=c,
        raw=extra.pop("raw", pack.raw_texts(lang).get(prompt_id)),
        others=others,
        history=history,
        statuses=cov.STATUSES,
        formats=", ".join(sorted(ACCEPTED_FORMATS)),
        draft=publisher().find_text_draft("text", prompt_id, lang),
        writer=publisher().text_writers().get((lang, prompt_id)),
        review=publisher().reviews().get((lang, prompt_id)),
        **extra,
    )
    return page, status


@bp.get("/prompts/<lang>/<prompt_id>")
def prompt(lang: str, prompt_id: str) -> Any:
    return prompt_page(lang, prompt_id)


@bp.post("/prompts/<lang>/<prompt_id>/text")
def save_text(lang: str, prompt_id: str) -> Any:
    check_prompt(live_pack(), lang, prompt_id)
    # Browsers send textarea line breaks as CRLF; the YAML files use LF.
    text = request.form.get("text", "").replace("\r\n", "\n").strip()
    if not text:
        empty = Refusal(gettext("The text is empty. Write what callers should hear."), "")
        return prompt_page(lang, prompt_id, 422, raw=text, problems=[empty])
    if text == live_pack().raw_texts(lang).get(prompt_id):
        flash(gettext("Nothing changed: the text is the same as before."))
        return redirect(url_for("console.prompt", lang=lang, prompt_id=prompt_id))
    try:
        version = publisher().set_text(lang, prompt_id, text, author=who())
    except (ContentError, KeyError, ValueError) as exc:
        return prompt_page(lang, prompt_id, 422, raw=text, problems=refused(exc))
    flash(
        gettext(
            "Saved. %(version)s Callers now hear the new words in the computer voice. If a "
            "person recorded this prompt, record it again.",
            version=version_note(version),
        )
    )
    return redirect(url_for("console.prompt", lang=lang, prompt_id=prompt_id))


@bp.post("/prompts/<lang>/<prompt_id>/rebuild")
def rebuild(lang: str, prompt_id: str) -> Any:
    check_prompt(live_pack(), lang, prompt_id)
    try:
        version = publisher().rebuild_audio(lang, prompt_id, author=who())
    except ContentError as exc:
        return prompt_page(lang, prompt_id, 422, problems=refused(exc))
    except (KeyError, ValueError, RuntimeError, OSError):
        current_app.logger.exception("audio rebuild failed")
        failed = Refusal(
            gettext(
                "The audio could not be made, and nothing was changed. Try again in a minute; "
                "if it fails again, tell whoever runs the server."
            ),
            "",
        )
        return prompt_page(lang, prompt_id, 500, problems=[failed])
    flash(
        gettext("New audio made from the current words. %(version)s", version=version_note(version))
    )
    return redirect(url_for("console.prompt", lang=lang, prompt_id=prompt_id))


@bp.post("/prompts/<lang>/<prompt_id>/review")
def mark_reviewed(lang: str, prompt_id: str) -> Any:
    """A native speaker says these exact words are right (until they change)."""
    check_prompt(live_pack(), lang, prompt_id)
    try:
        publisher().mark_reviewed(lang, prompt_id, reviewer=who())
    except KeyError:
        abort(404)  # a number said from the directory has no words to check
    flash(gettext("Marked as checked by a native speaker. Thank you."))
    return redirect(url_for("console.prompt", lang=lang, prompt_id=prompt_id) + "#review")
