"""Three texts per caller per day, counted by a keyed hash that is kept for one day only."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, select

from ivr.sms.quota import SmsQuota, caller_key, sms_quota

NUMBER = "+526641234567"
PEPPER = "a-secret-pepper"


class Clock:
    def __init__(self, day: date) -> None:
        self.day = day

    def __call__(self) -> date:
        return self.day


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'q.sqlite3'}")
    sms_quota.metadata.create_all(engine)
    return engine


def rows(engine):
    with engine.connect() as conn:
        return conn.execute(select(sms_quota)).all()


def test_the_key_is_a_peppered_hmac_of_the_day_and_number_never_a_plain_hash():
    day = date(2026, 12, 1)
    key = caller_key(PEPPER, NUMBER, day)
    assert len(key) == 64
    assert key != hashlib.sha256(NUMBER.encode()).hexdigest()
    assert key != caller_key("another pepper", NUMBER, day)
    assert key != caller_key(PEPPER, NUMBER, day + timedelta(days=1))
    with pytest.raises(ValueError):
        caller_key("", NUMBER, day)


def test_three_texts_a_day_then_no_more_until_the_next_day(engine):
    clock = Clock(date(2026, 12, 1))
    quota = SmsQuota(engine, PEPPER, today=clock)
    assert [quota.take(NUMBER) for _ in range(4)] == [True, True, True, False]
    clock.day += timedelta(days=1)
    assert quota.take(NUMBER)


def test_the_table_holds_only_todays_keyed_hashes_never_the_number(engine):
    clock = Clock(date(2026, 12, 1))
    quota = SmsQuota(engine, PEPPER, today=clock)
    quota.take(NUMBER)
    quota.take("+15017122661")
    clock.day += timedelta(days=1)
    quota.take(NUMBER)  # every check first deletes the rows of earlier days
    stored = rows(engine)
    assert [(r.key_hash, r.day, r.count) for r in stored] == [
        (caller_key(PEPPER, NUMBER, clock.day), clock.day.isoformat(), 1)
    ]
    dump = "\n".join(engine.raw_connection().driver_connection.iterdump())
    assert NUMBER not in dump and NUMBER[1:] not in dump and "5017122661" not in dump


def test_purge_removes_yesterdays_rows_even_without_a_new_text(engine):
    clock = Clock(date(2026, 12, 1))
    quota = SmsQuota(engine, PEPPER, today=clock)
    quota.take(NUMBER)
    clock.day += timedelta(days=1)
    assert quota.purge() == 1
    assert rows(engine) == []


def test_a_database_that_is_down_falls_back_to_memory_and_still_limits(tmp_path):
    broken = create_engine(f"sqlite:///{tmp_path / 'missing-dir' / 'q.sqlite3'}")
    quota = SmsQuota(broken, PEPPER)
    assert [quota.take(NUMBER) for _ in range(4)] == [True, True, True, False]
    quota.give_back(NUMBER)
    assert quota.take(NUMBER)


def test_two_quota_objects_on_one_database_share_the_count(engine):
    clock = Clock(date(2026, 12, 1))
    first, second = SmsQuota(engine, PEPPER, today=clock), SmsQuota(engine, PEPPER, today=clock)
    assert [first.take(NUMBER), second.take(NUMBER), first.take(NUMBER)] == [True, True, True]
    assert not second.take(NUMBER)
