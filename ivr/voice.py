"""The Twilio voice webhooks: thin. Parse the form and URL, ask the engine, render TwiML.

Set the Twilio number's "A call comes in" webhook to `POST https://<host>/voice` and its
Fallback URL to `POST https://<host>/voice/fallback`. Every later request's URL carries the
call state, so any worker can answer it, and the fallback can resume any failed step.
Signatures are checked before the app runs (ivr.security.SignedVoice).
Twilio must never get a 500: bad input re-prompts, and an unexpected exception still
answers with an apology, the help number, and the main menu.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import parse_qsl, unquote, urlsplit

from flask import Blueprint, Response, current_app, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from . import counts, flow, twiml
from .content import ContentPack
from .content.load import TWILIO_COUNTRIES
from .content.store import Snapshot
from .flow import CallState, Input, Prompt
from .security import TEST_CALL_KEY, is_voice_path, twilio_signed, webhook_form

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


def generation(snapshot: Snapshot) -> tuple[str, int]:
    """What a rendered document depends on besides its question: the pack's words and which
    audio is current (the manifest; see ivr.twiml_cache)."""
    return snapshot.pack.version, id(snapshot.manifest)


ANSWER_KEY = ("answer", None, None)


def step_key(state: CallState, inp: Input) -> tuple[str, CallState, Input]:
    return "step", state, inp


Events = list[tuple[str, str, str, str]]


def _document(
    key: tuple,
    engine: Callable[[ContentPack], flow.Step],
    events: Callable[[ContentPack, flow.Step], Events] = lambda content, result: [],
) -> tuple[str, str, Events]:
    """The TwiML for this step, where it leads (for the log line) and what it counts (see
    ivr.counts), from this request's snapshot. The rendered document is looked up before the
    engine runs: the engine is a pure function of (pack, state, input), so the same question
    has the same answer, and the same counts, until the pack or the audio manifest changes
    (see ivr.twiml_cache). ivr.answered serves the same triple without Flask."""
    snapshot = current_app.extensions["content"].snapshot()
    cache = current_app.extensions["twiml_cache"]

    def build() -> tuple[str, str, Events]:
        result = engine(snapshot.pack)
        nxt = result.gather or result.dial_action or result.redirect
        body = twiml.render(result, snapshot.pack, state_url, audio_url, offline_url)
        return body, nxt.node if nxt else "hangup", events(snapshot.pack, result)

    return cache.get_or_render(generation(snapshot), snapshot.manifest, key, build)


def test_call() -> bool:
    """A staff test call from the browser phone (in-process; cannot be forged over HTTP)."""
    return bool(request.environ.get(TEST_CALL_KEY))


def count(found: Events) -> None:
    """Add a step's events to the in-memory totals (microseconds; never fails a call). A
    staff test call is never counted: the counts are callers'."""
    totals = current_app.extensions.get("counts")
    if totals is not None and not test_call():
        totals.add_all(found)


def text_service():
    """Who sends this call's texts: the line's TextService, or for a staff test call the
    console's own (its texts go only to the console's outbox, never through the account)."""
    return current_app.extensions.get("sms_test" if test_call() else "sms")


def render(result: flow.Step) -> Response:
    """TwiML for `result` (already decided) from this request's snapshot."""
    body, _, _ = _document(("decided", None, result), lambda content: result)
    return twiml_response(body)


def tag(salt: str, sid: str) -> str:
    """A salted hash of the CallSid: lets logs follow one call without identifying anyone."""
    return hashlib.sha256((salt + sid).encode()).hexdigest()[:10] if sid else "-"


def call_tag() -> str:
    return tag(current_app.config["SETTINGS"].log_salt.reveal(), webhook_form().get("CallSid", ""))


def log_answered(call: str, version: str) -> None:
    log.info("call %s answered (content %s)", call, version)


def log_step(call: str, state: CallState, inp: Input, nxt: str) -> None:
    log.info(
        "call %s %s key=%s dial=%s -> %s",
        call,
        state.node,
        inp.key or ("none" if inp.silent else "invalid"),
        inp.dial_status or "-",
        nxt,
    )


def _field(args: Mapping[str, str], name: str) -> str | None:
    value = args.get(name, "")
    return value if value and len(value) <= MAX_FIELD and value.isascii() else None


def _state(node: str, args: Mapping[str, str]) -> CallState:
    try:
        tries = max(0, min(int(args.get("tries", "0")), MAX_TRIES))
    except ValueError:
        tries = 0
    return CallState(
        lang=_field(args, "lang"), node=node[:MAX_FIELD], tries=tries, ret=_field(args, "ret")
    )


def _outbound(form: Mapping[str, str]) -> bool:
    return form.get("Direction", "").startswith("outbound")


def caller_number(form: Mapping[str, str]) -> str | None:
    """The caller's number: From, or To on a call the line placed (a missed-call callback,
    Direction=outbound-api), where From is the line itself. Read, never kept."""
    return form.get("To") if _outbound(form) else form.get("From")


def caller_country(form: Mapping[str, str]) -> str:
    return form.get("ToCountry" if _outbound(form) else "FromCountry", "")[:2].upper()


def can_text(texts, form: Mapping[str, str], content: ContentPack, state: CallState) -> bool:
    """Offer this caller the numbers by text? (ivr.sms.TextService; the number is only read.)
    Asked only where the answer can depend on it (flow.text_sensitive): checking a number
    costs more than the rest of a cached answer."""
    if texts is None or state.lang is None or state.node not in flow.text_sensitive(content):
        return False
    return texts.offered(caller_number(form), state.lang)


def _input(
    form: Mapping[str, str], facts_max_age_days: int, texting: bool = False, timed: bool = False
) -> Input:
    """``timed``: the step can reach a transfer with opening hours (flow.hours_sensitive), so
    the engine is given the time, to the minute (opening hours are on the quarter hour)."""
    digits = form.get("Digits", "")[:MAX_FIELD].strip()
    status = form.get("DialCallStatus") or None
    # FromCountry picks which numbers are read ("to call from Mexico / the U.S."): this
    # request only; never logged, stored or put in a URL. Only the countries that change what
    # is said are kept, so the cache holds one document per real difference.
    country = caller_country(form)
    return Input(
        digits=digits,
        dial_status=status[:MAX_FIELD] if status else None,
        country=country if country in TWILIO_COUNTRIES else None,
        today=datetime.now(UTC).date(),
        facts_max_age_days=facts_max_age_days,
        can_text=texting,
        now=datetime.now(UTC).replace(second=0, microsecond=0) if timed else None,
    )


def timed(content: ContentPack, state: CallState) -> bool:
    """Does this step's answer depend on the time (a transfer with opening hours ahead)?"""
    node = flow.LANGUAGE_MENU if state.lang is None else state.node
    return node in flow.hours_sensitive(content)


# Answering-machine detection (the line's callbacks and destination checks call out with it):
# Twilio sends AnsweredBy with the first request, and a machine never hears the menu.
MACHINE_ANSWERS = frozenset(
    {"machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax"}
)


def machine_answered(form: Mapping[str, str]) -> bool:
    return form.get("AnsweredBy", "") in MACHINE_ANSWERS


def hang_up_on_machine() -> Response:
    log.info("call %s answered by a machine: hung up", call_tag())
    return twiml_response(twiml.hang_up())


def answer_call() -> Response:
    """The first webhook of a call: the language menu."""
    if machine_answered(webhook_form()):
        return hang_up_on_machine()
    body, _, found = _document(
        ANSWER_KEY, flow.answer, lambda content, result: counts.answer_events(result)
    )
    count(found)
    log_answered(call_tag(), pack().version)
    return twiml_response(body)


def answer_step(node: str, args: Mapping[str, str]) -> Response:
    """A later webhook: the state comes from the URL's query (``args``), keys from the form."""
    state = _state(node, args)
    form = webhook_form()
    if machine_answered(form):
        return hang_up_on_machine()
    texts = text_service()
    inp = _input(
        form,
        current_app.config["SETTINGS"].facts_max_age_days,
        can_text(texts, form, pack(), state),
        timed(pack(), state),
    )
    page = flow.text_request(pack(), state, inp) if inp.can_text else None
    if page is not None:
        # The caller pressed the text key where it is offered: send now (TextService waits
        # at most ~0.9 s for Twilio), then answer with how it went. The document is cached
        # by that outcome, never by the key alone, so every press sends its own text.
        outcome = texts.send_page(pack(), caller_number(form), page, state.lang)
        status = outcome.status if outcome.status in ("sent", "over_quota") else "failed"
        inp = replace(inp, text_status=status)
    body, nxt, found = _document(
        step_key(state, inp),
        lambda content: flow.next_step(content, state, inp),
        lambda content, result: counts.step_events(content, state, inp, result),
    )
    count(found)
    log_step(call_tag(), state, inp, nxt)
    return twiml_response(body)


@bp.post("")
@twilio_signed
def incoming() -> Response:
    return answer_call()


@bp.post("/<node>")
@twilio_signed
def step(node: str) -> Response:
    return answer_step(node, request.args)


# -- Twilio's Fallback URL -------------------------------------------------------------------


FALLBACK_PATH = "/voice/fallback"
STATUS_PATH = "/voice/status"  # Twilio's call status callback (ivr.counts)
PORTS = {"http": 80, "https": 443}


def _error_url() -> tuple[str, MultiDict]:
    """The path and query of the URL Twilio reports as failed (ErrorUrl), if it is one of
    this line's own: same scheme-and-host as this line's public URL. ("", {}) otherwise."""
    try:
        parts = urlsplit(webhook_form().get("ErrorUrl", ""))
        ours = urlsplit(current_app.config["SETTINGS"].public_base_url or request.host_url)
        same_host = (
            parts.scheme in PORTS
            and (parts.hostname or "") == (ours.hostname or "")
            and (parts.port or PORTS[parts.scheme]) == (ours.port or PORTS.get(ours.scheme))
        )
    except ValueError:  # a port that is not a number
        return "", MultiDict()
    if not same_host:
        return "", MultiDict()
    return unquote(parts.path), MultiDict(parse_qsl(parts.query, keep_blank_values=True))


@bp.post("/fallback")
@twilio_signed
def fallback() -> Response:
    """Twilio's Fallback URL: the step URL failed (a worker died, a timeout), so Twilio posts
    the same form here with ``ErrorUrl``. The call's state is in that URL, so answering as
    that step would have lets the caller simply continue."""
    code = webhook_form().get("ErrorCode", "")
    code = code if code.isdigit() and len(code) <= 8 else "?"
    path, args = _error_url()
    node = path.removeprefix(bp.url_prefix + "/")
    if path == bp.url_prefix:
        log.warning("call %s fallback after Twilio error %s: call answered", call_tag(), code)
        return answer_call()
    if path.startswith(bp.url_prefix + "/") and path != FALLBACK_PATH and node and "/" not in node:
        log.warning("call %s fallback after Twilio error %s: step resumed", call_tag(), code)
        return answer_step(node, args)
    log.warning("call %s fallback after Twilio error %s: help and main menu", call_tag(), code)
    content = pack()
    lang = _field(args, "lang")
    lang = lang if content.language(lang or "") else content.default_language.code
    sorry = flow.Step(
        flow.shared(content, lang, "error"), redirect=CallState(lang, content.flow.main)
    )
    return render(sorry)


def apology() -> Response:
    """Something broke: say sorry and give the help number, then try the main menu once."""
    try:
        content = pack()
        lang = _field(request.args, "lang")
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
    return restart(exc) if is_voice_path(request.path) else exc


def init_app(app) -> None:
    from .fallback_twiml import fallback_twiml_command

    app.register_blueprint(bp)
    app.cli.add_command(fallback_twiml_command)
    app.register_error_handler(404, on_routing_error)
    app.register_error_handler(405, on_routing_error)
