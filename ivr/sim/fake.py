"""Tiny Flask apps that answer fixed TwiML: the emulator's test bench and the benchmark baseline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, Response, request
from twilio.request_validator import RequestValidator

Answer = str | Callable[[], str] | Response

CONSTANT_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Response><Gather numDigits="1" action="/voice"><Say>Press 1.</Say></Gather>'
    "<Redirect>/voice</Redirect></Response>"
)


@dataclass
class Seen:
    """One request a fake app received, as the app saw it."""

    method: str
    url: str
    form: dict[str, str]
    args: dict[str, str]
    headers: dict[str, str]
    signature_valid: bool | None = None
    extra: dict = field(default_factory=dict)


def scripted_app(routes: dict[str, Answer], auth_token: str = "") -> tuple[Flask, list[Seen]]:
    """An app answering each path with its TwiML, and the list of requests it received.

    With an `auth_token` it checks every request's X-Twilio-Signature the way the real line
    does, so tests can assert the emulator signs like Twilio.
    """
    app = Flask(__name__)
    seen: list[Seen] = []

    def handle(path: str = "") -> Response:
        key = "/" + path
        answer = routes.get(key)
        record = Seen(
            request.method,
            request.url,
            request.form.to_dict(),
            request.args.to_dict(),
            dict(request.headers),
        )
        if auth_token:
            params = request.form if request.method == "POST" else {}
            record.signature_valid = RequestValidator(auth_token).validate(
                request.url, params, request.headers.get("X-Twilio-Signature", "")
            )
        seen.append(record)
        if answer is None:
            return Response("not found", status=404)
        if isinstance(answer, Response):
            return answer
        body = answer() if callable(answer) else answer
        return Response(body, mimetype="text/xml")

    app.add_url_rule("/", "root", handle, methods=["GET", "POST"])
    app.add_url_rule("/<path:path>", "any", handle, methods=["GET", "POST"])
    return app, seen


def constant_app() -> Flask:
    """The benchmark's baseline: one constant TwiML document for every request."""
    app = Flask(__name__)

    @app.route("/voice", methods=["GET", "POST"])
    @app.route("/voice/<path:step>", methods=["GET", "POST"])
    def voice(step: str = "") -> Response:
        return Response(CONSTANT_TWIML, mimetype="text/xml")

    return app
