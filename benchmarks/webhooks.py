"""Webhook throughput and latency with wrk: the hotline beside a constant-TwiML Flask app.

    .venv/bin/python benchmarks/webhooks.py [--rounds 3] [--seconds 10] [--connections 16]
    WEB_CONCURRENCY=2 GUNICORN_THREADS=1 .venv/bin/python benchmarks/webhooks.py   # other settings

Both apps run under the Procfile's gunicorn command (same workers, threads, logger and access
log format) on 127.0.0.1; phases alternate (hotline, constant, hotline, ...) so machine noise
hits both. The load generator is wrk (Debian's package, C, one thread): unlike a Python client
it leaves the server almost all of the CPU the two share. Its requests are the webhooks of
whole calls in every language (recorded once in-process through the emulator), each signed
for the server's URL as Twilio signs it, sent round-robin over `--connections` kept-alive
connections. The constant app gets the very same requests and ignores them.

Prints per phase requests/s and p50/p90/p99 latency (wrk's own histogram), then the hotline's
share of the constant app's requests/s (the aim is >= 0.8x) and its worst p99 (aim < 20 ms).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from statistics import mean
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import wrk  # noqa: E402
from load import TOKEN, cpu_seconds, procfile_default, scripts, start_server  # noqa: E402

from ivr import create_app  # noqa: E402
from ivr.security import compute_signature  # noqa: E402
from ivr.sim import Call, FlaskTransport, ScriptedCaller  # noqa: E402
from ivr.sim import events as ev  # noqa: E402


@dataclass
class Result:
    app: str
    round: int
    rate: float
    p50: float
    p90: float
    p99: float
    errors: int
    cpu_us: float  # server CPU (all gunicorn processes) per request, microseconds


def recorded_webhooks() -> list[tuple[str, dict[str, str]]]:
    """(path with query, form) of every webhook of a whole call in each language."""
    app = create_app({"ENV": {"TWILIO_AUTH_TOKEN": TOKEN, "DATA_DIR": tempfile.mkdtemp()}})
    logging.getLogger().setLevel(logging.WARNING)  # the recording's call log is not a result
    webhooks = []
    for keys in scripts():
        transcript = Call(FlaskTransport(app), "http://localhost/voice", auth_token=TOKEN).run(
            ScriptedCaller(keys, ["busy"])
        )
        for request in transcript.of(ev.Request):
            parts = urlsplit(request.url)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            webhooks.append((path, dict(request.params)))
    return webhooks


def lua_script(base: str, webhooks: list[tuple[str, dict[str, str]]]) -> str:
    """A wrk script sending the webhooks round-robin, each signed for `base`."""

    def lua(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    entries = []
    for path, form in webhooks:
        signature = compute_signature(TOKEN.encode(), base + path, form.items())
        entries.append(
            "wrk.format('POST', "
            + lua(path)
            + ", {['Content-Type']='application/x-www-form-urlencoded', "
            + "['X-Twilio-Signature']="
            + lua(signature)
            + "}, "
            + lua(urlencode(form))
            + ")"
        )
    return (
        "local requests = {}\n"
        "local n = 0\n"
        "init = function(args)\n"
        + "".join(f"  requests[#requests + 1] = {entry}\n" for entry in entries)
        + "end\n"
        "request = function()\n"
        "  n = n % #requests + 1\n"
        "  return requests[n]\n"
        "end\n"
        "done = function(summary, latency, requests)\n"
        "  local errors = summary.errors.connect + summary.errors.read + summary.errors.write\n"
        "    + summary.errors.status + summary.errors.timeout\n"
        '  io.write(string.format("RESULT %d %d %d %d %d %d\\n", summary.requests,\n'
        "    summary.duration, latency:percentile(50), latency:percentile(90),\n"
        "    latency:percentile(99), errors))\n"
        "end\n"
    )


def run_wrk(url: str, script: Path, seconds: float, connections: int, pid: int = 0) -> tuple:
    cpu = cpu_seconds(pid) if pid else 0.0
    out = wrk.run(url, script, seconds, connections, timeout=5)
    requests, micros, p50, p90, p99, errors = wrk.numbers(out, "RESULT")
    cpu_us = (cpu_seconds(pid) - cpu) * 1e6 / max(requests, 1) if pid else 0.0
    return requests / (micros / 1e6), p50 / 1000, p90 / 1000, p99 / 1000, errors, cpu_us


def row(r: Result) -> str:
    return (
        f"{r.app:<9} {r.round:>5} {r.rate:>8.0f} {r.p50:>7.1f} {r.p90:>7.1f} {r.p99:>7.1f} "
        f"{r.errors:>6} {r.cpu_us:>18.0f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="hotline/constant alternations")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per phase")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args(argv)
    wrk.require()

    webhooks = recorded_webhooks()
    servers = {
        "hotline": start_server("ivr:create_app()"),
        "constant": start_server("ivr.sim.fake:constant_app()"),
    }
    results: list[Result] = []
    workers, threads = procfile_default("WEB_CONCURRENCY"), procfile_default("GUNICORN_THREADS")
    print(
        f"{len(webhooks)} distinct webhooks; gunicorn workers={workers} threads={threads}; "
        f"wrk -t1 -c{args.connections}, {args.seconds:g} s per phase"
    )
    print(
        f"{'app':<9} {'round':>5} {'req/s':>8} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} "
        f"{'errors':>6}"
    )
    try:
        with tempfile.TemporaryDirectory() as folder:
            scripts_by_app = {}
            for name, (_, url) in servers.items():
                base = url.removesuffix("/voice")
                scripts_by_app[name] = Path(folder) / f"{name}.lua"
                scripts_by_app[name].write_text(lua_script(base, webhooks))
                run_wrk(url, scripts_by_app[name], 2, args.connections)  # warm up
            for round_ in range(1, args.rounds + 1):
                for name, (process, url) in servers.items():
                    result = Result(
                        name,
                        round_,
                        *run_wrk(
                            url, scripts_by_app[name], args.seconds, args.connections, process.pid
                        ),
                    )
                    results.append(result)
                    print(row(result), flush=True)
    finally:
        for process, _ in servers.values():
            process.terminate()
        for process, _ in servers.values():
            process.wait(timeout=20)
    hot = [r for r in results if r.app == "hotline"]
    const = [r for r in results if r.app == "constant"]
    ratios = [h.rate / c.rate for h, c in zip(hot, const, strict=True)]
    print(
        "\nhotline / constant requests/s per round: "
        + ", ".join(f"{r:.2f}x" for r in ratios)
        + f" (mean {sum(h.rate for h in hot) / sum(c.rate for c in const):.2f}x; aim >= 0.8x)"
        f"\nhotline p99 per round: " + ", ".join(f"{h.p99:.1f} ms" for h in hot) + " (aim < 20 ms)"
        f"\nserver CPU per request: hotline {mean(h.cpu_us for h in hot):.0f} us, constant "
        f"{mean(c.cpu_us for c in const):.0f} us (the ratio machine noise moves least: "
        f"{mean(c.cpu_us for c in const) / mean(h.cpu_us for h in hot):.2f}x)"
        f"\nerrors: hotline {sum(h.errors for h in hot)}, constant {sum(c.errors for c in const)}"
    )
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
