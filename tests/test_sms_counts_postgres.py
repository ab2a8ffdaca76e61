"""The quota and the counts' UPSERTs on PostgreSQL, the production database: a fresh database
migrated by the store's Alembic revisions (tests/pgserver.py), so the tables are the real ones."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from ivr.counts import Counts, counts_table, read_counts
from ivr.db import Database
from ivr.sms.quota import SmsQuota

DAY = date(2026, 12, 1)


@pytest.fixture
def engine(postgres_url):
    database = Database(postgres_url)
    yield database.engine
    database.close()


def test_counts_add_up_across_flushes_on_postgresql(engine):
    counts = Counts(engine, flush_every=None, today=lambda: DAY)
    for _ in range(3):
        counts.add("es", "mpp_active", "chosen")
        assert counts.flush()
    with engine.connect() as conn:
        rows = conn.execute(select(counts_table)).all()
    assert [tuple(r) for r in rows] == [(DAY.isoformat(), "es", "mpp_active", "chosen", "", 3)]
    assert read_counts(engine, DAY, DAY) == [(DAY, "es", "mpp_active", "chosen", "", 3)]


def test_the_daily_limit_holds_for_two_workers_on_postgresql(engine):
    first = SmsQuota(engine, "pepper", today=lambda: DAY)
    second = SmsQuota(engine, "pepper", today=lambda: DAY)
    taken = [q.take("+526641234567") for q in (first, second, first, second)]
    assert taken == [True, True, True, False]
