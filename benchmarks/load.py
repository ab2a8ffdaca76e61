"""Load benchmark: many whole simulated calls at once against the Procfile's gunicorn.

    .venv/bin/python benchmarks/load.py [--concurrency 200] [--calls 1000] [--seconds 30]

Starts two servers on 127.0.0.1 with the Procfile's gunicorn settings: the hotline, and a
minimal Flask app answering every request with one constant TwiML document. Phases alternate
(hotline, constant, hotline, constant...) so machine noise hits both. Each simulated call is
a whole call through the emulator — language, menus, guidance, transfer, back to the menu —
signed like Twilio and checked like Twilio. Media is not fetched: Twilio caches <Play> audio,
so the webhooks are what scale with calls. Each request opens its own connection (see
`HttpTransport`), for both apps alike. Every phase stops after `--calls` calls or
`--seconds` seconds, whichever comes first.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shlex
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ivr.config import load_settings  # noqa: E402
from ivr.content import load_pack  # noqa: E402
from ivr.sim import Call, HttpTransport, ScriptedCaller  # noqa: E402
from ivr.sim import events as ev  # noqa: E402
from ivr.sim.guidance import plan, transfer_after  # noqa: E402

TOKEN = "load-benchmark-token"
HOST = "127.0.0.1"  # loopback only, whatever the Procfile binds to


@dataclass
class Phase:
    name: str
    round: int
    calls: int = 0
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    first_error: str = ""
    server_cpu: float = 0.0  # CPU seconds the gunicorn processes spent in this phase

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def procfile_command(app_spec: str, port: int) -> list[str]:
    """The Procfile's web command, bound to loopback, serving `app_spec`."""
    line = next(
        line.split(":", 1)[1]
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line.startswith("web:")
    )
    env = {**os.environ, "PORT": str(port)}
    # ${NAME:-default} as the shell expands it, then $PORT
    expanded = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: env.get(m[1], m[2]), line)
    expanded = expanded.replace("$PORT", str(port))
    words = shlex.split(expanded)
    words = [w.replace("0.0.0.0:", f"{HOST}:") for w in words]
    words[-1] = app_spec  # the app to serve is the command's last word
    words[words.index("--access-logfile") + 1] = "/dev/null"  # same formatting work, no noise
    words[0] = str(Path(sys.executable).with_name("gunicorn"))
    return words


def procfile_default(name: str) -> str:
    """The value a Procfile setting has here: the environment's, else the Procfile's default."""
    match = re.search(r"\$\{" + name + r":-([^}]*)\}", (ROOT / "Procfile").read_text())
    return os.environ.get(name, match[1] if match else "?")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its direct children (gunicorn's workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(
    app_spec: str,
    env: dict[str, str] | None = None,
    ready: str = "/voice",
    *,
    stderr: int = subprocess.DEVNULL,
    start_new_session: bool = False,
) -> tuple[subprocess.Popen, str]:
    """The Procfile's gunicorn serving `app_spec` (with `env` added to the environment) on a
    free loopback port, once it answers HTTP at `ready`; returns it and its /voice URL.
    ``stderr=subprocess.PIPE`` keeps gunicorn's error log for the caller to read (and says
    it if gunicorn exits first); ``start_new_session`` lets the caller stop its whole group."""
    port = free_port()
    env = {**os.environ, "HOTLINE_ENV": "production", "TWILIO_AUTH_TOKEN": TOKEN, **(env or {})}
    process = subprocess.Popen(
        procfile_command(app_spec, port),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        text=True,
        start_new_session=start_new_session,
    )
    base = f"http://{HOST}:{port}"
    # Ready when it answers (any status), not when the port accepts: a worker may still be
    # importing the app then. Generous on a busy machine; each try may wait that long too.
    deadline = time.monotonic() + 60
    while (left := deadline - time.monotonic()) > 0:
        if process.poll() is not None:
            said = f":\n{process.stderr.read()}" if process.stderr else ""
            raise SystemExit(f"gunicorn for {app_spec} exited with {process.returncode}{said}")
        try:
            with urllib.request.urlopen(base + ready, timeout=left):
                pass
            return process, f"{base}/voice"
        except urllib.error.HTTPError:  # an answer all the same (405 for GET /voice)
            return process, f"{base}/voice"
        except (OSError, http.client.HTTPException):
            time.sleep(0.1)
    process.terminate()
    raise SystemExit(f"gunicorn for {app_spec} did not answer within 60 s")


def scripts() -> list[list[str]]:
    """Keys for a whole call in each language: language, menus to the active MPP guidance,
    then the transfer offered after it."""
    pack = load_pack(load_settings().content_dir)
    situation = pack.situations().get("active MPP case") or next(iter(pack.situations().values()))
    transfer = transfer_after(pack, situation)
    return [
        [key for key, _ in plan(pack, lang.code, situation)] + [transfer.key]
        for lang in pack.languages
    ]


_sessions = threading.local()


def one_call(url: str, keys: list[str]) -> ev.Transcript:
    if not hasattr(_sessions, "transport"):
        _sessions.transport = HttpTransport(keep_alive=False)
    return Call(_sessions.transport, url, auth_token=TOKEN).run(ScriptedCaller(keys, ["busy"]))


def run_phase(
    phase: Phase,
    server: tuple[subprocess.Popen, str],
    keys: list[list[str]],
    args: argparse.Namespace,
) -> Phase:
    process, url = server
    deadline = time.monotonic() + args.seconds
    lock = threading.Lock()

    def worker(n: int) -> None:
        if time.monotonic() > deadline:
            return
        transcript = one_call(url, keys[n % len(keys)])
        requests = transcript.of(ev.Request)
        with lock:
            phase.calls += 1
            phase.requests += len(requests)
            phase.latencies.extend(r.latency for r in requests)
            if transcript.errors:
                phase.errors += 1
                phase.first_error = phase.first_error or transcript.errors[0].message

    started, cpu = time.monotonic(), cpu_seconds(process.pid)
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        list(pool.map(worker, range(args.calls)))
    phase.seconds = time.monotonic() - started
    phase.server_cpu = cpu_seconds(process.pid) - cpu
    return phase


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrency", type=int, default=200, help="calls in flight at once")
    parser.add_argument("--calls", type=int, default=1000, help="calls per phase at most")
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds per phase at most")
    parser.add_argument("--rounds", type=int, default=2, help="hotline/constant alternations")
    args = parser.parse_args(argv)

    keys = scripts()
    servers = {
        "hotline": start_server("ivr:create_app()"),
        "constant": start_server("ivr.sim.fake:constant_app()"),
    }
    phases: list[Phase] = []
    print(header(), flush=True)
    try:
        for _, url in servers.values():
            one_call(url, keys[0])  # warm up: imports, content pack, first connections
        for round_ in range(1, args.rounds + 1):
            for name, server in servers.items():
                phase = run_phase(Phase(name, round_), server, keys, args)
                phases.append(phase)
                print(row(phase), flush=True)
    finally:
        for process, _ in servers.values():
            process.terminate()
        for process, _ in servers.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    print(summary(phases, args))
    return 1 if any(p.errors for p in phases) else 0


def header() -> str:
    return (
        f"{'app':<9} {'round':>5} {'calls':>6} {'requests':>9} {'req/s':>8} "
        f"{'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'server CPU ms/req':>18}"
    )


def row(p: Phase) -> str:
    return (
        f"{p.name:<9} {p.round:>5} {p.calls:>6} {p.requests:>9} {p.rate:>8.1f} "
        f"{p.percentile(0.50):>8.1f} {p.percentile(0.99):>8.1f} {p.errors:>7}"
        f" {1000 * p.server_cpu / max(p.requests, 1):>18.2f}"
        + (f"   first error: {p.first_error}" if p.first_error else "")
    )


def summary(phases: list[Phase], args: argparse.Namespace) -> str:
    def total(name: str) -> tuple[float, int, list[float]]:
        mine = [p for p in phases if p.name == name]
        rate = sum(p.requests for p in mine) / sum(p.seconds for p in mine)
        latencies = [x for p in mine for x in p.latencies]
        return rate, sum(p.errors for p in mine), latencies

    hot_rate, hot_errors, hot_lat = total("hotline")
    const_rate, const_errors, _ = total("constant")
    ratio = hot_rate / const_rate if const_rate else 0.0
    median = statistics.median(hot_lat) * 1000 if hot_lat else 0.0
    return (
        f"\n{args.concurrency} concurrent calls, Procfile gunicorn on {HOST} "
        f"(WEB_CONCURRENCY={procfile_default('WEB_CONCURRENCY')}, "
        f"GUNICORN_THREADS={procfile_default('GUNICORN_THREADS')}).\n"
        f"hotline {hot_rate:.1f} req/s vs constant TwiML {const_rate:.1f} req/s: "
        f"{ratio:.2f}x (target >= 0.8x); hotline median latency {median:.1f} ms; "
        f"errors: hotline {hot_errors}, constant {const_errors} (target 0)."
    )


if __name__ == "__main__":
    sys.exit(main())
