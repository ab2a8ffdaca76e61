"""Privacy-safe counts of what callers need: how many, per day x language x node x event.

Only totals are ever written — ``counts(day, lang, node, event, detail, count)`` — never a
phone number, a CallSid, or a row per call. A webhook only adds to a dictionary in memory
(microseconds, under a lock); a background thread, started lazily in each worker process
(after gunicorn forks), adds the totals to the table every few seconds with one UPSERT per
key. If the database is down the totals stay in memory and are retried (up to MAX_KEYS
distinct keys; beyond that new keys are dropped and the loss is logged as a number). Nothing
here can fail or slow a call.

Events (`lang` is "" before a language is chosen; `node` is the flow node):

    call_answered         ""     ""          a call reached the line
    call_ended            ""     ""          Twilio's status callback; detail = CallStatus
    language_chosen       <lang> language    the caller pressed a language's key
    menu_offered          <lang> <menu>      a menu was played and waits for a key
    menu_reply            <lang> <menu>      ... and Twilio posted the answer: detail = key |
                                             silence | invalid.  offered - reply = callers who
                                             hung up while that menu (or the guidance before
                                             it) played: "where callers give up".
    chosen                <lang> <target>    a menu option taken; target = the node it leads to
                                             (a situation's first node, a city page, a transfer)
    repeated              <lang> <node>      the repeat key replayed <node>
    helped_after_silence  <lang> <menu>      no valid key after every re-prompt; detail =
                                             silence | wrong_key
    ended_by_key          <lang> <menu>      the caller pressed the end-call key
    transfer_started      <lang> <transfer>  detail = organization id
    transfer_<outcome>    <lang> <transfer>  completed | busy | no-answer | failed | canceled |
                                             other; detail = organization id
    sms_sent / sms_failed / sms_over_quota   from ivr.sms (detail = why it failed)
    closed_transfer       <lang> <transfer>  the office was closed (opening hours): no transfer,
                                             the caller heard when it opens; detail = org id
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from .content import ContentPack, NodeKind
from .db import schema, upsert
from .flow import ANSWERED, LANGUAGE_MENU, CallState, Input, Step
from .security import twilio_signed

log = logging.getLogger(__name__)

# day is the ISO date ("2026-12-01") as text: the same on SQLite and PostgreSQL.
counts_table = schema.counts

FLUSH_EVERY = 5.0  # seconds
MAX_KEYS = 20_000  # distinct unsaved keys kept while the database is down
FIELD = 64  # longest node/detail stored (URLs are forged sometimes)
DIAL_OUTCOMES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
CALL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})


@dataclass(frozen=True)
class Key:
    day: date
    lang: str
    node: str
    event: str
    detail: str


def today_utc() -> date:
    return datetime.now(UTC).date()


def _clean(value: str | None) -> str:
    value = value or ""
    return value[:FIELD] if value.isascii() else ""


class Counts:
    """`add()` from any thread; `flush()` writes; a daemon thread flushes every few seconds."""

    def __init__(
        self,
        engine: Engine | None = None,
        flush_every: float | None = FLUSH_EVERY,
        max_keys: int = MAX_KEYS,
        today=today_utc,
    ) -> None:
        self.engine = engine
        self.flush_every = flush_every
        self.max_keys = max_keys
        self.today = today
        self.dropped = 0
        self._pid = -1
        self._reset()

    def _reset(self) -> None:
        # A forked worker starts empty: the parent's unsaved totals are the parent's to write.
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._pending: dict[Key, int] = {}
        self._stop = threading.Event()
        self._pid = os.getpid()
        self._thread: threading.Thread | None = None

    def add(self, lang: str, node: str, event: str, detail: str = "", n: int = 1) -> None:
        try:
            if self._pid != os.getpid():
                self._reset()
            key = Key(self.today(), _clean(lang), _clean(node), _clean(event), _clean(detail))
            with self._lock:
                if key in self._pending:
                    self._pending[key] += n
                elif len(self._pending) < self.max_keys:
                    self._pending[key] = n
                else:
                    self.dropped += n
            if self._thread is None and self.flush_every and self.engine is not None:
                self._start()
        except Exception:  # noqa: BLE001 — counting never fails a call
            log.exception("counting failed")

    def add_all(self, events: Iterable[tuple[str, str, str, str]]) -> None:
        for lang, node, event, detail in events:
            self.add(lang, node, event, detail)

    def pending(self) -> dict[Key, int]:
        with self._lock:
            return dict(self._pending)

    def flush(self) -> bool:
        """Add the totals to the table; False (totals kept for the next try) if it failed."""
        if self.engine is None:
            return False
        with self._flush_lock:
            with self._lock:
                batch, self._pending = self._pending, {}
            if not batch:
                return True
            try:
                with self.engine.begin() as conn:
                    for key, n in batch.items():
                        values = dict(
                            day=key.day.isoformat(),
                            lang=key.lang,
                            node=key.node,
                            event=key.event,
                            detail=key.detail,
                            count=n,
                        )
                        stmt = upsert(conn, counts_table).values(**values)
                        conn.execute(
                            stmt.on_conflict_do_update(
                                index_elements=["day", "lang", "node", "event", "detail"],
                                set_={"count": counts_table.c.count + stmt.excluded.count},
                            )
                        )
                return True
            except SQLAlchemyError as exc:
                log.warning("counts not saved yet (%s); kept to retry", type(exc).__name__)
                with self._lock:
                    for key, n in batch.items():
                        if key in self._pending or len(self._pending) < self.max_keys:
                            self._pending[key] = self._pending.get(key, 0) + n
                        else:
                            self.dropped += n
                if self.dropped:
                    log.warning(
                        "counts: %d events dropped while the database was down", self.dropped
                    )
                return False

    def close(self) -> None:
        self._stop.set()
        self.flush()

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="counts-flush", daemon=True)
        self._thread.start()
        atexit.register(self.flush)

    def _run(self) -> None:
        while not self._stop.wait(self.flush_every):
            try:
                self.flush()
            except Exception:  # noqa: BLE001 — the thread must outlive any surprise
                log.exception("counts flush failed")


def read_counts(engine: Engine, start: date, end: date) -> list[Any]:
    """Rows (day as a date, lang, node, event, detail, count) with start <= day <= end."""
    query = (
        select(counts_table)
        .where(counts_table.c.day >= start.isoformat(), counts_table.c.day <= end.isoformat())
        .order_by(counts_table.c.day)
    )
    # A read: on the embedded SQLite file it must not take the write lock (ivr.db).
    with engine.connect().execution_options(hotline_read=True) as conn:
        return [
            (date.fromisoformat(day), lang, node, event, detail, n)
            for day, lang, node, event, detail, n in conn.execute(query)
        ]


# -- what a webhook step means, in events ------------------------------------------------------


def answer_events(step: Step) -> list[tuple[str, str, str, str]]:
    """A call reached the line (`flow.answer`)."""
    return [("", "", "call_answered", "")] + _offered(step)


def step_events(
    pack: ContentPack, state: CallState, inp: Input, step: Step
) -> list[tuple[str, str, str, str]]:
    """The events of one webhook: the caller's input at `state`, and the `step` answered."""
    events: list[tuple[str, str, str, str]] = []
    flow = pack.flow
    if state.lang is None or state.node == LANGUAGE_MENU:
        events.append(("", LANGUAGE_MENU, "menu_reply", _reply(inp)))
        chosen = next((lang for lang in pack.languages if lang.key == inp.key), None)
        if chosen is not None:
            events.append((chosen.code, LANGUAGE_MENU, "language_chosen", ""))
        elif inp.key == flow.keys.get("end_call"):
            events.append(("", LANGUAGE_MENU, "ended_by_key", ""))
        elif inp.key not in (flow.keys.get("repeat"), flow.keys.get("main_menu")):
            if state.tries >= flow.retries:
                events.append(("", LANGUAGE_MENU, "helped_after_silence", _why(inp)))
        return events + _offered(step) + _dialled(pack, step)
    lang = state.lang
    node = flow.nodes.get(state.node)
    if node is None or pack.language(lang) is None:
        return events + _offered(step)
    if node.kind is NodeKind.TRANSFER and inp.dial_status is not None:
        outcome = "completed" if inp.dial_status in ANSWERED else inp.dial_status
        outcome = outcome if outcome in DIAL_OUTCOMES else "other"
        events.append((lang, node.id, f"transfer_{outcome}", _org(pack, node.number)))
    elif node.kind is NodeKind.MENU and inp.dial_status is None:
        events.append((lang, node.id, "menu_reply", _reply(inp)))
        key = inp.key
        option = node.option(key) if key else None
        function = flow.key_function(key) if key else None
        if option is not None:
            events.append((lang, option.goto, "chosen", ""))
            target = flow.nodes.get(option.goto)
            if target is not None and target.kind is NodeKind.TRANSFER and step.dial is None:
                events.append((lang, option.goto, "closed_transfer", _org(pack, target.number)))
        elif function == "repeat":
            events.append((lang, node.repeat or node.id, "repeated", ""))
        elif function == "end_call":
            events.append((lang, node.id, "ended_by_key", ""))
        elif function is None and state.tries >= flow.retries:
            events.append((lang, node.id, "helped_after_silence", _why(inp)))
    return events + _offered(step) + _dialled(pack, step)


def _reply(inp: Input) -> str:
    if inp.key is not None:
        return "key"
    return "silence" if inp.silent else "invalid"


def _why(inp: Input) -> str:
    return "silence" if inp.silent else "wrong_key"


def _offered(step: Step) -> list[tuple[str, str, str, str]]:
    if step.gather is None:
        return []
    return [(step.gather.lang or "", step.gather.node, "menu_offered", "")]


def _dialled(pack: ContentPack, step: Step) -> list[tuple[str, str, str, str]]:
    if step.dial is None or step.dial_action is None:
        return []
    action = step.dial_action
    return [(action.lang or "", action.node, "transfer_started", _org(pack, step.dial.number_id))]


def _org(pack: ContentPack, number_id: str | None) -> str:
    number = pack.numbers.get(number_id or "")
    return number.org if number else ""


# -- wiring: ivr/voice.py and ivr/answered.py add each step's events; Twilio's call status
# callback says how calls end -------------------------------------------------------------------

status_bp = Blueprint("call_status", __name__, url_prefix="/voice")


@twilio_signed
def _count_call_end() -> Response:
    status = request.form.get("CallStatus", "")
    counts = current_app.extensions.get("counts")
    if counts is not None:
        counts.add("", "", "call_ended", status if status in CALL_STATUSES else "other")
    return Response(status=204)


@status_bp.post("/status")
def call_status() -> Response:
    """Twilio's call status callback (set on the number: "Call status changes" ->
    POST https://<host>/voice/status). Counts how calls end; reads nothing else."""
    try:
        return _count_call_end()
    except HTTPException as exc:
        return Response(status=403 if exc.code == 403 else 204)
    except Exception:  # noqa: BLE001 — Twilio is answered whatever happens
        log.exception("call status callback failed")
        return Response(status=204)


def init_app(app: Flask, engine: Engine | None, flush_every: float | None = FLUSH_EVERY) -> Counts:
    """Count calls on `app` into `engine` (the store's ``app.extensions["db"].engine``): the
    voice webhooks add their events (ivr.voice.count), POST /voice/status how calls end."""
    if "counts" in app.extensions:
        return app.extensions["counts"]
    counts = Counts(engine, flush_every=flush_every)
    app.extensions["counts"] = counts
    app.register_blueprint(status_bp)
    return counts
