"""How the emulator reaches the app: real HTTP, or in-process through Flask's test client.

Both answer `send(method, url, form, headers) -> Reply` so the emulator cannot tell them apart.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import requests
from flask import Flask

from ..security import TEST_CALL_KEY

# Twilio waits 15 s in all for a webhook answer, then fails the request (error 11205,
# https://www.twilio.com/docs/api/errors/11205).
TWILIO_TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    body: bytes
    latency: float


class Transport(Protocol):
    def send(
        self, method: str, url: str, form: Mapping[str, str] | None, headers: Mapping[str, str]
    ) -> Reply: ...


def texts_to(transport: object, number: str) -> list[str]:
    """Text messages the line sent to `number` since the last look, where the transport can
    see them (in-process: the app's development outbox, ivr.sim.messages); else none."""
    look = getattr(transport, "texts", None)
    return look(number) if look is not None else []


class FlaskTransport:
    """Requests go straight into a Flask app, no sockets; URLs keep their scheme and host."""

    def __init__(self, app: Flask, test_call: bool = False) -> None:
        self.app = app
        # A staff test call (the browser phone): the app sends its texts to the console's
        # outbox only and counts nothing (ivr.security.TEST_CALL_KEY).
        self.environ = {TEST_CALL_KEY: True} if test_call else {}

    def send(
        self, method: str, url: str, form: Mapping[str, str] | None, headers: Mapping[str, str]
    ) -> Reply:
        started = time.perf_counter()
        # A fresh client each time: the test client keeps cookies, and Twilio sends none.
        response = self.app.test_client().open(
            url,
            method=method,
            data=dict(form) if form is not None else None,
            headers=dict(headers),
            environ_base=self.environ,
        )
        body = response.get_data()
        latency = time.perf_counter() - started
        response.close()
        return Reply(response.status_code, response.headers.get("Content-Type", ""), body, latency)

    def texts(self, number: str) -> list[str]:
        outbox = self.app.extensions.get("sms_outbox")
        return outbox.inbox(number) if outbox is not None else []

    @property
    def recordings(self) -> object | None:
        """Where <Record> keeps audio in development: the app's in-process fake of Twilio's
        Recordings resource (ivr/staffline), which the app fetches takes from."""
        return self.app.extensions.get("recordings_fake")


class HttpTransport:
    """Requests over real HTTP, through one connection pool per transport.

    With `keep_alive=False` every request opens its own connection. Under heavy load a client
    starved of CPU can come back to a kept-alive connection just as the server closes it for
    idling (gunicorn's keep-alive is 2 s), which fails the request without the server ever
    seeing it; a benchmark should not count those as the app's errors.
    """

    def __init__(self, session: requests.Session | None = None, keep_alive: bool = True) -> None:
        self.session = session or requests.Session()
        if not keep_alive:
            self.session.headers["Connection"] = "close"

    def send(
        self, method: str, url: str, form: Mapping[str, str] | None, headers: Mapping[str, str]
    ) -> Reply:
        started = time.perf_counter()
        try:
            response = self.session.request(
                method,
                url,
                data=dict(form) if form is not None else None,
                headers=dict(headers),
                timeout=TWILIO_TIMEOUT_SECONDS,
                # A redirect is reported (status 3xx) rather than followed: the line should
                # answer its own webhooks, not bounce Twilio elsewhere.
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            return Reply(0, "", str(exc).encode(), time.perf_counter() - started)
        return Reply(
            response.status_code,
            response.headers.get("Content-Type", ""),
            response.content,
            time.perf_counter() - started,
        )
