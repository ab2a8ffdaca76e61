"""Border asylum information hotline: Flask app answering Twilio voice webhooks."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from . import heap, logs
from .config import ConfigError, load_settings
from .security import MAX_BODY, SignedVoice


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """App factory. `test_config` may hold `ENV` (a dict of environment variables) and any
    Flask config keys; without it, settings come from the process environment."""
    test_config = dict(test_config or {})
    settings = load_settings(test_config.pop("ENV", None))
    if not settings.twilio_auth_token and not settings.development:
        raise ConfigError(
            "Refusing to serve Twilio webhooks without TWILIO_AUTH_TOKEN: anyone could drive "
            "the line. Set TWILIO_AUTH_TOKEN, or HOTLINE_ENV=development for local use."
        )
    app = Flask(__name__)
    app.config.update(
        SETTINGS=settings,
        MAX_CONTENT_LENGTH=MAX_BODY,
        SECRET_KEY=settings.secret_key.reveal() or None,
    )
    app.config.update(test_config)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logs.install()  # no control character from a request reaches a log line

    from . import cli, counts, db, sms, voice
    from .content.store import ContentStore
    from .twiml_cache import TwimlCache

    database = db.init_app(app)  # everything staff make; the embedded SQLite file is upgraded
    from .db.cli import db_cli
    from .publish.importer import import_command

    # `flask db ...`; importing an old DATA_DIR writes versions, so it comes from ivr.publish,
    # added here above both (ivr.db knows nothing of publishing).
    app.cli.add_command(db_cli(import_command))
    app.extensions["content"] = ContentStore(settings.content_dir)
    app.extensions["twiml_cache"] = TwimlCache()
    # What callers need, as totals only (ivr/counts.py), and the numbers by text message
    # (ivr/sms): both before the webhooks and the cached answers, which use them.
    totals = counts.init_app(app, database.engine)
    database.on_close(totals.close)
    sms.init_app(app, engine=database.engine, count=totals.add)
    voice.init_app(app)
    cli.init_app(app)

    from . import audio, publish
    from .sim import web as simulator

    audio.init_app(app)
    publish.init_app(app)  # after content and audio: it serves the live version through them
    simulator.init_app(app)
    from .console import init_app as init_console

    init_console(app)  # the staff console at /admin (sets g.staff_user for the simulator)
    from .console import needs

    needs.init_app(app)  # "What callers need" at /admin/needs, behind the console's login
    from .console import throttle

    throttle.init_app(app)  # after the console: its refusals run before any other hook
    from .answered import CachedAnswers

    @app.teardown_request
    def _give_memory_back(_error: BaseException | None) -> None:
        # Console pages and publishes leave megabytes of garbage behind; webhooks and audio
        # do not, and stay as fast as they are (ivr/heap.py).
        if not request.path.startswith(("/voice", "/audio")) and not (
            request.endpoint or ""
        ).endswith("static"):
            heap.trim()

    # Before anything of the app runs (routing, error handlers, sessions): /voice is Twilio's.
    # Inside it, a verified webhook whose answer is already rendered is served from the cache.
    app.wsgi_app = SignedVoice(CachedAnswers(app.wsgi_app, app), settings)
    if settings.trusted_proxies:
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)
    if settings.development and not settings.twilio_auth_token:
        app.logger.warning("development mode: webhooks are served WITHOUT signature checks")
    return app
