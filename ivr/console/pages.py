"""The console's pages. Reading uses the live pack and audio catalogue (what callers hear right
now); every change goes through the Publisher (``app.extensions["publisher"]``)."""

from __future__ import annotations

import re
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from ..audio.catalogue import AudioCatalogue
from ..audio.manifest import file_hash
from ..audio.pipeline import ACCEPTED_FORMATS
from ..audio.recordings import RecordingRejected
from ..content.errors import ContentError
from ..content.model import ContentPack
from . import coverage as cov
from .flowsvg import LANGUAGE_MENU, flow_svg
from .web import bp


def live_pack() -> ContentPack:
    return current_app.extensions["content"].current()


def catalogue() -> AudioCatalogue:
    return current_app.extensions["audio"]


def publisher() -> Any:
    return current_app.extensions["publisher"]


def _lang(pack: ContentPack, code: str | None) -> str:
    if code and pack.language(code):
        return code
    return pack.default_language.code


@bp.get("/")
def home() -> str:
    pack = live_pack()
    return render_template(
        "console/home.html",
        pack=pack,
        live=publisher().live_version(),
        coverage=catalogue().status(pack),
    )


@bp.get("/coverage")
def coverage() -> str:
    pack = live_pack()
    node = request.args.get("node", "")
    require(not node or node in pack.flow.nodes or node == LANGUAGE_MENU)
    ids = cov.node_prompts(pack, node) if node else cov.prompt_order(pack)
    every = rows = cov.grid(pack, catalogue(), ids)
    lang = request.args.get("lang", "")
    status = request.args.get("status", "")
    if status in (*cov.STATUSES, "todo"):
        # Without JS the filter still works: keep rows where the chosen language(s) match.
        def wanted(c: cov.Cell) -> bool:
            return c.status == status or (status == "todo" and not c.current)

        rows = [r for r in rows if any(wanted(c) and (not lang or c.lang == lang) for c in r)]
    languages = [language for language in pack.languages if not lang or language.code == lang]
    return render_template(
        "console/coverage.html",
        pack=pack,
        rows=rows,
        counts=cov.counts(every),
        statuses=cov.STATUSES,
        languages=languages,
        lang=lang,
        status=status,
        node=node,
    )


@bp.post("/coverage/rebuild")
def rebuild_stale() -> Any:
    """One click after a number or a few words changed: computer-voice audio for every
    out-of-date prompt of a language, published as one version. Staff recordings stay."""
    lang = request.form.get("lang", "")
    require(live_pack().language(lang) is not None)
    try:
        result = publisher().rebuild_stale(author=_who(), lang=lang)
    except (KeyError, ValueError, RuntimeError, OSError) as exc:
        current_app.logger.exception("audio rebuild failed")
        flash(f"The audio could not be made: {_message(exc)}. Nothing was changed.")
        return redirect(url_for("console.coverage", lang=lang, status="todo"))
    notes = [f"New audio made for {len(result.rebuilt)} prompt(s)."]
    if result.rebuilt:
        notes.append(_version_note(result.version))
    if result.remaining:
        notes.append(f"{result.remaining} more still need audio: press the button again.")
    if result.staff_recorded:
        names = ", ".join(prompt_id for _, prompt_id in result.staff_recorded)
        notes.append(
            f"Recorded by staff and now out of date (record again, or open the prompt "
            f"and make computer audio on purpose): {names}."
        )
    flash(" ".join(notes))
    return redirect(url_for("console.coverage", lang=lang, status="todo"))


@bp.get("/flow")
def flow() -> str:
    pack = live_pack()
    lang = _lang(pack, request.args.get("lang"))
    svg = flow_svg(pack, lang, lambda nid: url_for("console.coverage", node=nid))
    return render_template(
        "console/flow.html", pack=pack, svg=svg, lang=lang, outline=_outline(pack, lang)
    )


def _outline(pack: ContentPack, lang: str) -> list[dict[str, Any]]:
    """The same flow as a list, for screen readers and for reading without the picture."""
    texts = pack.texts(lang)
    out = []
    for node in pack.flow.nodes.values():
        number = pack.numbers.get(node.number or "")
        out.append(
            {
                "id": node.id,
                "kind": node.kind.value,
                "situation": node.situation,
                "says": [texts[p] for p in node.prompts if p in texts],
                "options": [(o.key, texts.get(o.prompt, ""), o.goto) for o in node.options],
                "next": node.next,
                "transfer": (
                    f"{pack.organizations[number.org].name}, {number.e164}" if number else None
                ),
            }
        )
    return out


@bp.errorhandler(404)
def not_found(_exc: Exception) -> tuple[str, int]:
    return render_template(
        "console/message.html", title="Not found", message="There is no such page in the console."
    ), 404


@bp.errorhandler(400)
def bad_request(exc: Any) -> tuple[str, int]:
    message = getattr(exc, "description", "") or "The request was not understood."
    return render_template("console/message.html", title="Not done", message=message), 400


@bp.errorhandler(413)
def too_large(_exc: Exception) -> tuple[str, int]:
    limit = round((request.max_content_length or 0) / (1024 * 1024), 1)
    message = f"That file is too big. Send a recording smaller than {limit:g} MB."
    if _wants_json():
        return jsonify(error=message), 413  # type: ignore[return-value]
    return render_template("console/message.html", title="File too big", message=message), 413


def require(condition: bool) -> None:
    if not condition:
        abort(404)


# -- one prompt in one language: text, audio, recording, history ---------------------------------

_DRAFT_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")


def _who() -> str:
    return str(g.staff_user)


def _version_note(version: Any) -> str:
    return f"Version {version.id} is now live." if version is not None else ""


def _check_prompt(pack: ContentPack, lang: str, prompt_id: str) -> None:
    require(pack.language(lang) is not None and prompt_id in pack.prompt_ids())


def _prompt_page(lang: str, prompt_id: str, status: int = 200, **extra: Any) -> Any:
    pack = live_pack()
    _check_prompt(pack, lang, prompt_id)
    history = publisher().audio_history(lang, prompt_id)
    c = cov.cell(pack, catalogue(), lang, prompt_id)
    others = [
        (language, pack.text(language.code, prompt_id))
        for language in pack.languages
        if language.code != lang
    ]
    page = render_template(
        "console/prompt.html",
        lang=lang,
        language=pack.language(lang),
        prompt_id=prompt_id,
        cell=c,
        raw=extra.pop("raw", pack.raw_texts(lang).get(prompt_id)),
        others=others,
        history=history,
        statuses=cov.STATUSES,
        formats=", ".join(sorted(ACCEPTED_FORMATS)),
        **extra,
    )
    return page, status


@bp.get("/prompts/<lang>/<prompt_id>")
def prompt(lang: str, prompt_id: str) -> Any:
    return _prompt_page(lang, prompt_id)


@bp.post("/prompts/<lang>/<prompt_id>/text")
def save_text(lang: str, prompt_id: str) -> Any:
    _check_prompt(live_pack(), lang, prompt_id)
    # Browsers send textarea line breaks as CRLF; the YAML files use LF.
    text = request.form.get("text", "").replace("\r\n", "\n").strip()
    if not text:
        return _prompt_page(
            lang,
            prompt_id,
            422,
            raw=text,
            problems=["The text is empty. A prompt must say something."],
        )
    if text == live_pack().raw_texts(lang).get(prompt_id):
        flash("Nothing changed: the text is the same as before.")
        return redirect(url_for("console.prompt", lang=lang, prompt_id=prompt_id))
    try:
        version = publisher().set_text(lang, prompt_id, text, author=_who())
    except (ContentError, KeyError, ValueError) as exc:
        return _prompt_page(lang, prompt_id, 422, raw=text, problems=_problems(exc))
    flash(
        f"Saved. {_version_note(version)} Callers now hear the new words read by the phone "
        "company's computer voice until you make new audio or record it."
    )
    return redirect(url_for("console.prompt", lang=lang, prompt_id=prompt_id))


@bp.post("/prompts/<lang>/<prompt_id>/rebuild")
def rebuild(lang: str, prompt_id: str) -> Any:
    _check_prompt(live_pack(), lang, prompt_id)
    try:
        version = publisher().rebuild_audio(lang, prompt_id, author=_who())
    except ContentError as exc:
        return _prompt_page(lang, prompt_id, 422, problems=_problems(exc))
    except (KeyError, ValueError, RuntimeError, OSError) as exc:
        current_app.logger.exception("audio rebuild failed")
        return _prompt_page(
            lang, prompt_id, 500, problems=[f"The audio could not be made: {_message(exc)}"]
        )
    flash(f"New audio made from the current words. {_version_note(version)}")
    return redirect(url_for("console.prompt", lang=lang, prompt_id=prompt_id))


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.post("/prompts/<lang>/<prompt_id>/upload")
def upload_recording(lang: str, prompt_id: str) -> Any:
    _check_prompt(live_pack(), lang, prompt_id)
    upload = request.files.get("audio")
    if upload is None or not upload.filename:
        error = "Choose a sound file first (or record one)."
        if _wants_json():
            return jsonify(error=error), 422
        return _prompt_page(lang, prompt_id, 422, upload_error=error)
    data = upload.read()
    try:
        draft = publisher().stage_recording(lang, prompt_id, data, upload.filename, author=_who())
    except RecordingRejected as exc:
        if _wants_json():
            return jsonify(error=str(exc)), 422
        return _prompt_page(lang, prompt_id, 422, upload_error=str(exc))
    target = url_for(
        "console.draft",
        lang=lang,
        prompt_id=prompt_id,
        draft_id=draft.id,
        seconds=f"{draft.duration:.1f}",
    )
    if _wants_json():
        return jsonify(draft=target)
    return redirect(target)


@bp.get("/prompts/<lang>/<prompt_id>/draft/<draft_id>")
def draft(lang: str, prompt_id: str, draft_id: str) -> Any:
    pack = live_pack()
    _check_prompt(pack, lang, prompt_id)
    require(bool(_DRAFT_ID.fullmatch(draft_id)))
    try:
        publisher().draft_audio(draft_id)
    except KeyError:
        abort(404)
    return render_template(
        "console/draft.html",
        lang=lang,
        language=pack.language(lang),
        prompt_id=prompt_id,
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
    _check_prompt(live_pack(), lang, prompt_id)
    require(bool(_DRAFT_ID.fullmatch(draft_id)))
    try:
        version = publisher().publish_recording(draft_id, author=_who())
    except KeyError:
        flash(
            "That recording is no longer waiting to be published. Record or upload it again.",
            "error",
        )
        return redirect(url_for("console.prompt", lang=lang, prompt_id=prompt_id))
    except ContentError as exc:
        return _prompt_page(lang, prompt_id, 422, problems=_problems(exc))
    flash(f"Your recording is live. {_version_note(version)}")
    return redirect(url_for("console.prompt", lang=lang, prompt_id=prompt_id))


@bp.post("/prompts/<lang>/<prompt_id>/restore")
def restore_audio(lang: str, prompt_id: str) -> Any:
    _check_prompt(live_pack(), lang, prompt_id)
    file = request.form.get("file", "")
    require(file_hash(lang, file) is not None)
    try:
        version = publisher().restore_audio(lang, prompt_id, file, author=_who())
    except (ContentError, KeyError, ValueError) as exc:
        return _prompt_page(lang, prompt_id, 422, problems=_problems(exc))
    flash(f"That earlier audio is live again, with the words it speaks. {_version_note(version)}")
    return redirect(url_for("console.prompt", lang=lang, prompt_id=prompt_id))


@bp.get("/audio/<lang>/<name>")
def audio_file(lang: str, name: str) -> Any:
    """Any audio a prompt ever had (history, previews), wherever the publisher keeps it."""
    require(file_hash(lang, name) is not None and live_pack().language(lang) is not None)
    path = publisher().audio_path(lang, name)
    require(path is not None)
    return send_file(path, mimetype="audio/wav", max_age=0)


def _message(exc: BaseException) -> str:
    # KeyError's str() is the repr of its argument; staff should read the sentence itself.
    return str(exc.args[0]) if exc.args else exc.__class__.__name__


def _problems(exc: BaseException) -> list[str]:
    """What staff read when a change is refused: every validation problem, or the reason."""
    if isinstance(exc, ContentError):
        return [str(p) for p in exc.problems]
    return [_message(exc)]


# -- the directory: organizations and their numbers ----------------------------------------------

CHANNELS = ("voice", "whatsapp")
DIAL_FROM = ("anywhere", "mexico", "us")
_NUMBER_JUNK = re.compile(r"[\s().\-]")


def _directory_page(status: int = 200, **extra: Any) -> Any:
    pack = live_pack()
    return render_template(
        "console/directory.html", pack=pack, channels=CHANNELS, dial_from=DIAL_FROM, **extra
    ), status


@bp.get("/directory")
def directory() -> Any:
    return _directory_page()


@bp.post("/directory/numbers/<number_id>")
def save_number(number_id: str) -> Any:
    pack = live_pack()
    require(number_id in pack.numbers)
    old = pack.numbers[number_id]
    # Staff copy numbers from flyers with spaces and dashes; E.164 has none.
    form = {
        "e164": _NUMBER_JUNK.sub("", request.form.get("e164", "")),
        "label": request.form.get("label", "").strip(),
        "channels": [c for c in CHANNELS if request.form.get(f"channel_{c}")],
        "dial_from": request.form.get("dial_from", ""),
    }
    before = {
        "e164": old.e164,
        "label": old.label,
        "channels": sorted(old.channels),
        "dial_from": old.dial_from,
    }
    if not form["channels"]:
        return _directory_page(
            422,
            failed=f"number-{number_id}",
            kept=form,
            problems=["Tick at least one of “phone calls” or “WhatsApp”."],
        )
    changed = {k: v for k, v in form.items() if v != before[k]}
    if not changed:
        flash("Nothing changed for that number.")
        return redirect(url_for("console.directory") + f"#number-{number_id}")
    try:
        version = publisher().set_number(number_id, author=_who(), **changed)
    except (ContentError, KeyError, ValueError) as exc:
        return _directory_page(
            422, failed=f"number-{number_id}", kept=form, problems=_problems(exc)
        )
    flash(
        f"Number {number_id} saved. {_version_note(version)} Prompts that say this number "
        "now use the phone company's computer voice until their audio is made again."
    )
    return redirect(url_for("console.directory") + f"#number-{number_id}")


@bp.post("/directory/organizations/<org_id>")
def save_organization(org_id: str) -> Any:
    pack = live_pack()
    require(org_id in pack.organizations)
    old = pack.organizations[org_id]
    form = {k: request.form.get(k, "").strip() for k in ("name", "region", "helps")}
    changed = {k: v for k, v in form.items() if v != getattr(old, k)}
    if not changed:
        flash("Nothing changed for that organization.")
        return redirect(url_for("console.directory") + f"#org-{org_id}")
    try:
        version = publisher().set_organization(org_id, author=_who(), **changed)
    except (ContentError, KeyError, ValueError) as exc:
        return _directory_page(422, failed=f"org-{org_id}", kept=form, problems=_problems(exc))
    flash(f"{form['name'] or org_id} saved. {_version_note(version)}")
    return redirect(url_for("console.directory") + f"#org-{org_id}")


# -- versions and the audit log ------------------------------------------------------------------


@bp.get("/versions")
def versions() -> Any:
    return render_template(
        "console/versions.html", versions=publisher().versions(), live=publisher().live_version()
    )


@bp.post("/versions/<version_id>/restore")
def restore_version(version_id: str) -> Any:
    try:
        version = publisher().restore_version(version_id, author=_who())
    except ContentError as exc:
        flash("That version cannot be served any more: " + "; ".join(_problems(exc)), "error")
        return redirect(url_for("console.versions"))
    except (KeyError, ValueError) as exc:
        flash(_message(exc), "error")
        return redirect(url_for("console.versions"))
    flash(f"The line is back to version {version_id}, published again as version {version.id}.")
    return redirect(url_for("console.versions"))


@bp.post("/versions/installed/restore")
def restore_installed() -> Any:
    """Back to what the line played before the first change from the console (the files that
    came with the installation): there is no version of it to pick otherwise."""
    try:
        version = publisher().publish_seed(author=_who())
    except ContentError as exc:
        flash("The installed content cannot be served: " + "; ".join(_problems(exc)), "error")
        return redirect(url_for("console.versions"))
    flash(f"The line is back to the installed content, published as version {version.id}.")
    return redirect(url_for("console.versions"))


@bp.get("/audit")
def audit() -> Any:
    return render_template("console/audit.html", entries=publisher().audit_log(limit=500))
