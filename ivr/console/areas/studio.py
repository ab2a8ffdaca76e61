"""The recording session in the console (``/admin/studio``): pick a language and go.

The next part to record comes by itself, in the order and weight callers hear the prompts
(ivr/publish/recording_session.py), its written words large, its pronunciation notes and
where it sits in its prompt (the phone numbers are left out: they are spliced in). Record in
the browser, hear the take back (checked and levelled: what callers would hear), then keep
it, record it again or skip it. Progress shows the prompts done and the share of call time
callers hear in a human voice, now and once the takes are published; a speaker (or an
editor) publishes them as one version. It resumes where the speaker stopped, on any device:
the takes are in the database. The staffer's phone PIN for the staff recording line is made
here too (the account's PIN, ``StaffAccounts.set_pin``: the same one *Accounts* sets).

Roles (``roles.py``): recording, and publishing one's own takes, is for speakers; publishing
everyone's takes is for editors.
"""

from __future__ import annotations

import re
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext, lazy_gettext, ngettext

from ...audio import splice
from ...audio.takes import TakeRefused
from ...content.model import ContentPack
from .. import roles
from ..account_rules import EDITOR, SPEAKER, AccountError
from ..names import namer
from ..phones import pretty
from ..security import accounts as staff_accounts
from ..web import bp

roles.declare(
    {
        "console.studio_home": SPEAKER,
        "console.studio_pin": SPEAKER,  # the staffer's own PIN only
        "console.studio_session": SPEAKER,
        "console.studio_prompts": SPEAKER,
        "console.studio_take": SPEAKER,
        "console.studio_take_audio": SPEAKER,
        "console.studio_keep": SPEAKER,
        "console.studio_again": SPEAKER,
        "console.studio_skip": SPEAKER,
        # One's own takes; everyone's (whose=all) needs an editor: may_publish_others.
        "console.studio_publish": SPEAKER,
    }
)

_KEY = re.compile(r"[0-9a-f]{16}")

# A refused take, in the speaker's words (ivr/audio/takes.py's codes).
REFUSALS = {
    "silent": lazy_gettext("Only silence was recorded. Check that the microphone is on."),
    "quiet": lazy_gettext("The take is too quiet. Speak closer to the microphone."),
    "clipping": lazy_gettext(
        "The take is distorted: it was too loud for the microphone. Move back a little."
    ),
    "too_short": lazy_gettext("The take is too short for its words. Say all of them."),
    "too_long": lazy_gettext("The take is too long for its words. Say only these words."),
    "unreadable": lazy_gettext("The take could not be read as sound. Record it again."),
}


def _studio() -> Any:
    return current_app.extensions["studio"]


def _who() -> str:
    return str(g.staff_user)


def _pack() -> ContentPack:
    return current_app.extensions["content"].current()


def _lang(lang: str) -> str:
    if _pack().language(lang) is None:
        abort(404)
    return lang


def may_publish_others() -> bool:
    """Editors (and administrators) publish anyone's takes; a speaker only their own."""
    account = g.get("staff_account")
    return account is not None and account.can(EDITOR)


@bp.app_context_processor
def _studio_helpers() -> dict[str, Any]:
    return {"voice_shares": voice_shares, "percent": lambda share: f"{100 * share:.0f}"}


def voice_shares() -> list[Any]:
    """Each language's share of call time in a human voice (the coverage page shows it)."""
    studio = current_app.extensions.get("studio")
    if studio is None:
        return []
    return [studio.coverage(language.code) for language in _pack().languages]


# -- choosing a language, and the phone PIN --------------------------------------------------


@bp.get("/studio")
def studio_home() -> str:
    studio = _studio()
    pack = _pack()
    rows = [(language, studio.progress(language.code, _who())) for language in pack.languages]
    return render_template(
        "console/studio/index.html",
        rows=rows,
        has_pin=bool(g.staff_account.has_pin),
        new_pin=None,
    )


@bp.post("/studio/pin")
def studio_pin() -> str:
    """A new phone PIN, shown once (the database keeps only its hash)."""
    try:
        pin = staff_accounts().set_pin(_who(), by=_who())  # audit-logged, like Accounts
    except AccountError as exc:  # no SECRET_KEY: PINs cannot be keyed
        flash(
            gettext(
                "Phone PINs need the server's SECRET_KEY. Ask whoever runs the server to set it."
            )
            if exc.code == "no_secret_key"
            else str(exc),
            "error",
        )
        return redirect(url_for("console.studio_home"))
    current_app.logger.info("staff %s made a new phone PIN", _who())
    studio = _studio()
    rows = [(language, studio.progress(language.code, _who())) for language in _pack().languages]
    return render_template(
        "console/studio/index.html",
        rows=rows,
        has_pin=True,
        new_pin=" ".join(pin[i : i + 4] for i in range(0, len(pin), 4)),
    )


# -- the session -----------------------------------------------------------------------------


def _item_view(lang: str, item: Any) -> dict[str, Any]:
    """What the page shows of a clip: the prompt around it, this part marked, numbers as
    the number callers hear, in the words staff read."""
    pack = _pack()
    plus = pack.language(lang).words.get("plus", "+")
    context = []
    for part in item.parts:
        if isinstance(part, splice.Clip):
            context.append(("words", part.written, part.key == item.clip.key))
        elif isinstance(part, splice.NumberPart):
            context.append(("number", pretty(part.e164), False))
    return {
        "item": item,
        "place": namer(pack).place(item.prompt_id).name,
        "context": context,
        "plus": plus,
        "digit": item.clip.kind == "digit",
    }


@bp.get("/studio/<lang>")
def studio_session(lang: str) -> Any:
    lang = _lang(lang)
    studio = _studio()
    session = studio.session(lang)
    key = request.args.get("item", "")
    if key:
        if not _KEY.fullmatch(key) or session.item(key) is None:
            abort(404)
        item = session.item(key)
    else:
        item = studio.next_item(lang, _who())
    take = None
    take_id = request.args.get("take", "")
    if take_id and _KEY.fullmatch(take_id):
        try:
            take = studio.take(take_id)
        except KeyError:
            take = None
        if take is not None and (take.author != _who() or take.status != "pending"):
            take = None
    progress = studio.progress(lang, _who())
    refused = request.args.get("refused", "")
    return render_template(
        "console/studio/session.html",
        lang=lang,
        language=_pack().language(lang),
        view=_item_view(lang, item) if item is not None else None,
        total=len(session.items),
        progress=progress,
        take=take,
        refused=REFUSALS.get(refused, ""),
        others=progress.drafts - progress.my_drafts,
        may_publish_others=may_publish_others(),
    )


@bp.get("/studio/<lang>/prompts")
def studio_prompts(lang: str) -> Any:
    """Every prompt with its code (the staff line's 9), and whether it has all its takes."""
    lang = _lang(lang)
    studio = _studio()
    session = studio.session(lang)
    code = request.args.get("code", "").strip()
    if code:
        item = studio.item_for_code(lang, int(code)) if code.isdigit() and len(code) < 5 else None
        if item is None:
            flash(gettext("No prompt has the code %(code)s.", code=code[:8]), "error")
            return redirect(url_for("console.studio_prompts", lang=lang))
        return redirect(url_for("console.studio_session", lang=lang, item=item.clip.key))
    kept = studio.kept_clips(lang)
    names = namer(_pack())
    rows = []
    for pid in sorted(session.prompts, key=lambda p: _code(session, p)):
        keys = session.clips_of_prompt.get(pid, [])
        open_key = next((k for k in keys if k not in kept), None)
        rows.append(
            {
                "code": _code(session, pid),
                "name": names.place(pid).name,
                "done": open_key is None,
                "item": open_key or (keys[0] if keys else None),
            }
        )
    number_item = next((i for i in session.items if i.numbers), None)
    return render_template(
        "console/studio/prompts.html",
        lang=lang,
        language=_pack().language(lang),
        rows=rows,
        number_item=number_item,
        numbers_done=all(i.clip.key in kept for i in session.items if i.numbers),
    )


def _code(session: Any, pid: str) -> int:
    return next((c for c, p in session.codes.items() if p == pid), 0)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.post("/studio/<lang>/takes")
def studio_take(lang: str) -> Any:
    """A take from the browser (or a sound file): checked, kept as pending, played back."""
    lang = _lang(lang)
    key = request.form.get("item", "")
    upload = request.files.get("audio")
    if not _KEY.fullmatch(key):
        abort(404)
    if upload is None or not upload.filename:
        error = gettext("Record the words first (or choose a sound file).")
        if _wants_json():
            return jsonify(error=error), 422
        flash(error, "error")
        return redirect(url_for("console.studio_session", lang=lang, item=key))
    try:
        take = _studio().add_take(lang, key, upload.read(), author=_who(), via="browser")
    except KeyError:
        abort(404)
    except TakeRefused as refused:
        message = str(REFUSALS.get(refused.code, refused))
        if _wants_json():
            return jsonify(error=message, code=refused.code), 422
        return redirect(
            url_for("console.studio_session", lang=lang, item=key, refused=refused.code)
        )
    if _wants_json():
        return jsonify(
            take=take.id,
            audio=url_for("console.studio_take_audio", take_id=take.id),
            seconds=take.checks.get("seconds"),
            expected=take.checks.get("expected"),
            summary=_checks_summary(take.checks),
        )
    return redirect(url_for("console.studio_session", lang=lang, item=key, take=take.id))


def _checks_summary(checks: dict[str, Any]) -> str:
    gain = format(checks.get("gain_db", 0), "+.0f")
    return gettext(
        "%(seconds)s s of speech (about %(expected)s s expected); silence trimmed, loudness "
        "set to the line's level (%(gain)s dB).",
        seconds=checks.get("seconds", "?"),
        expected=checks.get("expected", "?"),
        gain=gain,
    )


@bp.get("/studio/takes/<take_id>.wav")
def studio_take_audio(take_id: str) -> Response:
    if not _KEY.fullmatch(take_id):
        abort(404)
    try:
        data = _studio().take_audio(take_id)
    except KeyError:
        abort(404)
    return Response(data, mimetype="audio/wav")


def _next_url(lang: str) -> str:
    return url_for("console.studio_session", lang=lang)


def _done(target: str) -> Any:
    return jsonify(next=target) if _wants_json() else redirect(target)


@bp.post("/studio/<lang>/takes/<take_id>/keep")
def studio_keep(lang: str, take_id: str) -> Any:
    lang = _lang(lang)
    if not _KEY.fullmatch(take_id):
        abort(404)
    try:
        _studio().keep(take_id, author=_who())
    except KeyError:
        flash(gettext("That take is no longer waiting. Record it again."), "error")
        return _done(_next_url(lang))
    return _done(_next_url(lang))


@bp.post("/studio/<lang>/takes/<take_id>/again")
def studio_again(lang: str, take_id: str) -> Any:
    lang = _lang(lang)
    if not _KEY.fullmatch(take_id):
        abort(404)
    key = request.form.get("item", "")
    _studio().drop(take_id, author=_who())
    target = (
        url_for("console.studio_session", lang=lang, item=key)
        if _KEY.fullmatch(key)
        else (_next_url(lang))
    )
    return _done(target)


@bp.post("/studio/<lang>/skip")
def studio_skip(lang: str) -> Any:
    lang = _lang(lang)
    key = request.form.get("item", "")
    take_id = request.form.get("take", "")
    if not _KEY.fullmatch(key):
        abort(404)
    if _KEY.fullmatch(take_id):
        _studio().drop(take_id, author=_who())
    _studio().skip(lang, _who(), key)
    return _done(_next_url(lang))


@bp.post("/studio/<lang>/publish")
def studio_publish(lang: str) -> Any:
    """Publish the takes (the speaker's own; everyone's for an editor) as one version."""
    lang = _lang(lang)
    everyone = request.form.get("whose") == "all"
    if everyone and not may_publish_others():
        return roles.refusal(EDITOR)
    version = _studio().publish(lang, author=_who(), speaker=None if everyone else _who())
    if version is None:
        flash(gettext("There was nothing new to publish."))
    else:
        flash(
            gettext(
                "The takes are live: callers hear them now. Version %(id)s. (Versions can undo "
                "it.)",
                id=version.id,
            )
        )
    return redirect(url_for("console.studio_session", lang=lang))


def progress_words(progress: Any) -> str:
    return ngettext(
        "%(num)d prompt of %(total)d has every take.",
        "%(num)d prompts of %(total)d have every take.",
        progress.prompts_done,
        total=progress.prompts,
    )


@bp.app_template_global("studio_progress_words")
def _progress_words(progress: Any) -> str:
    return progress_words(progress)
