"""The console's pages. Reading uses the live pack and audio catalogue (what callers hear right
now); every change goes through the Publisher (``app.extensions["publisher"]``).

Everything staff read is in their language (``i18n.py``), prompts are named by where callers
hear them (``names.py``) and refusals are said in plain words (``problems.py``); ids, files and
engine names stay in "for developers" details.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

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
    session,
    url_for,
)
from flask_babel import get_locale, gettext, lazy_gettext

from ..audio.catalogue import AudioCatalogue
from ..audio.manifest import file_hash
from ..audio.pipeline import ACCEPTED_FORMATS
from ..audio.recordings import RecordingRejected
from ..content.errors import ContentError
from ..content.model import ContentPack
from . import coverage as cov
from . import phones
from .flowsvg import FILL, LANGUAGE_MENU, FlowUnavailable, flow_svg
from .i18n import language_name
from .names import Namer, audio_source, namer
from .problems import Refusal, refusals
from .search import paginate, search
from .web import bp

PROMPTS_PER_PAGE = 30
VERSIONS_PER_PAGE = 25
AUDIT_PER_PAGE = 50
AUDIT_READ = 100_000  # every entry: the filters look at all of them


def live_pack() -> ContentPack:
    return current_app.extensions["content"].current()


def catalogue() -> AudioCatalogue:
    return current_app.extensions["audio"]


def publisher() -> Any:
    return current_app.extensions["publisher"]


def _names() -> Namer:
    return namer(live_pack())


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {
        "audio_source": audio_source,
        "language_name": language_name,
        "pretty_number": phones.pretty,
    }


@bp.get("/")
def home() -> str:
    pack = live_pack()
    return render_template(
        "console/home.html",
        pack=pack,
        drafts=publisher().text_drafts(),
        live=publisher().live_version(),
        coverage=catalogue().status(pack),
    )


# -- finding prompts -----------------------------------------------------------------------------


@bp.get("/search")
def find() -> str:
    pack = live_pack()
    query = request.args.get("q", "").strip()[:200]
    lang = request.args.get("lang", "")
    lang = lang if pack.language(lang) else ""
    found = search(pack, _names(), query, lang)
    _remember_list()
    return render_template(
        "console/search.html",
        pack=pack,
        q=query,
        lang=lang,
        prompts=paginate(found["prompts"], request.args.get("page"), PROMPTS_PER_PAGE),
        numbers=found["numbers"],
    )


@bp.get("/coverage")
def coverage() -> str:
    pack = live_pack()
    names = _names()
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
    _remember_list()
    return render_template(
        "console/coverage.html",
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
        result = publisher().rebuild_stale(author=_who(), lang=lang or None)
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
        notes.append(_version_note(result.version))
    if result.remaining:
        notes.append(
            gettext("%(num)d more still need audio: press the button again.", num=result.remaining)
        )
    if result.staff_recorded:
        names = _names()
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


# -- the flow picture ----------------------------------------------------------------------------


@bp.get("/flow")
def flow() -> str:
    pack = live_pack()
    names = _names()
    lang = _lang(pack, request.args.get("lang") or names.lang)
    try:
        svg = flow_svg(
            pack, names, lambda nid: url_for("console.coverage", node=nid), str(get_locale())
        )
    except FlowUnavailable:
        current_app.logger.exception("graphviz could not draw the flow")
        svg = None
    return render_template(
        "console/flow.html",
        pack=pack,
        svg=svg,
        fill=FILL,
        lang=lang,
        outline=_outline(pack, names, lang),
    )


def _outline(pack: ContentPack, names: Namer, lang: str) -> list[dict[str, Any]]:
    """The same flow as a list, for screen readers, small screens and reading the words."""
    texts = pack.texts(lang)
    out = []
    for node in pack.flow.nodes.values():
        number = pack.numbers.get(node.number or "")
        out.append(
            {
                "id": node.id,
                "title": names.title(node.id),
                "says": [texts[p] for p in node.prompts if p in texts],
                "options": [
                    (o.key, texts.get(o.prompt, ""), o.goto, names.title(o.goto))
                    for o in node.options
                ],
                "next": (node.next, names.title(node.next)) if node.next else None,
                "transfer": (
                    f"{names.organization(number.id)}, {phones.pretty(number.e164)}"
                    if number
                    else None
                ),
            }
        )
    return out


LIST_KEY = "console_list"


def _remember_list() -> None:
    """The list (with its filters and page) a prompt was opened from, for its back link."""
    session[LIST_KEY] = request.full_path.rstrip("?")


def _back_to_list(lang: str) -> str:
    kept = str(session.get(LIST_KEY) or "")
    if kept.startswith(("/admin/coverage", "/admin/search")):
        return kept
    return url_for("console.coverage", lang=lang)


def _lang(pack: ContentPack, code: str | None) -> str:
    if code and pack.language(code):
        return code
    return pack.default_language.code


@bp.errorhandler(404)
def not_found(_exc: Exception) -> tuple[str, int]:
    return render_template(
        "console/message.html",
        title=gettext("Not found"),
        message=gettext("There is no such page in the console."),
    ), 404


@bp.errorhandler(400)
def bad_request(exc: Any) -> tuple[str, int]:
    message = getattr(exc, "description", "") or gettext("The request was not understood.")
    if "Reload the page" in message:  # the CSRF check's words (security.py), translated
        message = gettext(
            "The form was out of date or not from this console. Reload the page and try again."
        )
    return render_template("console/message.html", title=gettext("Not done"), message=message), 400


@bp.errorhandler(413)
def too_large(_exc: Exception) -> tuple[str, int]:
    limit = round((request.max_content_length or 0) / (1024 * 1024), 1)
    message = gettext(
        "That file is too big. Send a recording smaller than %(size)s MB.", size=format(limit, "g")
    )
    if _wants_json():
        return jsonify(error=message), 413  # type: ignore[return-value]
    return render_template(
        "console/message.html", title=gettext("File too big"), message=message
    ), 413


def require(condition: bool) -> None:
    if not condition:
        abort(404)


# -- one prompt in one language: text, audio, recording, history ---------------------------------

_DRAFT_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")


def _who() -> str:
    return str(g.staff_user)


def _version_note(version: Any) -> str:
    return gettext("Version %(id)s is now live.", id=version.id) if version is not None else ""


def _check_prompt(pack: ContentPack, lang: str, prompt_id: str) -> None:
    require(pack.language(lang) is not None and prompt_id in pack.prompt_ids())


def _problems(exc: BaseException) -> list[Refusal]:
    return refusals(exc, live_pack())


def _flash_refused(lead: str, exc: BaseException) -> None:
    """Flash ``lead`` and, in plain words, why the change was refused."""
    flash(lead + " " + " ".join(r.text for r in _problems(exc)), "error")


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
        place=_names().place(prompt_id),
        back=_back_to_list(lang),
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
    return _prompt_page(lang, prompt_id)


@bp.post("/prompts/<lang>/<prompt_id>/text")
def save_text(lang: str, prompt_id: str) -> Any:
    _check_prompt(live_pack(), lang, prompt_id)
    # Browsers send textarea line breaks as CRLF; the YAML files use LF.
    text = request.form.get("text", "").replace("\r\n", "\n").strip()
    if not text:
        empty = Refusal(gettext("The text is empty. Write what callers should hear."), "")
        return _prompt_page(lang, prompt_id, 422, raw=text, problems=[empty])
    if text == live_pack().raw_texts(lang).get(prompt_id):
        flash(gettext("Nothing changed: the text is the same as before."))
        return redirect(url_for("console.prompt", lang=lang, prompt_id=prompt_id))
    try:
        version = publisher().set_text(lang, prompt_id, text, author=_who())
    except (ContentError, KeyError, ValueError) as exc:
        return _prompt_page(lang, prompt_id, 422, raw=text, problems=_problems(exc))
    flash(
        gettext(
            "Saved. %(version)s Callers now hear the new words in the computer voice. If a "
            "person recorded this prompt, record it again.",
            version=_version_note(version),
        )
    )
    return redirect(url_for("console.prompt", lang=lang, prompt_id=prompt_id))


@bp.post("/prompts/<lang>/<prompt_id>/rebuild")
def rebuild(lang: str, prompt_id: str) -> Any:
    _check_prompt(live_pack(), lang, prompt_id)
    try:
        version = publisher().rebuild_audio(lang, prompt_id, author=_who())
    except ContentError as exc:
        return _prompt_page(lang, prompt_id, 422, problems=_problems(exc))
    except (KeyError, ValueError, RuntimeError, OSError):
        current_app.logger.exception("audio rebuild failed")
        failed = Refusal(
            gettext(
                "The audio could not be made, and nothing was changed. Try again in a minute; "
                "if it fails again, tell whoever runs the server."
            ),
            "",
        )
        return _prompt_page(lang, prompt_id, 500, problems=[failed])
    flash(
        gettext(
            "New audio made from the current words. %(version)s", version=_version_note(version)
        )
    )
    return redirect(url_for("console.prompt", lang=lang, prompt_id=prompt_id))


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.post("/prompts/<lang>/<prompt_id>/upload")
def upload_recording(lang: str, prompt_id: str) -> Any:
    _check_prompt(live_pack(), lang, prompt_id)
    upload = request.files.get("audio")
    if upload is None or not upload.filename:
        error = gettext("Choose a sound file first (or record one).")
        if _wants_json():
            return jsonify(error=error), 422
        return _prompt_page(lang, prompt_id, 422, upload_error=error)
    data = upload.read()
    try:
        draft = publisher().stage_recording(lang, prompt_id, data, upload.filename, author=_who())
    except RecordingRejected as exc:
        error = gettext(
            "%(file)s could not be used as a recording (%(reason)s). The old audio is still in "
            "place. Record again, or send another file.",
            file=upload.filename,
            reason=str(exc),
        )
        if _wants_json():
            return jsonify(error=error), 422
        return _prompt_page(lang, prompt_id, 422, upload_error=error)
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
        place=_names().place(prompt_id),
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
            gettext(
                "That recording is no longer waiting to be published. Record or upload it again."
            ),
            "error",
        )
        return redirect(url_for("console.prompt", lang=lang, prompt_id=prompt_id))
    except ContentError as exc:
        return _prompt_page(lang, prompt_id, 422, problems=_problems(exc))
    flash(gettext("Your recording is live. %(version)s", version=_version_note(version)))
    return redirect(url_for("console.prompt", lang=lang, prompt_id=prompt_id))


@bp.post("/prompts/<lang>/<prompt_id>/review")
def mark_reviewed(lang: str, prompt_id: str) -> Any:
    """A native speaker says these exact words are right (until they change)."""
    _check_prompt(live_pack(), lang, prompt_id)
    try:
        publisher().mark_reviewed(lang, prompt_id, reviewer=_who())
    except KeyError:
        abort(404)  # a number said from the directory has no words to check
    flash(gettext("Marked as checked by a native speaker. Thank you."))
    return redirect(url_for("console.prompt", lang=lang, prompt_id=prompt_id) + "#review")


@bp.post("/prompts/<lang>/<prompt_id>/restore")
def restore_audio(lang: str, prompt_id: str) -> Any:
    _check_prompt(live_pack(), lang, prompt_id)
    file = request.form.get("file", "")
    require(file_hash(lang, file) is not None)
    if request.form.get("words") != "yes":
        try:
            words = publisher().restore_audio_words(lang, prompt_id, file)
        except KeyError:
            abort(404)
        if words is not None:  # it speaks other words than the prompt has now: ask first
            pack = live_pack()
            return render_template(
                "console/restore_audio.html",
                lang=lang,
                language=pack.language(lang),
                prompt_id=prompt_id,
                place=_names().place(prompt_id),
                file=file,
                now=pack.raw_texts(lang).get(prompt_id, ""),
                then=words,
            )
    try:
        version = publisher().restore_audio(lang, prompt_id, file, author=_who())
    except (ContentError, KeyError, ValueError) as exc:
        return _prompt_page(lang, prompt_id, 422, problems=_problems(exc))
    flash(
        gettext(
            "That earlier audio is live again, with the words it speaks. %(version)s",
            version=_version_note(version),
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


# -- the directory: organizations and their numbers ----------------------------------------------

CHANNELS = ("voice", "whatsapp")
DIAL_FROM = ("anywhere", "mexico", "us")


def _directory_page(status: int = 200, **extra: Any) -> Any:
    pack = live_pack()
    return render_template(
        "console/directory.html",
        pack=pack,
        channels=CHANNELS,
        dial_from=DIAL_FROM,
        countries=phones.country_names(),
        country_of=phones.country_of,
        **extra,
    ), status


def _says_number(pack: ContentPack, number_id: str) -> list[tuple[str, str, str]]:
    """(lang, prompt id, place) of every prompt that says this number, in every language."""
    pattern = re.compile(r"\{(?:number|slow):" + re.escape(number_id) + r"\}")
    names = _names()
    found = []
    for language in pack.languages:
        for prompt_id, raw in pack.raw_texts(language.code).items():
            if pattern.search(raw):
                found.append((language.code, prompt_id, names.place(prompt_id).name))
    return found


@bp.get("/directory")
def directory() -> Any:
    return _directory_page()


@bp.post("/directory/numbers/<number_id>")
def save_number(number_id: str) -> Any:
    pack = live_pack()
    require(number_id in pack.numbers)
    old = pack.numbers[number_id]
    typed = request.form.get("e164", "")
    country = request.form.get("country", phones.country_of(old.e164))
    form = {
        "e164": typed.strip(),
        "country": country,
        "label": request.form.get("label", "").strip(),
        "channels": [c for c in CHANNELS if request.form.get(f"channel_{c}")],
        "dial_from": request.form.get("dial_from", ""),
    }
    failed = f"number-{number_id}"
    if not form["channels"]:
        tick = Refusal(gettext("Tick at least one of “phone calls” or “WhatsApp”."), "")
        return _directory_page(422, failed=failed, kept=form, problems=[tick])
    reading = phones.read(typed, country)
    if reading.e164 is None:
        return _directory_page(
            422, failed=failed, kept=form, problems=[Refusal(reading.problem, "")]
        )
    values = {**form, "e164": reading.e164}
    before = {
        "e164": old.e164,
        "label": old.label,
        "channels": sorted(old.channels),
        "dial_from": old.dial_from,
    }
    changed = {k: values[k] for k in before if values[k] != before[k]}
    if not changed:
        flash(gettext("Nothing changed for that number."))
        return redirect(url_for("console.directory") + f"#number-{number_id}")
    if "e164" in changed and request.form.get("confirmed") != reading.e164:
        # A new number is read back first: staff see exactly what callers will be told.
        return render_template(
            "console/confirm_number.html",
            number=old,
            org=_names().organization(number_id),
            typed=typed.strip(),
            reading=reading,
            country=country,
            countries=phones.country_names(),
            form=form,
            prompts=_says_number(pack, number_id),
        )
    if request.form.get("as_draft"):
        try:
            draft = publisher().save_number_draft(number_id, author=_who(), **changed)
        except (ContentError, KeyError, ValueError) as exc:
            return _directory_page(422, failed=failed, kept=form, problems=_problems(exc))
        flash(
            gettext(
                "Draft saved. Callers still hear the old number. Listen to every prompt that "
                "says it, then publish."
            )
        )
        return redirect(url_for("console.text_draft", draft_id=draft.id))
    try:
        version = publisher().set_number(number_id, author=_who(), **changed)
    except (ContentError, KeyError, ValueError) as exc:
        return _directory_page(422, failed=failed, kept=form, problems=_problems(exc))
    flash(
        gettext(
            "Number saved: %(number)s. %(version)s Prompts that say this number now say it in "
            "the computer voice; prompts a person recorded need recording again.",
            number=phones.pretty(reading.e164),
            version=_version_note(version),
        )
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
        flash(gettext("Nothing changed for that organization."))
        return redirect(url_for("console.directory") + f"#org-{org_id}")
    try:
        version = publisher().set_organization(org_id, author=_who(), **changed)
    except (ContentError, KeyError, ValueError) as exc:
        return _directory_page(422, failed=f"org-{org_id}", kept=form, problems=_problems(exc))
    flash(
        gettext(
            "%(name)s saved. %(version)s",
            name=form["name"] or old.name,
            version=_version_note(version),
        )
    )
    return redirect(url_for("console.directory") + f"#org-{org_id}")


# -- versions and the audit log ------------------------------------------------------------------

ACTIONS = {
    "set_text": lazy_gettext("Changed the words"),
    "set_number": lazy_gettext("Changed a phone number"),
    "set_organization": lazy_gettext("Changed an organization"),
    "rebuild_audio": lazy_gettext("Made computer-voice audio"),
    "rebuild_stale": lazy_gettext("Made computer-voice audio for what was out of date"),
    "publish_recording": lazy_gettext("Published a recording"),
    "restore_audio": lazy_gettext("Used earlier audio again"),
    "restore_version": lazy_gettext("Went back to an earlier version"),
    "publish_seed": lazy_gettext("Went back to the installed content"),
    "undo_version": lazy_gettext("Undid one change"),
    "mark_reviewed": lazy_gettext("Checked the words as a native speaker"),
}
# Actions whose summary is words staff wrote ("before → after"); others name files.
READABLE = frozenset({"set_text", "set_number", "set_organization", "undo_version"})


def action_name(action: str) -> str:
    words = ACTIONS.get(action)
    return str(words) if words else action.replace("_", " ")


def describe(what: str) -> str:
    """'es main.children' -> 'Main menu – option 4 (Spanish)'; 'number kind' -> the number."""
    pack = live_pack()
    names = _names()
    head, _, rest = what.partition(" ")
    if pack.language(head) and rest in pack.prompt_ids():
        return f"{names.place(rest).name} ({language_name(head)})"
    if head == "number" and rest in pack.numbers:
        number = pack.numbers[rest]
        return gettext(
            "Phone number of %(org)s (%(label)s)", org=names.organization(rest), label=number.label
        )
    if head == "organization" and rest in pack.organizations:
        return pack.organizations[rest].name
    if head == "version":
        return gettext("Version %(id)s", id=rest)
    if what == "seed":
        return gettext("The installed content")
    if pack.language(head):  # "es a, es b" (several prompts at once)
        return gettext("Several prompts")
    return what


FIELDS = {
    "e164": lazy_gettext("number"),
    "label": lazy_gettext("label"),
    "channels": lazy_gettext("takes"),
    "dial_from": lazy_gettext("dial from"),
    "name": lazy_gettext("name"),
    "region": lazy_gettext("region"),
    "helps": lazy_gettext("how they help"),
}
_E164 = re.compile(r"\+\d{8,15}")


def readable_change(action: str, summary: str) -> str:
    """The words of a change staff can read: 'e164: +12029189431 → +12029189432' becomes
    'number: +1 202-918-9431 → +1 202-918-9432'; audio changes name files, so none."""
    if action not in READABLE:
        return ""
    if action == "set_text":
        return summary
    if action == "undo_version":  # "undid version 7: new words → old words"
        words = summary.partition(": ")[2]
        return words if "→" in words else ""
    parts = []
    for part in summary.split("; "):
        field, sep, rest = part.partition(": ")
        label = FIELDS.get(field)
        parts.append(f"{label}{sep}{rest}" if label and sep else part)
    return _E164.sub(lambda m: phones.pretty(m.group(0)), "; ".join(parts))


def _entries_by_version() -> dict[str, Any]:
    return {e.version: e for e in publisher().audit_log(limit=AUDIT_READ) if e.version}


@bp.get("/versions")
def versions() -> Any:
    everything = publisher().versions()
    page = paginate(everything, request.args.get("page"), VERSIONS_PER_PAGE)
    entries = _entries_by_version()
    rows = []
    for v in page.items:
        entry = entries.get(v.id)
        rows.append(
            {
                "version": v,
                "action": action_name(entry.action) if entry else "",
                "what": describe(entry.what) if entry else "",
                "change": readable_change(entry.action, entry.summary) if entry else "",
                "detail": v.summary,
            }
        )
    return render_template(
        "console/versions.html",
        rows=rows,
        page=page,
        oldest=everything[-1].id if everything else None,
        live=publisher().live_version(),
    )


@bp.post("/versions/<version_id>/restore")
def restore_version(version_id: str) -> Any:
    try:
        version = publisher().restore_version(version_id, author=_who())
    except ContentError as exc:
        _flash_refused(gettext("That version cannot be served any more:"), exc)
        return redirect(url_for("console.versions"))
    except (KeyError, ValueError):
        flash(gettext("There is no version %(id)s.", id=version_id), "error")
        return redirect(url_for("console.versions"))
    flash(
        gettext(
            "The line is back to version %(old)s, published again as version %(new)s.",
            old=version_id,
            new=version.id,
        )
    )
    return redirect(url_for("console.versions"))


@bp.post("/versions/installed/restore")
def restore_installed() -> Any:
    """Back to what the line played before the first change from the console (the files that
    came with the installation): there is no version of it to pick otherwise."""
    try:
        version = publisher().publish_seed(author=_who())
    except ContentError as exc:
        _flash_refused(gettext("The installed content cannot be served:"), exc)
        return redirect(url_for("console.versions"))
    flash(
        gettext(
            "The line is back to the installed content, published as version %(id)s.",
            id=version.id,
        )
    )
    return redirect(url_for("console.versions"))


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
    rows = [
        {
            "entry": e,
            "action": action_name(e.action),
            "what": describe(e.what),
            "change": readable_change(e.action, e.summary),
        }
        for e in page.items
    ]
    return render_template(
        "console/audit.html",
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
