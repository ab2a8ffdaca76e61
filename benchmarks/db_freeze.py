"""The phone line while its PostgreSQL hangs: webhook latency, quiet and during a freeze.

    .venv/bin/python benchmarks/db_freeze.py [--seconds 15] [--rate 20] [--misses 24] [--pages 4]

A throwaway PostgreSQL (tests/pgserver.py: initdb on a free loopback port), with a staff
account and two published versions made by one-off `flask` processes (so the first one's
audio is in the database but in no machine's cache), and the hotline under the Procfile's
gunicorn command (2 workers x 2 threads unless WEB_CONCURRENCY/GUNICORN_THREADS say
otherwise) with DATABASE_URL pointing at it. A Python client sends signed webhooks of whole
calls at a steady `--rate` through three phases of `--seconds` each:

  quiet    webhooks only
  busy     plus `--misses` clients asking for audio the machine has not cached (made-up
           names, and every fourth client an older version's real file, which only the
           database has) and `--pages` logged-in clients loading a console page, each
           pausing `--pause` seconds after every answer
  frozen   the same, with the database stopped by SIGSTOP (the postmaster and every backend:
           alive, the kernel still acknowledges its sockets, but no answer ever comes, as with
           a stuck disk or network)

The database is always woken (SIGCONT) at the end, even on an error. Printed: the webhooks'
p50/p99/max and failures per phase, and what the audio and console requests got (404 from
memory, 503 refused, or still unanswered at the end of the phase). The aim: no webhook fails
during the freeze, and its p99 stays near the busy phase's, far within Twilio's 15 s.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from flood import percentile, webhook_probe  # noqa: E402
from load import TOKEN, start_server  # noqa: E402
from webhooks import recorded_webhooks  # noqa: E402

PASSWORD = "freeze benchmark password"
PROMPT = "safety.notice"  # a prompt whose words two versions change (each with new audio)


# -- freezing PostgreSQL ---------------------------------------------------------------------


def postgres_pids(data_dir: Path) -> list[int]:
    """The postmaster (first line of postmaster.pid) and every process it forked."""
    postmaster = int((Path(data_dir) / "postmaster.pid").read_text().split()[0])
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        if int(fields[1]) == postmaster:
            children.append(int(stat.parent.name))
    return [postmaster, *children]


def thaw(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass


@contextmanager
def frozen(data_dir: Path) -> Iterator[list[int]]:
    """PostgreSQL stopped (SIGSTOP) inside the block; always woken (SIGCONT) after it."""
    pids = postgres_pids(data_dir)
    try:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:
                pass  # a backend whose connection closed since the list was made
        yield pids
    finally:
        thaw(pids)


# -- the hotline ---------------------------------------------------------------------------


def environment(url: str, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HOTLINE_ENV": "production",
        "TWILIO_AUTH_TOKEN": TOKEN,
        "SECRET_KEY": "freeze-benchmark-" + "k" * 32,
        "DATABASE_URL": url,
        "DATA_DIR": str(data_dir),
        "TTS_ENGINE": "espeak",
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }


def prepare(url: str, data_dir: Path) -> None:
    """A staff account, and three versions of one prompt's words (each with its audio): the
    first two versions' files are then only in the database. Made in this process, as
    `flask staff add` and `flask content set-text` make them (a process each took 5 s)."""
    from ivr import create_app

    app = create_app({"ENV": environment(url, data_dir)})
    try:
        app.extensions["staff"].add("ana", PASSWORD)
        for words in ("Primera versión.", "Segunda versión.", "Tercera versión."):
            app.extensions["publisher"].set_text("es", PROMPT, words, author="ana")
    finally:
        app.extensions["db"].close()


def older_audio(url: str, data_dir: Path) -> str | None:
    """/audio/es/<file> of the first version's audio of PROMPT (in the database only)."""
    import sqlalchemy as sa

    from ivr.db import Database
    from ivr.db.schema import audio

    database = Database(url)
    try:
        with database.connect() as conn:
            files = conn.execute(
                sa.select(audio.c.file).where(audio.c.lang == "es").order_by(audio.c.file)
            ).scalars()
            names = [f for f in files if f.startswith(PROMPT + ".")]
    finally:
        database.close()
    cached = {p.name for p in (Path(data_dir) / "cache" / "audio" / "es").glob("*.wav")}
    for name in names:
        if name not in cached:
            return f"/audio/es/{name}"
    return None


@contextmanager
def gunicorn(url: str, data_dir: Path) -> Iterator[str]:
    env = environment(url, data_dir)
    env.setdefault("WEB_CONCURRENCY", "2")
    env.setdefault("GUNICORN_THREADS", "2")
    process, voice = start_server("ivr.wsgi:app", env, ready="/admin/login", start_new_session=True)
    try:
        yield voice.removesuffix("/voice")
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


def _over_http(browser: requests.Session) -> None:
    # Production marks the console's cookie Secure (https only); this loopback test server
    # speaks plain http, so the client is told to send it anyway.
    for cookie in browser.cookies:
        cookie.secure = False


def logged_in(base: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(f"{base}/admin/login", timeout=10).text
    _over_http(browser)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    form = {"name": "ana", "password": PASSWORD, "csrf_token": token, "next": ""}
    reply = browser.post(
        f"{base}/admin/login", data=form, timeout=30, allow_redirects=False
    )
    _over_http(browser)
    if reply.status_code != 302 or "/admin/login" in reply.headers.get("Location", ""):
        raise RuntimeError(f"login failed: {reply.status_code}")
    return browser


# -- the pressure: audio misses and console pages --------------------------------------------

STUCK_AFTER = 1.0  # a request unanswered this long at the end of a phase counts as stuck


@dataclass
class Pressure:
    pause: float
    answers: Counter = field(default_factory=Counter)  # "audio(made-up) 404", "page 503", ...
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: dict[int, float] = field(default_factory=dict)  # client -> when it asked

    def so_far(self) -> Counter:
        """The answers until now, and the requests still unanswered after STUCK_AFTER."""
        with self.lock:
            found = Counter(self.answers)
            now = time.monotonic()
            stuck = sum(1 for at in self.in_flight.values() if now - at > STUCK_AFTER)
            if stuck:
                found[f"unanswered after {STUCK_AFTER:g} s"] = stuck
            return found

    def client(self, n: int, kind: str, fetch) -> None:
        while not self.stop.is_set():
            with self.lock:
                self.in_flight[n] = time.monotonic()
            try:
                reply = fetch()
                status = str(reply.status_code)
                if reply.history:  # followed a redirect: say from where
                    status = f"{reply.history[0].status_code}->{status}"
            except requests.Timeout:
                status = "no answer"
            except requests.RequestException as error:
                status = type(error).__name__
            with self.lock:
                self.in_flight.pop(n, None)
                if not self.stop.is_set():
                    self.answers[f"{kind} {status}"] += 1
            self.stop.wait(self.pause)


def start_pressure(
    base: str,
    misses: int,
    sessions: list[requests.Session],
    known_miss: str | None,
    pause: float,
    timeout: float,
) -> Pressure:
    """`misses` clients asking for audio this machine has not cached (made-up names; every
    fourth the known file only the database has), and one client per logged-in session
    loading a console page, each pausing `pause` seconds after every answer."""
    pressure = Pressure(pause)

    def made_up() -> requests.Response:
        name = f"{PROMPT}.{secrets.token_hex(6)}.wav"
        return requests.get(f"{base}/audio/es/{name}", timeout=timeout)

    def older() -> requests.Response:
        return requests.get(f"{base}{known_miss}", timeout=timeout)

    jobs = []
    for i in range(misses):
        fetch = older if known_miss and i % 4 == 0 else made_up
        jobs.append(("audio(db)" if fetch is older else "audio(made-up)", fetch))
    for browser in sessions:

        def page(browser=browser) -> requests.Response:
            reply = browser.get(f"{base}/admin/versions", timeout=timeout, allow_redirects=False)
            _over_http(browser)  # the answer renews the session cookie
            return reply

        jobs.append(("page", page))
    for n, (kind, fetch) in enumerate(jobs):
        thread = threading.Thread(target=pressure.client, args=(n, kind, fetch), daemon=True)
        pressure.threads.append(thread)
        thread.start()
    return pressure


def stop_pressure(pressure: Pressure, wait: float) -> None:
    pressure.stop.set()
    for thread in pressure.threads:
        thread.join(wait)


# -- the run ---------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    latencies: list[float]
    answers: Counter = field(default_factory=Counter)

    @property
    def failed(self) -> int:
        return sum(1 for x in self.latencies if x == float("inf"))

    def p(self, q: float) -> float:
        return percentile(self.latencies, q)

    def line(self) -> str:
        worst = max(self.latencies, default=0.0)
        worst_ms = "never" if worst == float("inf") else f"{worst * 1000:.0f} ms"
        return (
            f"{self.name:<7} webhooks {len(self.latencies):>5}  p50 {self.p(0.5):7.1f} ms  "
            f"p99 {self.p(0.99):7.1f} ms  max {worst_ms}  failed {self.failed}"
        )


def run(
    url: str,
    postgres_data: Path,
    work: Path,
    seconds: float,
    rate: float,
    misses: int,
    pages: int,
    pause: float = 0.5,
    webhooks: list[tuple[str, dict[str, str]]] | None = None,
    compare: bool = True,
) -> list[Phase]:
    """Quiet, busy (the same pressure, the database up), frozen; then the console again.
    Without ``compare`` only the frozen phase and the console after it (the test's run: its
    claims are about those). The database is woken whatever happens."""
    data = Path(work) / "data"
    prepare(url, Path(work) / "one-off")
    webhooks = webhooks or recorded_webhooks()
    phases = []
    with gunicorn(url, data) as base:
        webhook_probe(base, rate, 2, webhooks)  # warm up: every answer rendered once
        if compare:
            quiet = [x for _, x in webhook_probe(base, rate, seconds, webhooks)]
            phases.append(Phase("quiet", quiet))
        sessions = [logged_in(base) for _ in range(pages)]  # before: logging in needs it
        for name in ("busy", "frozen") if compare else ("frozen",):
            known_miss = older_audio(url, data)  # one the database only has (each phase its own)
            with frozen(postgres_data) if name == "frozen" else nullcontext():
                pressure = start_pressure(
                    base, misses, sessions, known_miss, pause, timeout=seconds + 10
                )
                time.sleep(0.5)  # under way (when frozen: the first requests are stuck by now)
                latencies = [x for _, x in webhook_probe(base, rate, seconds, webhooks)]
                phases.append(Phase(name, latencies, pressure.so_far()))
                pressure.stop.set()
            stop_pressure(pressure, wait=seconds + 15)
        # Awake again: the console answers once more.
        deadline = time.monotonic() + 20
        page = sessions[0].get(f"{base}/admin/versions", timeout=20)
        while page.status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.5)
            page = sessions[0].get(f"{base}/admin/versions", timeout=20)
        phases.append(Phase("after", [], Counter({f"console page {page.status_code}": 1})))
    return phases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="seconds per phase")
    parser.add_argument("--rate", type=float, default=20.0, help="webhooks per second")
    parser.add_argument("--misses", type=int, default=24, help="clients asking for audio")
    parser.add_argument("--pages", type=int, default=4, help="clients loading console pages")
    parser.add_argument("--pause", type=float, default=0.5, help="each client's pause, s")
    args = parser.parse_args(argv)

    from pgserver import PostgresServer, _binaries

    bin_dir = _binaries()
    if bin_dir is None:
        raise SystemExit("PostgreSQL is not installed: run scripts/setup")
    server = PostgresServer(bin_dir)
    try:
        server.start()
        server.make_template()
        url = server.url(server.new_database())
        with tempfile.TemporaryDirectory() as work:
            phases = run(
                url,
                server.data,
                Path(work),
                args.seconds,
                args.rate,
                args.misses,
                args.pages,
                args.pause,
            )
    finally:
        server.close()
    for phase in phases:
        if phase.latencies:
            print(phase.line())
        if phase.answers:
            print("        " + ", ".join(f"{k}: {v}" for k, v in sorted(phase.answers.items())))
    quiet, frozen_ = phases[0], phases[2]
    print(
        f"\nwebhook p99 during the freeze {frozen_.p(0.99):.1f} ms vs quiet {quiet.p(0.99):.1f} ms;"
        f" failed during the freeze: {frozen_.failed}"
    )
    return 1 if frozen_.failed else 0


if __name__ == "__main__":
    sys.exit(main())
