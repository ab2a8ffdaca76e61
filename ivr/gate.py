"""Requests that may wait on the database never take all of a worker's threads.

A gunicorn worker has a few threads (the Procfile: 2) for everything it serves. The phone
line's webhooks never touch the database, but the staff console, the browser phone and an
audio file this machine has not cached do; if the database hangs (a stuck disk or network:
no error, just no answer) each of those requests holds its thread until it answers. A few of
them would then hold every thread, and the webhooks (and Twilio's fallback URL, which points
at the same workers) would wait behind them until Twilio gives up: the line goes silent.

So such a request must first take one of the worker's database slots, ``threads - 1`` of them
(at least 1): one thread stays free for webhooks whatever the database does. A request that
finds no slot free waits at most :data:`WAIT` seconds, and not at all while the slot holder
has been inside for more than :data:`STUCK` seconds (the database is slow, waiting would only
hold one more thread); then it is answered 503 with Retry-After. The slot is per request and
re-entrant per thread (the browser phone calls this app's own webhooks and audio in-process).

Gated: every request except the line's own paths (``/voice``, ``/audio``) and static files.
``/audio`` takes a slot itself, only for a file it must fetch from the database
(:mod:`ivr.audio.web`); a text message's daily quota too (:mod:`ivr.sms.quota`), or counts in
memory without one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask, Response, current_app, g, request

WAIT = 0.1  # seconds a request waits for a slot while the database answers normally
STUCK = 0.5  # a slot held this long means the database is slow: refuse at once
RETRY_AFTER = 10
LINE_PATHS = ("/voice", "/audio")
BUSY = (
    "La consola está ocupada o la base de datos tarda en contestar. Intente de nuevo en unos "
    "segundos. La línea telefónica sigue contestando.\n"
    "The console is busy or the database is slow to answer. Try again in a few seconds. The "
    "phone line keeps answering.\n"
)


class DatabaseGate:
    """``slots`` threads of this process at a time in requests that may wait on the database."""

    def __init__(
        self,
        slots: int,
        wait: float = WAIT,
        stuck: float = STUCK,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.slots = max(1, slots)
        self.wait = wait
        self.stuck = stuck
        self.clock = clock
        self.refused = 0  # requests answered 503 (tests and the benchmark read it)
        self._free = threading.BoundedSemaphore(self.slots)
        self._lock = threading.Lock()
        self._since: dict[int, float] = {}  # thread id -> when it took its slot
        self._depth = threading.local()

    def _held(self) -> int:
        return getattr(self._depth, "n", 0)

    def enter(self, wait: float | None = None) -> bool:
        """Take a slot (True), or False: none free within the wait. A thread that holds one
        already goes in again (and must leave as often)."""
        if self._held():
            self._depth.n += 1
            return True
        if not self._free.acquire(blocking=False):
            with self._lock:
                oldest = min(self._since.values(), default=self.clock())
            patience = self.wait if wait is None else wait
            if self.clock() - oldest > self.stuck or patience <= 0:
                return self._refuse()
            if not self._free.acquire(timeout=patience):
                return self._refuse()
        with self._lock:
            self._since[threading.get_ident()] = self.clock()
        self._depth.n = 1
        return True

    def leave(self) -> None:
        depth = self._held()
        if depth <= 0:
            return
        self._depth.n = depth - 1
        if depth == 1:
            with self._lock:
                self._since.pop(threading.get_ident(), None)
            self._free.release()

    def _refuse(self) -> bool:
        with self._lock:
            self.refused += 1
        return False

    @contextmanager
    def turn(self, wait: float | None = None) -> Iterator[bool]:
        """``with gate.turn() as inside:`` (leaves at the end if it got in)."""
        inside = self.enter(wait)
        try:
            yield inside
        finally:
            if inside:
                self.leave()


def gate() -> DatabaseGate | None:
    return current_app.extensions.get("db_gate")


def busy_response() -> Response:
    response = Response(BUSY, 503, mimetype="text/plain")
    response.headers["Retry-After"] = str(RETRY_AFTER)
    response.headers["Cache-Control"] = "no-store"
    return response


def _gated() -> bool:
    if request.path.startswith(LINE_PATHS):
        return False
    endpoint = request.endpoint or ""
    return not (endpoint == "static" or endpoint.endswith(".static"))


def request_started() -> Response | None:
    """before_request, first of all: a database-backed request takes a slot or is refused
    before it reads its session (which is in the database)."""
    slots = gate()
    if slots is None or not _gated():
        return None
    if not slots.enter():
        return busy_response()
    g._db_gate = slots
    return None


def request_ended(_exc: BaseException | None = None) -> None:
    slots = g.pop("_db_gate", None)
    if slots is not None:
        slots.leave()


def init_app(app: Flask, threads: int) -> DatabaseGate:
    """One gate per worker process: ``threads - 1`` slots (a worker serves ``threads``
    requests at once; gunicorn forks workers after this, each with its own copy)."""
    slots = DatabaseGate(max(1, threads - 1))
    app.extensions["db_gate"] = slots
    # Before every other hook (the console's login throttle and session lookup included).
    app.before_request_funcs.setdefault(None, []).insert(0, request_started)
    app.teardown_request(request_ended)
    return slots
