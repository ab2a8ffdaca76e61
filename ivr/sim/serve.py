"""Serve a WSGI app on a loopback port in a background thread (tests, browser phone checks)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server


@contextmanager
def serving(app: Flask, host: str = "127.0.0.1") -> Iterator[str]:
    """Yield the base URL of `app` served on a free port of `host`; stop it on exit."""
    server = make_server(host, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="sim-serve", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
