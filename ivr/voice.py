"""The Twilio voice webhooks: thin. Parse the form and URL, ask the engine, render TwiML.

Set the Twilio number's "A call comes in" webhook to `POST https://<host>/voice`.
Every later request's URL carries the call state, so any worker can answer it.
Twilio must never get a 500: bad input re-prompts, and an unexpected exception still
answers with an apology, the help number, and the main menu.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, request, url_for
from werkzeug.exceptions import HTTPException

from . import flow, twiml
from .content import ContentPack
from .flow import CallState, Input, Prompt
from .security import twilio_signed

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__, url_prefix="/voice")

MAX_TRIES = 10
MAX_FIELD = 64  # longest lang/node/ret value accepted from a URL


def pack() -> ContentPack:
    return current_app.extensions["content"].current()


def state_url(state: CallState) -> str:
    params = {"lang": state.lang, "tries": state.tries or None, "ret": state.ret}
    return url_for("voice.step", node=state.node, **{k: v for k, v in params.items() if v})


def audio_url(prompt: Prompt) -> str | None:
    catalogue = current_app.extensions.get("audio")
    return catalogue.url_for(prompt.lang, prompt.id, prompt.text) if catalogue else None


def offline_url(prompt: Prompt) -> str | None:
    """Fresh offline audio for a language no <Say> voice reads (never another language's)."""
    catalogue = current_app.extensions.get("audio")
    offline = getattr(catalogue, "offline", None)
    language = pack().language(prompt.lang)
    return offline.url_for(language, prompt.id, prompt.text) if offline else None


def twiml_response(body: str) -> Response:
    return Response(body, status=200, mimetype="text/xml")


def render(result: flow.Step) -> Response:
    """TwiML for `result` from this request's snapshot (pack and audio manifest)."""
    snapshot = current_app.extensions["content"].snapshot()
    cache = current_app.extensions["twiml_cache"]
    key = (snapshot.pack.version, id(snapshot.manifest), result)
    body = cache.get_or_render(
        key,
        snapshot.manifest,
        lambda: twiml.render(result, snapshot.pack, state_url, audio_url, offline_url),
    )
    return twiml_response(body)


def call_tag() -> str:
    """A salted hash of the CallSid: lets logs follow one call without identifying anyone."""
    salt = current_app.config["SETTINGS"].log_salt.reveal()
    sid = request.form.get("CallSid", "")
    return hashlib.sha256((salt + sid).encode()).hexdigest()[:10] if sid else "-"


def _field(name: str) -> str | None:
    value = request.args.get(name, "")
    return value if value and len(value) <= MAX_FIELD and value.isascii() else None


def _state(node: str) -> CallState:
    try:
        tries = max(0, min(int(request.args.get("tries", "0")), MAX_TRIES))
    except ValueError:
        tries = 0
    return CallState(lang=_field("lang"), node=node[:MAX_FIELD], tries=tries, ret=_field("ret"))


def _input() -> Input:
    digits = request.form.get("Digits", "")[:MAX_FIELD].strip()
    status = request.form.get("DialCallStatus") or None
    # FromCountry picks which numbers are read ("to call from Mexico / the U.S."): this
    # request only; never logged, stored or put in a URL.
    country = request.form.get("FromCountry", "")[:2] or None
    return Input(
        digits=digits,
        dial_status=status[:MAX_FIELD] if status else None,
        country=country,
        today=datetime.now(UTC).date(),
        facts_max_age_days=current_app.config["SETTINGS"].facts_max_age_days,
    )


@bp.post("")
@twilio_signed
def incoming() -> Response:
    content = pack()
    log.info("call %s answered (content %s)", call_tag(), content.version)
    return render(flow.answer(content))


@bp.post("/<node>")
@twilio_signed
def step(node: str) -> Response:
    content = pack()
    state, inp = _state(node), _input()
    result = flow.next_step(content, state, inp)
    nxt = result.gather or result.dial_action or result.redirect
    log.info(
        "call %s %s key=%s dial=%s -> %s",
        call_tag(),
        state.node,
        inp.key or ("none" if inp.silent else "invalid"),
        inp.dial_status or "-",
        nxt.node if nxt else "hangup",
    )
    return render(result)


def apology() -> Response:
    """Something broke: say sorry and give the help number, then try the main menu once."""
    try:
        content = pack()
        lang = _field("lang")
        lang = lang if content.language(lang or "") else content.default_language.code
        sorry = flow.shared(content, lang, "error")
        if request.args.get("after_error"):
            result = flow.Step(sorry + flow.shared(content, lang, "goodbye"), hangup=True)
        else:
            result = flow.Step(sorry, redirect=CallState(lang, content.flow.main))
        return twiml_response(
            twiml.render(
                result,
                content,
                lambda s: state_url(s) + "&after_error=1",
                twiml.no_audio,
                offline_url,
            )
        )
    except Exception:  # even the content is broken: plain words, still valid TwiML
        log.exception("apology failed")
        return twiml_response(
            '<?xml version="1.0" encoding="UTF-8"?><Response>'
            '<Say language="es-MX">Lo sentimos, hubo un error. Por favor llame otra vez.</Say>'
            '<Say language="en-US">Sorry, there was an error. Please call again.</Say>'
            "<Hangup /></Response>"
        )


@bp.errorhandler(Exception)
def on_error(exc: Exception) -> Response:
    if isinstance(exc, HTTPException) and exc.code in (403, 503):
        return exc
    if isinstance(exc, HTTPException):
        # 413 (huge body), 400 (a form that does not parse): answer the caller, start over.
        return restart(exc)
    log.exception("webhook %s failed", request.path)
    return apology()


def restart(exc: HTTPException) -> Response:
    log.warning("webhook %s answered %s with a restart", request.path, exc.code)
    content = pack()
    return render(flow.answer(content))


def on_routing_error(exc: HTTPException) -> Response | HTTPException:
    """Installed app-wide for 404/405: under /voice, a caller is answered, never an HTML page."""
    return restart(exc) if request.path.startswith(bp.url_prefix) else exc


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.register_error_handler(404, on_routing_error)
    app.register_error_handler(405, on_routing_error)
