"""Every process a test starts, stopped whatever happens (pytest plugin loaded by conftest.py).

Tests start gunicorn, PostgreSQL, one-off ``flask`` commands: through ``spawn`` (or the helpers
on top of it: ``start_server``, ``run``, the ``processes`` fixture) each one

- gets its own session and process group (``start_new_session``), so stopping it stops its
  children too (gunicorn's workers, the shell of a Procfile line);
- is registered until stopped: the ``processes`` fixture stops what its test started when the
  test ends (passed, failed, timed out), and ``stop_all`` -- run at the session's end, at exit,
  and on SIGTERM (which then interrupts pytest, so fixtures are torn down too) -- stops
  whatever is left (a module-scoped server, an interrupted run);
- dies with the thread that started it even if pytest itself is killed with SIGKILL, through
  Linux's parent-death signal (``setpriv --pdeathsig``; start them from the test's thread, not
  a short-lived helper thread, since the signal fires when the *thread* ends).

A server is ready when it answers HTTP (``wait_until_answering``): polled with a generous
deadline (60 s), never a fixed short read timeout, since on a busy machine a fresh gunicorn
can take many seconds to import the app after its port already accepts connections.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
READY_SECONDS = 60.0  # a fresh gunicorn on a machine whose cores are all busy
# gunicorn's quick shutdown (SIGTERM is its graceful one, a few seconds of polling workers):
# pass stop_signal=GUNICORN_QUICK_STOP for a gunicorn whose shutdown the test does not check.
GUNICORN_QUICK_STOP = signal.SIGINT

_SETPRIV = shutil.which("setpriv")
_lock = threading.Lock()
_running: dict[int, tuple[subprocess.Popen, int]] = {}  # pid (= its group) -> (process, signal)


def free_port() -> int:
    """A loopback port free right now (the server that binds it may still lose a race)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(
    command: Sequence[str],
    *,
    stop_signal: int = signal.SIGTERM,
    user: str | None = None,
    **popen: object,
) -> subprocess.Popen:
    """``subprocess.Popen(command, **popen)`` in its own process group, registered so that
    ``stop``/``stop_all`` end it and its children with ``stop_signal`` (then SIGKILL); run as
    ``user`` if given (we are root: PostgreSQL refuses to run as root)."""
    command = [str(word) for word in command]
    prefix = []
    if user:  # one setpriv for both: a change of user clears the parent-death signal
        prefix = [f"--reuid={user}", f"--regid={user}", "--init-groups"]
    if _SETPRIV:  # dies with us even if we are SIGKILLed (setpriv execs: same pid)
        name = signal.Signals(stop_signal).name.removeprefix("SIG")
        prefix += ["--pdeathsig", name]
    elif user:
        raise RuntimeError("running as another user needs setpriv (Debian's util-linux)")
    if prefix:
        command = [_SETPRIV, *prefix, "--", *command]
    process = subprocess.Popen(command, start_new_session=True, **popen)  # type: ignore[call-overload]
    with _lock:
        _running[process.pid] = (process, stop_signal)
    return process


def _signal_group(pid: int, signum: int) -> None:
    try:
        os.killpg(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass  # already gone


def stop(process: subprocess.Popen, grace: float = 10.0) -> None:
    """End ``process`` and its whole group: its stop signal, then SIGKILL after ``grace``
    seconds; it is reaped and unregistered. Safe to call twice."""
    with _lock:
        _, signum = _running.pop(process.pid, (process, signal.SIGTERM))
    if process.poll() is None:
        # The stop signal goes to the leader alone: gunicorn's master (the postmaster) stops
        # its own workers in order. Signalled together, a worker may quit first and the master
        # boot a replacement (once, a gunicorn took the whole 10 s grace to stop). Whatever is
        # left in the group is killed below.
        try:
            os.kill(process.pid, signum)
        except ProcessLookupError:
            pass
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            _signal_group(process.pid, signal.SIGKILL)
            process.wait(10)
    # Children the leader left behind (a worker still exiting) are in its group.
    _signal_group(process.pid, signal.SIGKILL)
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream:
            stream.close()


def stop_all() -> None:
    """Stop every process still registered."""
    with _lock:
        left = [process for process, _ in _running.values()]
    for process in left:
        stop(process, grace=5)


def run(
    command: Sequence[str], *, timeout: float = 120.0, **popen: object
) -> subprocess.CompletedProcess:
    """Like ``subprocess.run(command, capture_output=True, text=True)`` (a one-off ``flask``
    command, say), but spawned as above: stopped with its children on timeout or interrupt."""
    stdin = popen.pop("input", None)
    process = spawn(
        command,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )
    try:
        out, err = process.communicate(stdin, timeout=timeout)
    finally:
        stop(process)
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def wait_until_answering(
    url: str,
    process: subprocess.Popen | None = None,
    timeout: float = READY_SECONDS,
    describe: Callable[[], str] = str,
) -> None:
    """Poll ``url`` until it answers HTTP (any status) within ``timeout`` seconds; fail at
    once if ``process`` has exited. A request may wait as long as the deadline allows: a port
    that accepts but has no worker ready yet is not a failure."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{url}: the server exited ({process.returncode}){describe()}")
        if left <= 0:
            raise AssertionError(f"{url}: no answer within {timeout:g} s{describe()}")
        try:
            requests.get(url, timeout=(min(left, 5.0), left), allow_redirects=False)
            return
        except requests.ConnectionError:
            time.sleep(0.05)
        except requests.Timeout:
            pass


@dataclass
class Server:
    """A started HTTP server process: its base URL, its output (when it went to a file)."""

    process: subprocess.Popen
    base: str
    port: int
    log: Path | None = None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log and self.log.exists() else ""

    def stop(self) -> None:
        stop(self.process)


def start_server(
    command: Sequence[str] | Callable[[int], Sequence[str]],
    *,
    port: int | None = None,
    ready: str = "/",
    log: Path | None = None,
    timeout: float = READY_SECONDS,
    **popen: object,
) -> Server:
    """Start an HTTP server on 127.0.0.1 and return once it answers ``ready`` (a path).

    ``command`` is the argument list, or a function of the port giving it. Its stdout and
    stderr go to ``log`` (a file, shown when it fails to start) or are thrown away.
    """
    port = port or free_port()
    words = command(port) if callable(command) else command
    sink = log.open("wb") if log else subprocess.DEVNULL
    try:
        process = spawn(words, stdout=sink, stderr=subprocess.STDOUT, **popen)
    finally:
        if log:
            sink.close()
    server = Server(process, f"http://127.0.0.1:{port}", port, log)

    def describe() -> str:
        text = server.output()
        return f"; its output:\n{text[-4000:]}" if text else ""

    try:
        wait_until_answering(server.base + ready, process, timeout, describe)
    except BaseException:
        server.stop()
        raise
    return server


def procfile_web(port: int) -> list[str]:
    """The Procfile's web command (through bash, as Heroku runs it) bound to 127.0.0.1:port."""
    web = (ROOT / "Procfile").read_text().split("web:", 1)[1].splitlines()[0].strip()
    command = web.replace("0.0.0.0:$PORT", f"127.0.0.1:{port}")
    return ["bash", "-c", f"exec {command}"]


def gunicorn(app: str = "ivr.wsgi:app", workers: int = 1, threads: int = 4) -> Callable:
    """``gunicorn app`` bound to 127.0.0.1, no control socket (a command for
    ``start_server``)."""

    def command(port: int) -> list[str]:
        return [
            str(BIN / "gunicorn"),
            *("--bind", f"127.0.0.1:{port}", "--workers", str(workers)),
            *("--threads", str(threads), "--timeout", "30"),
            # as the Procfile: without it every gunicorn shares ~/.gunicorn/gunicorn.ctl, and
            # one whose socket another replaced hung on shutdown until killed
            "--no-control-socket",
            app,
        ]

    return command


def with_venv_path(env: dict[str, str]) -> dict[str, str]:
    """``env`` with the venv's bin/ first on PATH (the Procfile names bare ``gunicorn``)."""
    return {**env, "PATH": f"{BIN}:{env.get('PATH', os.environ.get('PATH', ''))}"}


class Processes:
    """The ``processes`` fixture: what one test starts, stopped when it ends."""

    def __init__(self) -> None:
        self._mine: list[subprocess.Popen] = []

    def spawn(self, command: Sequence[str], **options: object) -> subprocess.Popen:
        process = spawn(command, **options)
        self._mine.append(process)
        return process

    def server(self, command, **options) -> Server:
        server = start_server(command, **options)
        self._mine.append(server.process)
        return server

    def run(self, command: Sequence[str], **options: object) -> subprocess.CompletedProcess:
        return run(command, **options)

    def stop_all(self) -> None:
        while self._mine:
            stop(self._mine.pop())


@pytest.fixture
def processes() -> Iterator[Processes]:
    """Start servers and commands for one test (``processes.server(...)``,
    ``processes.spawn(...)``, ``processes.run(...)``); they are stopped when the test ends,
    however it ends."""
    mine = Processes()
    try:
        yield mine
    finally:
        mine.stop_all()


def _on_sigterm(signum: int, frame: object) -> None:
    # pytest tears fixtures down on KeyboardInterrupt; a SIGTERM (a CI's timeout, a killed
    # xdist worker) becomes one, and stop_all runs in any case.
    stop_all()
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config: pytest.Config) -> None:
    if threading.current_thread() is threading.main_thread():
        if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
            signal.signal(signal.SIGTERM, _on_sigterm)


def pytest_sessionfinish(session: pytest.Session) -> None:
    stop_all()


atexit.register(stop_all)
__all__ = [
    "BIN",
    "GUNICORN_QUICK_STOP",
    "READY_SECONDS",
    "ROOT",
    "Processes",
    "Server",
    "free_port",
    "gunicorn",
    "procfile_web",
    "run",
    "spawn",
    "start_server",
    "stop",
    "stop_all",
    "wait_until_answering",
    "with_venv_path",
]
