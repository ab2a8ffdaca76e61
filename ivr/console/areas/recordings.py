"""Recordings on a prompt's page: a staffer's recording (recorded in the browser or a file) is
checked and made ready, heard, then published; any audio a prompt ever had can be heard and
used again (asking first when it speaks other words than the prompt has now).
"""

from __future__ import annotations

import re
from typing import Any

from flask import (
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext

from ...audio.manifest import file_hash
from ...audio.recordings import RecordingRejected
from ...content.errors import ContentError
from ..common import (
    check_prompt,
    live_names,
    live_pack,
    publisher,
    refused,
    require,
    version_note,
    wants_json,
    who,
)
from ..problems import recording_reason
from ..web import bp
from .prompts import prompt_page

_DRAFT_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")


@bp.post("/prompts/<lang>/<prompt_id>/upload")
def upload_recording(lang: str, prompt_id: str) -> Any:
    check_prompt(live_pack(), lang, prompt_id)
    upload = request.files.get("audio")
    if upload is None or not upload.filename:
        error = gettext("Choose a sound file first (or record one).")
        if wants_json():
            return jsonify(error=error), 422
        return prompt_page(lang, prompt_id, 422, upload_error=error)
    data = upload.read()
    try:
        draft = publisher().stage_recording(lang, prompt_id, data, upload.filename, author=who())
    except RecordingRejected as exc:
        error = gettext(
            "%(file)s could not be used as a recording (%(reason)s). The old audio is still in "
            "place. Record again, or send another file.",
            file=upload.filename,
            reason=recording_reason(str(exc)),
        )
        if wants_json():
            return jsonify(error=error), 422
        return prompt_page(lang, prompt_id, 422, upload_error=error)
    target = url_for(
        "console.draft",
        lang=lang,
        prompt_id=prompt_id,
        draft_id=draft.id,
        seconds=f"{draft.duration:.1f}",
    )
    if wants_json():
        return jsonify(draft=target)
    return redirect(target)


@bp.get("/prompts/<lang>/<prompt_id>/draft/<draft_id>")
def draft(lang: str, prompt_id: str, draft_id: str) -> Any:
    pack = live_pack()
    check_prompt(pack, lang, prompt_id)
    require(bool(_DRAFT_ID.fullmatch(draft_id)))
    try:
        publisher().draft_audio(draft_id)
    except KeyError:
        abort(404)
    return render_template(
        "console/recordings/draft.html",
        lang=lang,
        language=pack.language(lang),
        prompt_id=prompt_id,
        place=live_names().place(prompt_id),
        draft_id=draft_id,
        seconds=request.args.get("seconds", ""),
        text=pack.text(lang, prompt_id),
    )


@bp.get("/drafts/<draft_id>.wav")
def draft_audio(draft_id: str) -> Any:
    require(bool(_DRAFT_ID.fullmatch(draft_id)))
    try:
        path = publisher().draft_audio(draft_id)
    except KeyError:
        abort(404)
    return send_file(path, mimetype="audio/wav", max_age=0)


@bp.post("/prompts/<lang>/<prompt_id>/draft/<draft_id>/publish")
def publish_draft(lang: str, prompt_id: str, draft_id: str) -> Any:
    check_prompt(live_pack(), lang, prompt_id)
    require(bool(_DRAFT_ID.fullmatch(draft_id)))
    try:
        version = publisher().publish_recording(draft_id, author=who())
    except KeyError:
        flash(
            gettext(
                "That recording is no longer waiting to be published. Record or upload it again."
            ),
            "error",
        )
        return redirect(url_for("console.prompt", lang=lang, prompt_id=prompt_id))
    except ContentError as exc:
        return prompt_page(lang, prompt_id, 422, problems=refused(exc))
    flash(gettext("Your recording is live. %(version)s", version=version_note(version)))
    return redirect(url_for("console.prompt", lang=lang, prompt_id=prompt_id))


@bp.post("/prompts/<lang>/<prompt_id>/restore")
def restore_audio(lang: str, prompt_id: str) -> Any:
    check_prompt(live_pack(), lang, prompt_id)
    file = request.form.get("file", "")
    require(file_hash(lang, file) is not None)
    if request.form.get("words") != "yes":
        # Always asked first; when it speaks other words than the prompt has now, it says so.
        try:
            words = publisher().restore_audio_words(lang, prompt_id, file)
        except KeyError:
            abort(404)
        pack = live_pack()
        return render_template(
            "console/recordings/restore_audio.html",
            lang=lang,
            language=pack.language(lang),
            prompt_id=prompt_id,
            place=live_names().place(prompt_id),
            file=file,
            now=pack.text(lang, prompt_id),
            then=words,
            history={a.file: a for a in publisher().audio_history(lang, prompt_id)}.get(file),
        )
    try:
        version = publisher().restore_audio(lang, prompt_id, file, author=who())
    except (ContentError, KeyError, ValueError) as exc:
        return prompt_page(lang, prompt_id, 422, problems=refused(exc))
    flash(
        gettext(
            "That earlier audio is live again, with the words it speaks. %(version)s",
            version=version_note(version),
        )
    )
    return redirect(url_for("console.prompt", lang=lang, prompt_id=prompt_id))


@bp.get("/audio/<lang>/<name>")
def audio_file(lang: str, name: str) -> Any:
    """Any audio a prompt ever had (history, previews), wherever the publisher keeps it."""
    require(file_hash(lang, name) is not None and live_pack().language(lang) is not None)
    path = publisher().audio_path(lang, name)
    require(path is not None)
    return send_file(path, mimetype="audio/wav", max_age=0)
