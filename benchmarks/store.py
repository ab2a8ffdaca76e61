"""The database-backed store: what publishing costs, what a text edit stores, how the console
pages do with 2,000 versions, and webhook throughput beside the file-based store it replaced.

    .venv/bin/python benchmarks/store.py [--versions 2000] [--edits 10] [--calls 1000]

SQLite runs in a temporary folder; PostgreSQL is a throwaway server (the test suite's, see
tests/pgserver.py; skipped if PostgreSQL is not installed). The file-based figures come from
the commit before the database (``--baseline``), run with the same in-process Flask test
client. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import sqlalchemy as sa  # noqa: E402

from ivr import create_app  # noqa: E402
from ivr.audio.pipeline import TelephonyAudio  # noqa: E402
from ivr.db import close_all, schema  # noqa: E402
from ivr.flow import answer  # noqa: E402

PASSWORD = "benchmark password"
BASELINE = "02773ea"  # the last commit with the file-based store


def app_for(data: Path, database_url: str):
    env = {"HOTLINE_ENV": "development", "DATA_DIR": str(data)}
    if database_url:
        env["DATABASE_URL"] = database_url
    return create_app({"ENV": env, "TESTING": True})


def stored_bytes(app) -> int:
    """Bytes in the tables a publish writes (blob data as stored: compressed)."""
    total = 0
    with app.extensions["db"].connect() as conn:
        for table in (schema.versions, schema.blobs, schema.audit, schema.live):
            for row in conn.execute(table.select()):
                total += sum(len(v) if isinstance(v, bytes) else len(str(v)) for v in row)
    return total


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:7.1f} ms (min {min(samples) * 1000:.1f})"


def publishing(label: str, database_url: str, edits: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = app_for(Path(folder), database_url)
        publisher = app.extensions["publisher"]
        pack = publisher.pack()
        prompt = next(p.id for p in answer(pack).prompts if p.lang == "es")
        raw = pack.raw_texts("es")[prompt]
        publisher.publish_seed(author="bench")  # the first publish copies the seed; not timed
        texts, sizes = [], []
        for i in range(edits):
            before = stored_bytes(app)
            start = time.perf_counter()
            publisher.set_text("es", prompt, f"Edición {i}. {raw}", author="bench")
            texts.append(time.perf_counter() - start)
            sizes.append(stored_bytes(app) - before)
        # The live audio of the prompt (fresh computer audio since the text edits).
        audio = publisher.audio_path(
            "es", publisher.catalogue.entry("es", prompt).file
        ).read_bytes()
        recordings = []
        for i in range(edits):
            data = audio[:-1] + bytes([i % 256])  # a different take: other bytes, same length
            draft = publisher.drafts.stage(
                "es",
                prompt,
                pack.texts("es")[prompt],
                TelephonyAudio(data, 2.0, -26.0, 0.0),
                author="bench",
                original=f"take {i}.m4a",
            )
            start = time.perf_counter()
            publisher.publish_recording(draft.id, author="bench")
            recordings.append(time.perf_counter() - start)
        print(f"  {label:<10} publish a text edit      {median_ms(texts)}")
        print(f"  {label:<10} publish a recording      {median_ms(recordings)}")
        print(
            f"  {label:<10} bytes stored per text edit {statistics.median(sizes):,.0f} "
            f"(max {max(sizes):,})"
        )
        close_all()


def grow(app, count: int) -> None:
    """Make ``count`` versions: a few real publishes (texts, audio), then rows like them."""
    publisher = app.extensions["publisher"]
    pack = publisher.pack()
    prompts = [p.id for p in answer(pack).prompts if p.lang == "es"][:1] + list(pack.texts("es"))[
        :4
    ]
    for i in range(20):
        prompt = prompts[i % len(prompts)]
        raw = pack.raw_texts("es")[prompt]
        publisher.set_text("es", prompt, f"Cambio {i}. {raw}", author=f"staff{i % 3}")
    db = app.extensions["db"]
    with db.publishing() as conn:
        rows = [dict(r._mapping) for r in conn.execute(schema.versions.select())]
        audits = [dict(r._mapping) for r in conn.execute(schema.audit.select())]
        newest = max(r["id"] for r in rows)
        new_versions, new_audit = [], []
        for n in range(newest + 1, count + 1):
            template = rows[n % len(rows)]
            new_versions.append({**template, "id": n, "parent_id": n - 1})
            entry = {k: v for k, v in audits[n % len(audits)].items() if k != "id"}
            new_audit.append({**entry, "version_id": n})
        conn.execute(schema.versions.insert(), new_versions)
        conn.execute(schema.audit.insert(), new_audit)
        conn.execute(
            sa.update(schema.live).values(version_id=count, serial=schema.live.c.serial + 1)
        )


def pages(label: str, database_url: str, versions: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = app_for(Path(folder), database_url)
        grow(app, versions)
        app = app_for(Path(folder), database_url)  # a worker starting on 2,000 versions
        app.extensions["staff"].add("bench", PASSWORD)
        client = app.test_client()
        page = client.get("/admin/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
        client.post(
            "/admin/login", data={"name": "bench", "password": PASSWORD, "csrf_token": token}
        )
        prompt = next(p.id for p in answer(app.extensions["content"].current()).prompts)
        for path in (
            "/admin/",
            "/admin/versions",
            "/admin/coverage",
            f"/admin/prompts/es/{prompt}",
            "/admin/audit",
        ):
            samples = []
            for _ in range(5):
                start = time.perf_counter()
                response = client.get(path)
                samples.append(time.perf_counter() - start)
                assert response.status_code == 200, (path, response.status_code)
            print(f"  {label:<10} {path:<34} {median_ms(samples)}")
        close_all()


THROUGHPUT = r"""
import sys, tempfile, time
sys.path.insert(0, ".")
from ivr import create_app
app = create_app({"ENV": {"HOTLINE_ENV": "development", "DATA_DIR": tempfile.mkdtemp()},
                  "TESTING": True})
publisher = app.extensions["publisher"]
publisher.publish_seed(author="bench")
client = app.test_client()
n = int(sys.argv[1])
for _ in range(50):
    client.post("/voice")
start = time.perf_counter()
for i in range(n):
    client.post("/voice/language", data={"CallSid": f"CA{i}", "Digits": "1"})
print(n / (time.perf_counter() - start))
"""


def throughput(root: Path, calls: int, extra_env: dict[str, str]) -> float:
    out = subprocess.run(
        [sys.executable, "-c", THROUGHPUT, str(calls)],
        cwd=root,
        env={**os.environ, **extra_env},
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=2000)
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--baseline", default=BASELINE)
    args = parser.parse_args()

    from pgserver import PostgresServer, _binaries

    server = None
    bin_dir = _binaries()
    if bin_dir is not None:
        server = PostgresServer(bin_dir)
        server.start()
        server.make_template()
    backends = [("SQLite", lambda: "")]
    if server is not None:
        backends.append(("PostgreSQL", lambda: server.url(server.new_database())))
    else:
        print("PostgreSQL not installed: its figures are skipped (scripts/setup installs it)")
    try:
        print(f"Publishing ({args.edits} of each; the live pack has every prompt and audio):")
        for label, url in backends:
            publishing(label, url(), args.edits)
        print(f"Console pages with {args.versions:,} versions (median of 5):")
        for label, url in backends:
            pages(label, url(), args.versions)
        print(
            f"Webhook throughput (in-process Flask test client, {args.calls} menu steps, a "
            "published version live; best of 3 rounds taken in turn, as the machine's load moves):"
        )
        with tempfile.TemporaryDirectory() as old:
            subprocess.run(
                f"git archive {args.baseline} | tar -x -C {old}", shell=True, cwd=ROOT, check=True
            )
            variants = [(f"file-based store ({args.baseline})", Path(old), {})]
            for label, url in backends:
                env = {"DATABASE_URL": url()} if label != "SQLite" else {}
                variants.append((f"database store, {label}", ROOT, env))
            best = {label: 0.0 for label, _, _ in variants}
            for _ in range(3):
                for label, root, env in variants:
                    best[label] = max(best[label], throughput(root, args.calls, env))
        for label, rate in best.items():
            print(f"  {label:<28} {rate:8.0f} requests/s")
    finally:
        close_all()
        if server is not None:
            server.close()


if __name__ == "__main__":
    main()
