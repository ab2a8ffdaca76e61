"""No test leaves a process behind: a server started through tests/processes.py (with a child
of its own, as gunicorn has workers) is gone once the test that started it fails, once the
session is interrupted (Ctrl-C, SIGTERM), and even once pytest itself is killed (SIGKILL).

Each case runs a tiny pytest in a subprocess, with the same plugin the suite uses, and looks at
the pids the server wrote down."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from processes import READY_SECONDS, spawn, stop

TESTS = Path(__file__).resolve().parent

# A stand-in for gunicorn: a child of its own (a "worker"), its pids in a file, then HTTP.
SERVER = """
import http.server, os, subprocess, sys
worker = subprocess.Popen(["sleep", "300"])
with open(sys.argv[2] + ".tmp", "w") as out:
    out.write(f"{os.getpid()} {worker.pid}")
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
http.server.ThreadingHTTPServer(
    ("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler
).serve_forever()
"""

INNER = """
import sys, time
import pytest
from processes import start_server

SERVER = [sys.executable, {server!r}]
PIDS = {pids!r}


@pytest.fixture(scope="module")
def module_server():
    # started without the processes fixture and never stopped: the session's sweep stops it
    return start_server(lambda port: [*SERVER, str(port), PIDS + ".module"])


def test_fails(processes):
    processes.server(lambda port: [*SERVER, str(port), PIDS])
    assert False, "this test fails with its server running"


def test_fails_with_a_module_server(module_server):
    assert False


def test_interrupted(processes):
    processes.server(lambda port: [*SERVER, str(port), PIDS])
    raise KeyboardInterrupt


def test_waits(processes):
    processes.server(lambda port: [*SERVER, str(port), PIDS])
    open(PIDS + ".ready", "w").close()
    time.sleep(300)
"""


def inner_environment() -> dict[str, str]:
    # Only the plugin under test (xdist, hypothesis... would just slow each start down).
    return {**os.environ, "PYTHONPATH": str(TESTS), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def pids(path: Path) -> list[int]:
    return [int(word) for word in path.read_text().split()]


def gone(found: list[int], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while any(alive(pid) for pid in found) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not any(alive(pid) for pid in found)


@pytest.fixture
def inner(tmp_path):
    """Write the inner test file; returns (folder, pids file, command running one test)."""
    (tmp_path / "server.py").write_text(SERVER)
    path = tmp_path / "pids"
    code = INNER.format(server=str(tmp_path / "server.py"), pids=str(path))
    (tmp_path / "test_inner.py").write_text(code)

    def command(*tests: str) -> list[str]:
        return [
            sys.executable,
            *("-m", "pytest", "-p", "processes", "-p", "no:cacheprovider", "-q"),
            *(f"test_inner.py::{test}" for test in tests),
        ]

    return tmp_path, path, command


def run_inner(inner, *tests: str) -> subprocess.CompletedProcess:
    folder, _, command = inner
    env = inner_environment()
    return subprocess.run(
        command(*tests), cwd=folder, env=env, capture_output=True, text=True, timeout=120
    )


def test_failing_tests_leave_no_server_and_no_worker_behind(inner):
    # One started through the processes fixture (stopped when its test ends), one by a module
    # fixture that never stops it (stopped at the end of the session).
    result = run_inner(inner, "test_fails", "test_fails_with_a_module_server")
    assert "2 failed" in result.stdout, result.stdout + result.stderr
    found = pids(inner[1]) + pids(inner[1].with_suffix(".module"))
    assert len(found) == 4 and gone(found)


def test_an_interrupted_session_leaves_no_server_behind(inner):
    result = run_inner(inner, "test_interrupted")
    assert result.returncode == 2 and "KeyboardInterrupt" in result.stdout, result.stdout
    found = pids(inner[1])
    assert len(found) == 2 and gone(found)


def start_waiting(inner) -> subprocess.Popen:
    """The inner pytest, once its test waits with the server running."""
    folder, path, command = inner
    env = inner_environment()
    process = spawn(
        command("test_waits"),
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    ready = path.with_suffix(".ready")
    deadline = time.monotonic() + READY_SECONDS
    while not ready.exists():
        assert process.poll() is None, process.stdout.read()
        assert time.monotonic() < deadline, "the inner test never started its server"
        time.sleep(0.05)
    found = pids(path)
    assert all(alive(pid) for pid in found)
    return process


def test_a_session_ended_by_sigterm_leaves_no_server_behind(inner):
    process = start_waiting(inner)
    try:
        found = pids(inner[1])
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=60)[0]
        assert "KeyboardInterrupt" in output, output
        assert gone(found)
    finally:
        stop(process)


def test_a_killed_pytest_takes_its_server_along(inner):
    process = start_waiting(inner)
    try:
        server, _ = pids(inner[1])
        process.send_signal(signal.SIGKILL)  # no cleanup code runs in it at all
        process.wait(10)
        # The parent-death signal reaches the server itself (its worker is gunicorn's own
        # business: gunicorn's workers quit when their master goes).
        assert gone([server])
    finally:
        stop(process)
        try:  # this stand-in's "worker" does not quit with it: end it here
            os.killpg(server, signal.SIGKILL)
        except (ProcessLookupError, UnboundLocalError):
            pass


def test_a_server_is_waited_for_until_it_answers_not_a_fixed_few_seconds(processes, tmp_path):
    # Its port accepts connections at once, but it answers only after 5.5 s (a gunicorn still
    # importing the app on a busy machine): a fixed 5 s read timeout would fail here.
    slow = tmp_path / "slow.py"
    slow.write_text(
        "import http.server, socketserver, sys, time\n"
        "class Slow(http.server.SimpleHTTPRequestHandler):\n"
        "    def do_GET(self):\n"
        "        time.sleep(max(0, START + 5.5 - time.time()))\n"
        "        super().do_GET()\n"
        "START = time.time()\n"
        "http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), Slow).serve_forever()\n"
    )
    started = time.monotonic()
    server = processes.server(lambda port: [sys.executable, slow, str(port)], cwd=tmp_path)
    assert time.monotonic() - started >= 5.2
    assert requests.get(server.base + "/", timeout=30).status_code == 200
