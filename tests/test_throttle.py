"""A flood of logins cannot take the CPU or the threads the phone line needs: one login at a
time, a failure budget, and one slow console request per worker."""

from __future__ import annotations

import threading

import pytest
from conftest import sign

from ivr import create_app
from ivr.console import throttle
from ivr.console.sessions import Locked

PASSWORD = "correct horse battery"
TOKEN = "t"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def app(tmp_path):
    env = {"TWILIO_AUTH_TOKEN": TOKEN, "SECRET_KEY": "s" * 32, "DATA_DIR": str(tmp_path)}
    app = create_app({"ENV": env, "TESTING": True})
    app.extensions["staff"].add("maria", PASSWORD)
    return app


def login(client, name="maria", password=PASSWORD, address="192.0.2.1"):
    client.get("/admin/login")
    with client.session_transaction() as session:
        token = session.get("csrf_token")
    return client.post(
        "/admin/login",
        data={"name": name, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def test_fifty_parallel_guesses_at_one_name_make_at_most_five_password_checks(app, tmp_path):
    accounts, gate = app.extensions["staff"], app.extensions["password_gate"]
    start = threading.Barrier(50)
    results = []

    def guess(n: int) -> None:
        start.wait()
        with app.app_context():
            try:
                results.append(
                    throttle.login(
                        accounts,
                        tmp_path / "login.lock",
                        "maria",
                        f"guess {n}",
                        f"198.51.100.{n}",
                        wait=60,
                    )
                )
            except throttle.Busy as busy:
                results.append(busy)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert gate.checks <= 5
    assert results.count(None) == gate.checks  # each check was a wrong password
    assert sum(isinstance(r, Locked) for r in results) == 50 - gate.checks


def test_past_the_failure_budget_logins_are_refused_without_hashing(app):
    clock = Clock()
    gate = throttle.PasswordGate(per_minute=3, burst=3, clock=clock)
    app.extensions["password_gate"] = gate
    client = app.test_client()
    for n in range(3):  # a botnet: every guess from another address, at another name
        assert login(client, f"name{n}", "wrong", f"203.0.113.{n}").status_code == 401
    refused = login(client, "maria", PASSWORD, "198.51.100.77")  # even the right one
    assert refused.status_code == 429
    assert refused.mimetype == "text/plain"
    assert "Too many wrong passwords" in refused.get_data(as_text=True)
    assert refused.headers["Retry-After"] == "20"  # one wrong password back every 20 s
    assert gate.checks == 3
    clock.now += 20
    assert login(client).status_code == 302
    assert gate.checks == 4


def test_a_flood_gets_a_burst_of_checks_then_one_now_and_then():
    clock = Clock()
    gate = throttle.PasswordGate(per_minute=12, burst=12, clock=clock)
    from werkzeug.security import generate_password_hash

    stored = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")  # cheap, same path
    refused = 0
    for _ in range(120):  # two wrong guesses a second for a minute
        try:
            gate.check(stored, "wrong")
        except throttle.Busy:
            refused += 1
        clock.now += 0.5
    assert gate.checks == 12 + 11  # the burst, then one every 5 s (11 in the 59.5 s after)
    assert refused == 120 - gate.checks


def test_right_passwords_do_not_spend_the_budget():
    gate = throttle.PasswordGate(per_minute=1, burst=1)
    from werkzeug.security import generate_password_hash

    stored = generate_password_hash(PASSWORD, method="scrypt")
    assert gate.check(stored, PASSWORD) and gate.check(stored, PASSWORD)
    assert not gate.check(stored, "wrong")
    with pytest.raises(throttle.Busy):
        gate.check(stored, PASSWORD)


def test_a_second_slow_console_request_is_refused_at_once_and_the_line_still_answers(app):
    client = app.test_client()
    slot = app.extensions["console_slot"]
    assert slot.acquire(blocking=False)  # a TTS build or an upload is running in this worker
    try:
        busy = login(client)
        assert busy.status_code == 503
        assert busy.headers["Retry-After"] == "5"
        assert "busy with another request" in busy.get_data(as_text=True)
        assert client.get("/admin/login").status_code == 200  # pages still open
        params = {"CallSid": "CA1"}
        signature = sign("http://localhost/voice", params, TOKEN)
        call = client.post("/voice", data=params, headers={"X-Twilio-Signature": signature})
        assert call.status_code == 200
    finally:
        slot.release()
    assert login(client).status_code == 302
    assert slot.acquire(blocking=False)  # given back after every request
    slot.release()


def test_a_login_waits_only_briefly_for_its_turn(tmp_path):
    import fcntl
    import os

    lock = tmp_path / "login.lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another worker is checking a password
    try:
        with pytest.raises(throttle.Busy), throttle.login_turn(lock, wait=0.05):
            pass
    finally:
        os.close(fd)
    with throttle.login_turn(lock, wait=0.05):
        pass
