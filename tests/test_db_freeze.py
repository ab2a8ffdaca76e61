"""The line keeps answering while its PostgreSQL hangs (issue #20, item 1).

A real PostgreSQL (tests/pgserver.py) is frozen with SIGSTOP (the postmaster and every
backend: alive, its sockets still acknowledged by the kernel, no answer ever) while audio
this machine has not cached (made-up names, and an older version's file only the database
has) and logged-in console pages keep arriving at the Procfile's gunicorn (2 workers x 2
threads); webhooks keep being answered all along. The run is benchmarks/db_freeze.py's, with
shorter phases; the database is always woken in a finalizer. Also: every PostgreSQL
connection carries the timeouts, and the per-worker gate's own rules.
"""

from __future__ import annotations

import os
import socket
import threading

import pytest
import sqlalchemy as sa

from benchmarks import db_freeze
from ivr.db import Database
from ivr.gate import DatabaseGate

IDLE = "idle_in_transaction_session_timeout"


def test_webhooks_are_answered_while_the_database_is_frozen(
    tmp_path, postgres_server, postgres_url, request, capsys
):
    # Whatever happens below, the shared test server is running again afterwards.
    request.addfinalizer(lambda: db_freeze.thaw(db_freeze.postgres_pids(postgres_server.data)))
    phases = db_freeze.run(
        postgres_url, postgres_server.data, tmp_path, seconds=4, rate=22, misses=24, pages=3,
        compare=False,
    )
    frozen, after = phases
    with capsys.disabled():
        print()
        for phase in phases:
            if phase.latencies:
                print(phase.line())
            print("        ", dict(sorted(phase.answers.items())))
    assert frozen.failed == 0 and len(frozen.latencies) >= 80
    assert frozen.p(0.99) < 3000  # Twilio waits 15 s; a stuck worker made every one time out
    answers = frozen.answers
    # Made-up names never reach the database: 404 from memory, during the freeze too.
    assert answers["audio(made-up) 404"] > 100
    assert not [k for k in answers if k.startswith("audio(made-up)") and not k.endswith("404")]
    # Requests that need the database are refused at once, except the few that hold a slot
    # (one thread per worker): they wait for it and nothing else.
    assert answers["page 503"] > 10 and answers["audio(db) 503"] > 10
    assert answers.get("unanswered after 1 s", 0) <= 2
    assert not [k for k in answers if "200" in k]
    assert after.answers == {"console page 200": 1}  # awake again, the console works


def test_every_postgres_connection_carries_the_timeouts(postgres_url):
    database = Database(postgres_url)
    try:
        with database.connect() as conn:
            shown = {
                name: conn.exec_driver_sql(f"SHOW {name}").scalar()
                for name in ("statement_timeout", "lock_timeout", IDLE)
            }
            # The socket options, as the kernel holds them on this connection's socket.
            fd = conn.connection.dbapi_connection.pgconn.socket
            with socket.socket(fileno=os.dup(fd)) as sock:
                keepalive = sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)
                idle = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE)
                user_timeout = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT)
        with database.publishing() as conn:
            waiting = conn.exec_driver_sql("SHOW lock_timeout").scalar()
        with database.connect() as conn:  # the publish's longer wait stayed in its transaction
            after = conn.exec_driver_sql("SHOW lock_timeout").scalar()
        with pytest.raises(sa.exc.OperationalError, match="statement timeout"):
            with database.connect() as conn:
                conn.exec_driver_sql("SET statement_timeout = 200")
                conn.exec_driver_sql("SELECT pg_sleep(2)")
    finally:
        database.close()
    assert shown["statement_timeout"] == "15s" and shown["lock_timeout"] == "5s"
    assert shown[IDLE] == "1min"
    assert keepalive == 1 and idle == 5 and user_timeout == 10_000
    assert waiting == "1min" and after == "5s"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_gate_keeps_a_thread_and_refuses_at_once_when_the_database_is_slow():
    clock = Clock()
    gate = DatabaseGate(slots=1, wait=0.05, stuck=0.5, clock=clock)
    assert gate.enter()
    assert gate.enter()  # the same thread again (the browser phone's in-process requests)
    gate.leave()
    other: list[bool] = []

    def elsewhere() -> None:
        other.append(gate.enter())

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert other == [False]  # waited 0.05 s, no slot: 503
    clock.now += 1.0  # the holder has been inside 1 s: the database is slow
    gate.wait = 30.0
    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join(2)
    assert not thread.is_alive() and other == [False, False]  # refused without waiting
    gate.leave()
    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join(2)
    assert other[-1] is True and gate.refused == 2
