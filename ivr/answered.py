"""Already-rendered answers, served without Flask's request machinery.

On a busy line almost every webhook asks a question answered before (the language menu, the
main menu after key 1 in Spanish...), and ivr.twiml_cache holds that document. Building a
Flask request, routing it and making a Response costs more than the rest of such a webhook,
so this WSGI layer (inside SignedVoice, so only verified requests reach it) answers a signed
POST to /voice or /voice/<node> from the cache when the document is there for the current
pack and manifest, with the same bytes, headers, log line and counts (ivr.counts) as the Flask
view. A press of the text-message key is never answered here: its document is cached by how
the sending went, which only the view knows after sending. Everything
else, a cache miss, and any exception here go on to Flask unchanged, where the view renders
(and caches) the document and the error handlers make sure Twilio never gets a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from . import voice
from .security import FORM_KEY, TEST_CALL_KEY, form_fields

log = logging.getLogger(__name__)

STEP_PREFIX = voice.bp.url_prefix + "/"
STAFF = "/voice/staff"  # the staff recording line (ivr/staffline): never a cached answer


class CachedAnswers:
    """WSGI middleware: a signed webhook whose document is cached is answered right here."""

    def __init__(self, wsgi_app: Callable, app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.store = app.extensions["content"]
        self.cache = app.extensions["twiml_cache"]
        self.salt = app.config["SETTINGS"].log_salt.reveal()
        self.facts_max_age_days = app.config["SETTINGS"].facts_max_age_days
        self.counts = app.extensions.get("counts")
        self.texts = app.extensions.get("sms")

    def _count(self, found: list) -> None:
        if self.counts is not None:
            self.counts.add_all(found)

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        form = environ.get(FORM_KEY)
        if form is not None and not environ.get(TEST_CALL_KEY):
            # Verified by SignedVoice (a POST under /voice); a staff test call goes to the
            # view, which counts nothing and keeps its texts in the console's outbox.
            try:
                body = self._answer(environ, form)
            except Exception:  # Flask's view will answer, and report, properly
                log.debug("cached answer skipped", exc_info=True)
                body = None
            if body is not None:
                start_response(
                    "200 OK",
                    [
                        ("Content-Type", "text/xml; charset=utf-8"),
                        ("Content-Length", str(len(body))),
                    ],
                )
                return [body]
        return self.wsgi_app(environ, start_response)

    def _answer(self, environ: dict[str, Any], form: dict[str, str]) -> bytes | None:
        path = environ.get("PATH_INFO", "")
        if voice.machine_answered(form):
            return None  # the view hangs up on an answering machine
        snapshot = self.store.snapshot()
        generation = voice.generation(snapshot)
        if path == voice.bp.url_prefix:
            found = self.cache.get(generation, voice.ANSWER_KEY)
            if found is None:
                return None
            self._count(found[2])
            voice.log_answered(voice.tag(self.salt, form.get("CallSid", "")), snapshot.pack.version)
            return found[0].encode("utf-8")
        node = path[len(STEP_PREFIX) :] if path.startswith(STEP_PREFIX) else ""
        if not node or "/" in node or path in (voice.FALLBACK_PATH, voice.STATUS_PATH, STAFF):
            return None
        args: dict[str, str] = {}
        for name, value in form_fields(environ.get("QUERY_STRING", "").encode("latin-1")):
            args.setdefault(name, value)
        state = voice._state(node, args)
        texting = voice.can_text(self.texts, form, snapshot.pack, state)
        timed = voice.timed(snapshot.pack, state)
        inp = voice._input(form, self.facts_max_age_days, texting, timed)
        found = self.cache.get(generation, voice.step_key(state, inp))
        if found is None:
            return None
        self._count(found[2])
        voice.log_step(voice.tag(self.salt, form.get("CallSid", "")), state, inp, found[1])
        return found[0].encode("utf-8")
