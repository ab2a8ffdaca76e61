"""Counts: totals only, kept in memory, added to the table by UPSERT, never failing a call."""

from __future__ import annotations

import time
from datetime import date

import pytest
from sqlalchemy import create_engine, select

from ivr import counts as c
from ivr.counts import Counts, counts_table, read_counts, step_events
from ivr.flow import CallState, Input, answer, next_step
from tests.conftest import sign

DAY = date(2026, 12, 1)


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'counts.sqlite3'}")
    counts_table.metadata.create_all(engine)
    return engine


def table(engine) -> dict[tuple, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(counts_table))
        return {(date.fromisoformat(r.day), *r[1:5]): r.count for r in rows}


def test_flushing_adds_to_the_totals_already_in_the_table(engine):
    counts = Counts(engine, flush_every=None, today=lambda: DAY)
    counts.add("es", "main", "chosen")
    counts.add("es", "main", "chosen")
    assert counts.flush()
    counts.add("es", "main", "chosen")
    counts.add("en", "t_kind", "transfer_busy", "kind")
    assert counts.flush()
    assert table(engine) == {
        (DAY, "es", "main", "chosen", ""): 3,
        (DAY, "en", "t_kind", "transfer_busy", "kind"): 1,
    }
    assert counts.pending() == {}


def test_a_database_that_is_down_keeps_the_totals_to_retry(tmp_path):
    path = tmp_path / "later" / "counts.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    counts = Counts(engine, flush_every=None, today=lambda: DAY)
    counts.add("es", "main", "menu_offered")
    assert not counts.flush()  # the folder does not exist yet
    counts.add("es", "main", "menu_offered")
    path.parent.mkdir()
    counts_table.metadata.create_all(engine)
    assert counts.flush()
    assert table(engine) == {(DAY, "es", "main", "menu_offered", ""): 2}


def test_unsaved_totals_are_bounded_and_the_loss_is_counted():
    counts = Counts(None, flush_every=None, max_keys=2, today=lambda: DAY)
    for node in ("a", "b", "c", "c"):
        counts.add("es", node, "chosen")
    counts.add("es", "a", "chosen")  # a known key still adds up
    assert counts.pending() == {
        c.Key(DAY, "es", "a", "chosen", ""): 2,
        c.Key(DAY, "es", "b", "chosen", ""): 1,
    }
    assert counts.dropped == 2


def test_forged_values_are_cut_short_and_non_ascii_is_not_stored():
    counts = Counts(None, flush_every=None, today=lambda: DAY)
    counts.add("es", "x" * 500, "chosen", "dé")
    [key] = counts.pending()
    assert key.node == "x" * 64 and key.detail == ""


def test_a_forked_worker_starts_with_no_totals_of_its_parent():
    counts = Counts(None, flush_every=None, today=lambda: DAY)
    counts.add("es", "main", "chosen")
    counts._pid = -1  # as if this process were a fork of the one that counted
    counts.add("en", "main", "chosen")
    assert list(counts.pending()) == [c.Key(DAY, "en", "main", "chosen", "")]


def test_the_background_thread_flushes_on_its_own(engine):
    counts = Counts(engine, flush_every=0.05, today=lambda: DAY)
    counts.add("ht", "children", "chosen")
    deadline = time.monotonic() + 5
    while not table(engine) and time.monotonic() < deadline:
        time.sleep(0.02)
    counts.close()
    assert table(engine) == {(DAY, "ht", "children", "chosen", ""): 1}


def test_read_counts_returns_the_rows_of_a_date_range(engine):
    counts = Counts(engine, flush_every=None, today=lambda: DAY)
    counts.add("es", "main", "chosen")
    counts.flush()
    assert [tuple(r) for r in read_counts(engine, DAY, DAY)] == [
        (DAY, "es", "main", "chosen", "", 1)
    ]
    assert read_counts(engine, date(2026, 12, 2), date(2026, 12, 3)) == []


# -- what each webhook means -------------------------------------------------------------------


def events(pack, state, inp):
    return step_events(pack, state, inp, next_step(pack, state, inp))


def test_an_answered_call_offers_the_language_menu(pack):
    assert c.answer_events(answer(pack)) == [
        ("", "", "call_answered", ""),
        ("", "language", "menu_offered", ""),
    ]


def test_choosing_spanish_then_a_situation(pack):
    assert events(pack, CallState(), Input("1")) == [
        ("", "language", "menu_reply", "key"),
        ("es", "language", "language_chosen", ""),
        ("es", "main", "menu_offered", ""),
    ]
    assert events(pack, CallState("es", "main"), Input("4")) == [
        ("es", "main", "menu_reply", "key"),
        ("es", "children", "chosen", ""),
        ("es", "children_menu", "menu_offered", ""),
    ]


def test_a_transfer_counts_its_start_and_its_outcome_by_organization(pack):
    assert events(pack, CallState("en", "children_menu"), Input("2")) == [
        ("en", "children_menu", "menu_reply", "key"),
        ("en", "t_kind", "chosen", ""),
        ("en", "t_kind", "transfer_started", "kind"),
    ]
    after = CallState("en", "t_kind", ret="children_menu")
    assert events(pack, after, Input(dial_status="no-answer"))[0] == (
        "en",
        "t_kind",
        "transfer_no-answer",
        "kind",
    )
    assert events(pack, after, Input(dial_status="answered"))[0][2] == "transfer_completed"


def test_repeated_silence_is_helped_and_counted_where_it_happened(pack):
    retries = pack.flow.retries
    assert ("es", "main", "helped_after_silence", "silence") in events(
        pack, CallState("es", "main", tries=retries), Input()
    )
    assert not any(
        e[2] == "helped_after_silence" for e in events(pack, CallState("es", "main"), Input())
    )
    assert ("", "language", "helped_after_silence", "wrong_key") in events(
        pack, CallState(tries=retries), Input("7")
    )


def test_repeat_and_end_call_keys(pack):
    keys = pack.flow.keys
    assert ("es", "waitlist", "repeated", "") in events(
        pack, CallState("es", "waitlist_menu"), Input(keys["repeat"])
    )
    assert ("es", "waitlist_menu", "ended_by_key", "") in events(
        pack, CallState("es", "waitlist_menu"), Input(keys["end_call"])
    )


# -- Twilio's call status callback ---------------------------------------------------------------


@pytest.fixture
def counted_app(app):
    app.extensions["counts"].engine = None  # totals stay in memory, to be read
    return app


def test_the_status_callback_counts_how_calls_end_and_nothing_else(counted_app):
    client = counted_app.test_client()
    params = {"CallSid": "CA" + "f" * 32, "From": "+526641234567", "CallStatus": "completed"}
    url = "http://localhost/voice/status"
    reply = client.post(
        "/voice/status", data=params, headers={"X-Twilio-Signature": sign(url, params)}
    )
    assert reply.status_code == 204
    pending = counted_app.extensions["counts"].pending()
    assert [(k.lang, k.node, k.event, k.detail) for k in pending] == [
        ("", "", "call_ended", "completed")
    ]
    assert client.post("/voice/status", data=params).status_code == 403


def test_calls_go_on_and_totals_wait_in_memory_while_the_database_is_down(tmp_path):
    from ivr import create_app
    from ivr.sim import Call, FlaskTransport, ScriptedCaller

    app = create_app({"ENV": {"TWILIO_AUTH_TOKEN": "t", "DATA_DIR": str(tmp_path)}})
    counts = app.extensions["counts"]
    counts.engine = create_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.sqlite3'}")
    call = Call(FlaskTransport(app), "http://hotline.test/voice", auth_token="t")
    transcript = call.run(ScriptedCaller(["1", "4"]))
    assert transcript.errors == []
    assert not counts.flush()
    events = {(k.lang, k.node, k.event): n for k, n in counts.pending().items()}
    assert events[("", "", "call_answered")] == 1
    assert events[("es", "children", "chosen")] == 1
