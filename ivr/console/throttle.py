"""Bounds on the CPU the staff console can take from the phone line.

The console and the Twilio webhooks share each gunicorn worker's threads and the machine's
cores. A wrong password costs a scrypt hash (~0.1 s of one core, on purpose), so a flood of
wrong logins from many names and addresses (a botnet never trips the per-name or per-address
locks) would otherwise keep every core hashing while callers wait. Three bounds:

* **One slow console request per worker** (:func:`slow_request_started`): any POST under
  /admin (logins, TTS builds, uploads, publishes) takes the worker's one slot or is refused at
  once with 503 and Retry-After; the worker's other threads stay free for /voice.
* **One login at a time on the machine** (:func:`login_turn`): a process lock plus an flock
  on ``DATA_DIR/login.lock``, held from the account's lock check to the recording of the
  failure, so parallel guesses at one name see each other's failures: 50 at once make at most
  5 password checks (the per-name limit), not one each.
* **A failure budget per worker** (:class:`PasswordGate`): wrong passwords, across all names
  and addresses, take from a bucket of ``FAILURE_BURST`` refilled at ``FAILURES_PER_MINUTE``;
  while it is empty, logins are refused without hashing (and before the session, the form
  or the database are touched). Right passwords never count.

Refusals raise :class:`Busy`; the login view turns it into a plain-words 429/503 answer.
"""

from __future__ import annotations

import fcntl
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, Response, current_app, g, has_app_context, request
from werkzeug.security import check_password_hash as _check_password_hash

from ..atomic import private_dir

FAILURES_PER_MINUTE = 12  # wrong passwords a worker hashes per minute, in the long run
FAILURE_BURST = 12  # ... and at most this many at once
LOGIN_WAIT = 1.0  # seconds a login waits for its turn before "busy"
SLOW_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SLOW_RETRY_AFTER = 5


class Busy(Exception):
    """Refused without checking the password; ``message`` says why in plain words."""

    def __init__(self, message: str, retry_after: int, status: int = 503) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = max(1, retry_after)
        self.status = status


class PasswordGate:
    """One password check at a time in this process, and a budget of wrong passwords: a
    bucket of ``burst`` that refills at ``per_minute``. A wrong password takes one; with
    none left, logins are refused without hashing until one has grown back. So a flood gets
    at most ``burst`` hashes at once, then one every ``60 / per_minute`` seconds per worker;
    right passwords never take from it."""

    def __init__(
        self,
        per_minute: float = FAILURES_PER_MINUTE,
        burst: float = FAILURE_BURST,
        wait: float = LOGIN_WAIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self.burst = burst
        self.wait = wait
        self.clock = clock
        self.checks = 0  # password hashes computed (tests and the benchmark read it)
        self._hashing = threading.Lock()
        self._lock = threading.Lock()
        self._tokens = burst
        self._at = clock()

    def _refill(self) -> float:
        now = self.clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.per_minute / 60)
        self._at = now
        return self._tokens

    def refusal(self) -> Busy | None:
        """Busy if the budget is spent (logins are refused without hashing), else None."""
        with self._lock:
            if self._refill() >= 1:
                return None
            wait = math.ceil((1 - self._tokens) * 60 / self.per_minute)
        return Busy(
            "Too many wrong passwords were tried on the console just now, so logins are "
            f"paused. Try again in {wait} seconds.",
            wait,
            status=429,
        )

    def check(self, password_hash: str, password: str) -> bool:
        """werkzeug's check_password_hash, within this process's bounds (or Busy)."""
        if busy := self.refusal():
            raise busy
        if not self._hashing.acquire(timeout=self.wait):
            raise Busy("The console is busy checking another login. Try again shortly.", 2)
        try:
            if busy := self.refusal():  # others may have spent the budget while this waited
                raise busy
            self.checks += 1
            ok = _check_password_hash(password_hash, password)
        finally:
            self._hashing.release()
        if not ok:
            with self._lock:
                self._refill()
                self._tokens -= 1
        return ok


_process_gate = PasswordGate()  # outside an app (scripts, tests of accounts alone)


def gate() -> PasswordGate:
    if has_app_context():
        return current_app.extensions.get("password_gate", _process_gate)
    return _process_gate


def check_password_hash(password_hash: str, password: str) -> bool:
    """What ``StaffAccounts.login`` calls: the password check, bounded (raises Busy)."""
    return gate().check(password_hash, password)


# -- one login at a time on the machine ------------------------------------------------------

_turn = threading.Lock()


@contextmanager
def login_turn(lock_file: Path, wait: float = LOGIN_WAIT) -> Iterator[None]:
    """Hold the machine's one login turn (this process's lock, then an flock shared by every
    worker) for the whole login; Busy if it is not free within ``wait`` seconds."""
    deadline = time.monotonic() + wait
    if not _turn.acquire(timeout=wait):
        raise Busy("The console is busy checking another login. Try again shortly.", 2)
    try:
        private_dir(lock_file.parent)
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise Busy(
                            "The console is busy checking another login. Try again shortly.", 2
                        ) from None
                    time.sleep(0.005)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
    finally:
        _turn.release()


def login(
    accounts: object,
    lock_file: Path,
    name: str,
    password: str,
    address: str,
    wait: float = LOGIN_WAIT,
) -> object:
    """``accounts.login(name, password, address)`` in the machine's login turn (or Busy)."""
    with login_turn(lock_file, wait):
        return accounts.login(name, password, address)  # type: ignore[attr-defined]


# -- one slow console request per worker -----------------------------------------------------


def busy_response(busy: Busy) -> Response:
    response = Response(busy.message + "\n", busy.status, mimetype="text/plain")
    response.headers["Retry-After"] = str(busy.retry_after)
    response.headers["Cache-Control"] = "no-store"
    return response


def slow_request_started() -> Response | None:
    """before_request: a console POST takes this worker's one slot, or is refused at once
    (waiting would hold a thread the phone line needs)."""
    path = request.path
    if request.method not in SLOW_METHODS or not (path == "/admin" or path.startswith("/admin/")):
        return None
    if request.endpoint == "console.login" and (busy := gate().refusal()):
        return busy_response(busy)  # before the session, the form and the database
    slot: threading.BoundedSemaphore = current_app.extensions["console_slot"]
    if not slot.acquire(blocking=False):
        return busy_response(
            Busy(
                "The console is busy with another request. Try again in a few seconds.",
                SLOW_RETRY_AFTER,
            )
        )
    g._console_slot = slot
    return None


def slow_request_ended(_exc: BaseException | None = None) -> None:
    slot = g.pop("_console_slot", None)
    if slot is not None:
        slot.release()


def init_app(app: Flask) -> None:
    app.extensions["password_gate"] = PasswordGate()
    app.extensions["console_slot"] = threading.BoundedSemaphore(1)
    # First of all before_request hooks: a refused request loads no session, reads no form.
    app.before_request_funcs.setdefault(None, []).insert(0, slow_request_started)
    app.teardown_request(slow_request_ended)
