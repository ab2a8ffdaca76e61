"""The one way the benchmarks run wrk (Debian's HTTP load generator, C, one thread here).

    process = start(url, script, seconds=10, connections=16)   # runs beside other work
    out = finish(process)                                      # its output, once it is done
    out = run(url, script, seconds=10, connections=16)         # both at once

``script`` is a Lua file; the benchmarks' scripts print one tagged line in their ``done``
hook (``RESULT ...``, ``FLOOD ...``) that ``numbers`` reads back.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path


def require() -> None:
    """Stop the benchmark with the fix when wrk is not installed."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: run scripts/setup (Debian package wrk)")


def command(url: str, script: Path, seconds: float, connections: int, timeout: float) -> list:
    return [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        f"{max(1, round(timeout))}s",
        "-s",
        str(script),
        url,
    ]


def start(
    url: str, script: Path, seconds: float, connections: int, timeout: float = 5.0
) -> subprocess.Popen:
    """wrk running ``script`` against ``url`` for ``seconds`` over ``connections``."""
    return subprocess.Popen(
        command(url, script, seconds, connections, timeout),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen) -> str:
    """The output of a started wrk once it ends (stopped if we are interrupted meanwhile)."""
    try:
        out, err = process.communicate()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if process.returncode:
        raise SystemExit(f"wrk failed ({process.returncode}):\n{err}")
    return out


def run(url: str, script: Path, seconds: float, connections: int, timeout: float = 5.0) -> str:
    return finish(start(url, script, seconds, connections, timeout))


def numbers(out: str, tag: str) -> list[int]:
    """The integers of the script's ``tag ...`` line."""
    match = re.search(rf"^{tag} ([\d ]+)$", out, re.MULTILINE)
    if not match:
        raise SystemExit(f"wrk printed no {tag} line:\n{out}")
    return [int(word) for word in match[1].split()]
