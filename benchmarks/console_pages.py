"""How long each staff console page takes with a long history (2,000 versions by default).

    .venv/bin/python benchmarks/console_pages.py [--versions 2000] [--rounds 5]

Publishes a few real versions through the Publisher, then hands the console a history of
`--versions` versions and audit entries shaped like real ones (text and number edits, audio
rebuilds), since publishing 2,000 versions one by one takes the store many minutes and its
own speed is the store's benchmark. Every page is fetched through the real app, logged in,
in Spanish, and the median and slowest times are printed. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ivr import create_app  # noqa: E402
from ivr.publish.models import AuditEntry, Version  # noqa: E402

PASSWORD = "correct horse battery"
PAGES = [
    "/admin/",
    "/admin/coverage",
    "/admin/coverage?lang=es&status=todo&page=2",
    "/admin/search?q=oprima",
    "/admin/flow",
    "/admin/directory",
    "/admin/versions",
    "/admin/versions?page=40",
    "/admin/audit",
    "/admin/audit?who=ana&lang=es&from=2026-01-01&to=2026-12-31&page=3",
    "/admin/prompts/es/main.children",
]


def history(count: int, prompts: list[str]) -> tuple[list[Version], list[AuditEntry]]:
    versions, entries = [], []
    for i in range(count, 0, -1):  # newest first, as the publisher returns them
        when = f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:15:00Z"
        who = ("ana", "maria", "luis")[i % 3]
        if i % 3 == 0:
            action, what, summary = (
                "set_number",
                "number kind",
                f"e164: +1202918{i % 10000:04d} → +12029189432",
            )
        elif i % 3 == 1:
            prompt = prompts[i % len(prompts)]
            action, what, summary = "set_text", f"es {prompt}", f"Texto {i - 1} → Texto {i}"
        else:
            prompt = prompts[i % len(prompts)]
            action, what = "rebuild_audio", f"en {prompt}"
            summary = f"rebuilt with tts:espeak:en-us@160wpm: {prompt}.0123456789ab.wav"
        versions.append(Version(str(i), when, who, f"{what}: {summary}", live=i == count))
        entries.append(AuditEntry(when, who, action, what, summary, str(i)))
    return versions, entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--versions", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "HOTLINE_ENV": "development", "DATA_DIR": data}
        app = create_app({"ENV": env, "TESTING": True})
        app.extensions["staff"].add("ana", PASSWORD)
        publisher = app.extensions["publisher"]
        publisher.set_text("es", "main.children", "Niño o niña sin papá: oprima 4.", author="ana")
        prompts = sorted(publisher.pack().prompt_ids())
        versions, entries = history(args.versions, prompts)
        publisher.versions = lambda: [replace(v) for v in versions]
        publisher.audit_log = lambda limit=200: entries[:limit]

        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
        login = client.get("/admin/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
        client.post("/admin/login", data={"name": "ana", "password": PASSWORD, "csrf_token": token})

        print(f"{args.versions} versions and audit entries, {args.rounds} rounds per page")
        print(f"{'page':<70} {'median':>8} {'slowest':>8}")
        for path in PAGES:
            times = []
            for _ in range(args.rounds):
                start = time.perf_counter()
                response = client.get(path)
                times.append(time.perf_counter() - start)
                if response.status_code != 200:
                    raise SystemExit(f"{path}: HTTP {response.status_code}")
            print(f"{path:<70} {statistics.median(times):>7.3f}s {max(times):>7.3f}s")


if __name__ == "__main__":
    main()
