"""The quota and the counts' UPSERTs on PostgreSQL, the production database.

A throwaway cluster in a temporary folder, reached over a Unix socket only (no TCP port), run
as the `postgres` system user (PostgreSQL refuses root). Skipped where PostgreSQL 15 is not
installed. Phase 2: the store's PostgreSQL fixture replaces this one.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from ivr.counts import Counts, counts_table
from ivr.sms.quota import SmsQuota, sms_quota

BIN = Path("/usr/lib/postgresql/15/bin")
DAY = date(2026, 12, 1)


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _run(args: list) -> None:
    done = subprocess.run(args, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def engine():
    if not (BIN / "initdb").exists() or (os.geteuid() == 0 and not shutil.which("runuser")):
        pytest.skip("needs PostgreSQL 15 (scripts/setup)")
    try:
        owner = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
    except KeyError:
        pytest.skip("needs the postgres system user")
    # Not under pytest's tmp folder: that one is private to root, and the server runs as postgres.
    root = Path(tempfile.mkdtemp(prefix="hotline-pg-"))
    data, socket = root / "data", root / "socket"
    socket.mkdir()
    if owner is not None:
        for path in (root, socket):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    run = _as_postgres()
    _run(
        [*run, BIN / "initdb", "-D", data, "-U", "hotline", "--auth=trust", "-E", "UTF8"],
    )
    options = f"-c listen_addresses='' -k {socket} -c fsync=off"
    _run(
        [*run, BIN / "pg_ctl", "-D", data, "-o", options, "-w", "-l", root / "log", "start"],
    )
    engine = create_engine(f"postgresql+psycopg://hotline@/postgres?host={socket}")
    counts_table.metadata.create_all(engine)
    sms_quota.metadata.create_all(engine)
    yield engine
    engine.dispose()
    subprocess.run(
        [*run, BIN / "pg_ctl", "-D", data, "-m", "immediate", "stop"], capture_output=True
    )
    shutil.rmtree(root, ignore_errors=True)


def test_counts_add_up_across_flushes_on_postgresql(engine):
    counts = Counts(engine, flush_every=None, today=lambda: DAY)
    for _ in range(3):
        counts.add("es", "mpp_active", "chosen")
        assert counts.flush()
    with engine.connect() as conn:
        rows = conn.execute(select(counts_table)).all()
    assert [tuple(r) for r in rows] == [(DAY, "es", "mpp_active", "chosen", "", 3)]


def test_the_daily_limit_holds_for_two_workers_on_postgresql(engine):
    first = SmsQuota(engine, "pepper", today=lambda: DAY)
    second = SmsQuota(engine, "pepper", today=lambda: DAY)
    taken = [q.take("+526641234567") for q in (first, second, first, second)]
    assert taken == [True, True, True, False]
