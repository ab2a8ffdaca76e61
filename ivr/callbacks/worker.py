"""The worker process (the Procfile's `worker:`, `flask --app ivr callbacks run`).

Every second it places the callbacks that are due; every minute it deletes what must not be
kept (numbers older than 24 hours, lost calls, earlier days' per-caller counts) and test-calls
the transfer numbers whose last check is old, during their opening hours (ivr/destinations).
Any number of workers can run: the queue gives each callback to one of them. A database
that cannot be reached is logged and tried again; the loop never dies of it.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
SLOW_EVERY = 60.0


class Worker:
    def __init__(self, app: Any, clock: Callable[[], float] = time.time) -> None:
        self.callbacks = app.extensions["callbacks"]
        self.checks = app.extensions.get("destinations")
        self.clock = clock
        self._slow_at = float("-inf")

    def tick(self, now: float | None = None) -> None:
        now = self.clock() if now is None else now
        try:
            self.callbacks.place_due(now)
        except Exception:
            log.exception("callbacks: this round failed; trying again")
        if now - self._slow_at < SLOW_EVERY:
            return
        self._slow_at = now
        try:
            self.callbacks.queue.purge(now)
        except Exception:
            log.exception("callbacks: purge failed; trying again")
        if self.checks is not None:
            try:
                self.checks.run_due(now)
            except Exception:
                log.exception("destination checks: this round failed; trying again")

    def run(self, stop: threading.Event, poll: float = POLL_SECONDS) -> None:
        missing = self.callbacks.missing()
        if missing:
            log.warning("callbacks are off until %s are set", ", ".join(missing))
        log.info("worker started")
        while not stop.is_set():
            self.tick()
            stop.wait(poll)
        log.info("worker stopped")


def run_forever(app: Any) -> None:
    """Until SIGTERM (the platform stopping the dyno) or Ctrl-C."""
    stop = threading.Event()

    def _stop(signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    Worker(app).run(stop)
