"""A worker gives freed memory back after console requests (which leave megabytes of garbage)
but never spends the time on the phone line's requests (ivr/heap.py)."""

from __future__ import annotations

import platform

from conftest import TOKEN, sign

from ivr import create_app, heap


def test_console_requests_give_memory_back_and_webhooks_do_not(tmp_path, monkeypatch):
    env = {"TWILIO_AUTH_TOKEN": TOKEN, "SECRET_KEY": "k" * 40, "DATA_DIR": str(tmp_path)}
    client = create_app({"ENV": env, "TESTING": True}).test_client()
    trims = []
    monkeypatch.setattr(heap, "trim", lambda: trims.append(1))

    params = {"CallSid": "CA123", "AccountSid": "AC123"}
    headers = {"X-Twilio-Signature": sign("http://localhost/voice", params)}
    assert client.post("/voice", data=params, headers=headers).status_code == 200
    with client.get("/admin/static/console.css") as static:
        assert static.status_code == 200
    assert trims == []

    assert client.get("/admin/login").status_code == 200
    assert trims == [1]


def test_malloc_takes_the_settings_where_it_is_glibc():
    glibc = platform.libc_ver()[0] == "glibc"
    assert heap.tune() is glibc
    heap.trim()  # and returning free pages works (or does nothing elsewhere)
