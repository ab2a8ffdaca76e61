"""Where a simulated call goes: a running server over HTTP, or the app in-process."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .. import create_app
from ..config import load_settings
from ..content import ContentError, ContentPack, load_pack
from .transport import FlaskTransport, HttpTransport, Transport

IN_PROCESS_URL = "http://localhost/voice"


@dataclass(frozen=True)
class Line:
    transport: Transport
    url: str  # the voice webhook
    token: str  # the auth token requests are signed with
    pack: ContentPack | None  # for captions and the directory; None if it does not load
    catalogue: Any = None  # the app's audio catalogue, when in-process (captions from it)


def voice_url(url: str) -> str:
    """A base URL means its /voice webhook; a URL with a path is used as given."""
    return url.rstrip("/") + "/voice" if urlsplit(url).path in ("", "/") else url


def connect(url: str | None = None, token: str | None = None) -> Line:
    """The line at `url`, or the app in-process in development mode when `url` is None."""
    if url:
        token = token if token is not None else os.environ.get("TWILIO_AUTH_TOKEN", "")
        try:
            pack = load_pack(load_settings().content_dir)
        except (ContentError, OSError):
            pack = None
        return Line(HttpTransport(), voice_url(url), token, pack)
    app = create_app({"ENV": {**os.environ, "HOTLINE_ENV": "development"}})
    # The app logs a line per webhook; in a terminal tool those would drown the call itself.
    logging.getLogger("ivr").setLevel(logging.WARNING)
    token = app.config["SETTINGS"].twilio_auth_token.reveal()
    pack = app.extensions["content"].current()
    return Line(FlaskTransport(app), IN_PROCESS_URL, token, pack, app.extensions.get("audio"))
