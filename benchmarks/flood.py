"""Webhook latency while the staff console is flooded, side by side:

    .venv/bin/python benchmarks/flood.py [--seconds 15] [--rate 40] [--flood-connections 32]

One hotline under the Procfile's gunicorn command on 127.0.0.1 (TRUSTED_PROXIES=1 so every
flood request can claim another client address, as a botnet's would), with one staff
account. A Python client sends signed webhooks at a steady `--rate` (a busy line) and
measures each answer, through three phases of `--seconds` each:

  quiet    webhooks only
  views    plus wrk fetching the login page as fast as it can (the cost of any page)
  logins   plus wrk posting wrong logins, every one from another address and for another
           name (no per-name or per-address lock ever trips)

The aim: webhooks under the login flood no slower than under the page-view flood (each
worker first hashes its budget's burst of wrong passwords, so p99 is also printed for the
phase after its first 5 s). Also
printed: the flood's requests/s and its answers by status (401 = a password was checked,
429/503 = refused without hashing).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import wrk  # noqa: E402
from load import TOKEN, start_server  # noqa: E402
from webhooks import recorded_webhooks  # noqa: E402

from ivr.security import compute_signature  # noqa: E402

HOST = "127.0.0.1"
# Each worker may hash a burst of wrong passwords before its budget refuses them; the p99 is
# also printed for the rest of each phase, without that first burst.
BURST_SECONDS = 5.0
PASSWORD = "flood benchmark password"

FLOOD_LUA = """
local kind = "%(kind)s"
local cookie = "%(cookie)s"
local token = "%(token)s"
local threads = {}
setup = function(thread)
  table.insert(threads, thread)
end
checked, refused, other, n = 0, 0, 0, 0
request = function()
  n = n + 1
  if kind == "views" then
    return wrk.format("GET", "/admin/login", {["X-Forwarded-For"] = "10.9.0.1"})
  end
  local address = string.format("10.%%d.%%d.%%d", n %% 200, math.floor(n / 200) %% 250, n %% 251)
  local body = "name=guess" .. n .. "&password=wrong-password-" .. n .. "&csrf_token=" .. token
  return wrk.format("POST", "/admin/login", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie, ["X-Forwarded-For"] = address}, body)
end
response = function(status, headers, body)
  if status == 401 then checked = checked + 1
  elseif status == 429 or status == 503 then refused = refused + 1
  else other = other + 1 end
end
done = function(summary, latency, requests)
  local c, r, o = 0, 0, 0
  for _, thread in ipairs(threads) do
    c = c + thread:get("checked"); r = r + thread:get("refused"); o = o + thread:get("other")
  end
  io.write(string.format("FLOOD %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    c, r, o))
end
"""


def start(data_dir: Path) -> tuple[subprocess.Popen, str]:
    env = {
        "SECRET_KEY": "flood-benchmark-" + "k" * 32,
        "DATA_DIR": str(data_dir),
        "TRUSTED_PROXIES": "1",
    }
    flask = str(Path(sys.executable).with_name("flask"))
    subprocess.run(
        [flask, "--app", "ivr", "staff", "add", "maria", "--password-stdin"],
        input=PASSWORD + "\n",
        text=True,
        env={**os.environ, "HOTLINE_ENV": "production", "TWILIO_AUTH_TOKEN": TOKEN, **env},
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    process, url = start_server("ivr:create_app()", env, ready="/admin/login")
    return process, url.removesuffix("/voice")


def session_and_token(base: str) -> tuple[str, str]:
    """A console session cookie and its CSRF token, as a bot would fetch them once."""
    page = requests.get(base + "/admin/login", timeout=5)
    cookie = page.headers["Set-Cookie"].split(";", 1)[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return cookie, token


def webhook_probe(
    base: str, rate: float, seconds: float, webhooks: list[tuple[str, dict[str, str]]]
) -> list[tuple[float, float]]:
    """Signed webhooks at a steady rate from 4 threads: (seconds since the start, latency in
    seconds) of each."""
    latencies: list[tuple[float, float]] = []
    begin = time.monotonic()
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    signed = [
        (base + path, form, compute_signature(TOKEN.encode(), base + path, form.items()))
        for path, form in webhooks
    ]

    def client(offset: int) -> None:
        session = requests.Session()
        interval = 4 / rate
        next_at = time.monotonic() + offset * interval / 4
        n = offset
        while next_at < stop:
            time.sleep(max(0.0, next_at - time.monotonic()))
            url, form, signature = signed[n % len(signed)]
            started = time.perf_counter()
            try:
                response = session.post(
                    url, data=form, headers={"X-Twilio-Signature": signature}, timeout=15
                )
                ok = response.status_code == 200
            except requests.RequestException:
                ok = False
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append((next_at - begin, elapsed if ok else float("inf")))
            n += 4
            next_at += interval

    threads = [threading.Thread(target=client, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def run_flood(
    kind: str, base: str, seconds: float, connections: int, folder: Path
) -> subprocess.Popen:
    cookie, token = session_and_token(base)
    script = folder / f"{kind}.lua"
    script.write_text(FLOOD_LUA % {"kind": kind, "cookie": cookie, "token": token})
    return wrk.start(base, script, seconds, connections, timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="seconds per phase")
    parser.add_argument("--rate", type=float, default=40.0, help="webhooks per second")
    parser.add_argument("--flood-connections", type=int, default=32)
    args = parser.parse_args(argv)
    wrk.require()
    webhooks = recorded_webhooks()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        process, base = start(Path(folder) / "data")
        try:
            webhook_probe(base, args.rate, 2, webhooks)  # warm up: every answer rendered once
            for kind in ("quiet", "views", "logins"):
                flood = None
                if kind != "quiet":
                    flood = run_flood(
                        kind, base, args.seconds, args.flood_connections, Path(folder)
                    )
                    time.sleep(0.5)
                latencies = webhook_probe(base, args.rate, args.seconds - 1, webhooks)
                flood_rate, answers = "-", ""
                if flood is not None:
                    sent, micros, checked, refused, other = wrk.numbers(
                        wrk.finish(flood), "FLOOD"
                    )
                    flood_rate = f"{sent / (micros / 1e6):.0f}"
                    if kind == "logins":
                        answers = (
                            f"  (401 password checked: {checked}, 429/503 refused "
                            f"unhashed: {refused}, other: {other})"
                        )
                later = percentile([x for at, x in latencies if at >= BURST_SECONDS], 0.99)
                latencies = [x for _, x in latencies]
                rows.append((kind, latencies, flood_rate))
                failed = sum(1 for x in latencies if x == float("inf"))
                p50, p90, p99 = (percentile(latencies, q) for q in (0.5, 0.9, 0.99))
                print(
                    f"{kind:<7} webhooks {len(latencies):>5}  p50 {p50:7.1f} ms  p90 {p90:7.1f} ms"
                    f"  p99 {p99:7.1f} ms (after {BURST_SECONDS:g} s: {later:6.1f})"
                    f"  failed {failed}  flood {flood_rate:>6} req/s{answers}",
                    flush=True,
                )
        finally:
            process.terminate()
            process.wait(timeout=20)
    views = next(r for r in rows if r[0] == "views")[1]
    logins = next(r for r in rows if r[0] == "logins")[1]
    print(
        f"\nwebhook p99 under the login flood {percentile(logins, 0.99):.1f} ms vs the page-view "
        f"flood {percentile(views, 0.99):.1f} ms (aim: no worse)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
