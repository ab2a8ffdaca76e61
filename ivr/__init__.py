"""Border asylum information hotline: Flask app answering Twilio voice webhooks."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from . import heap, logs
from .atomic import make_private, private_dir
from .config import ConfigError, load_settings
from .security import MAX_BODY, SignedVoice

# `flask --app ivr <command>` commands that answer web requests; every other one (staff,
# content, db, audio, fallback-twiml) only reads or writes the database and files.
SERVING_COMMANDS = frozenset({"run"})
# The flask command's own options that take a value (the command name comes after them).
_FLASK_OPTIONS_WITH_VALUE = frozenset({"--app", "-A", "--env-file", "-e"})


def _may_serve(argv: list[str] | None = None) -> bool:
    """False only inside a `flask` command that never serves a request: those need no Twilio
    token (without one, ivr/security.py refuses every webhook anyway), so `flask --app ivr
    staff add maria` works on a fresh machine as the README writes it."""
    argv = sys.argv if argv is None else argv
    program = Path(argv[0]) if argv else Path()
    by_flask = program.name == "flask" or program.parent.name == "flask"  # also python -m flask
    if os.environ.get("FLASK_RUN_FROM_CLI") != "true" or not by_flask:
        return True  # gunicorn (ivr.wsgi), tests, any other program
    args = list(argv[1:])
    while args:
        arg = args.pop(0)
        if arg in _FLASK_OPTIONS_WITH_VALUE:
            args = args[1:]
        elif not arg.startswith("-"):
            return arg in SERVING_COMMANDS
    return False  # `flask --app ivr --help`: lists the commands, serves nothing


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """App factory. `test_config` may hold `ENV` (a dict of environment variables) and any
    Flask config keys; without it, settings come from the process environment."""
    test_config = dict(test_config or {})
    settings = load_settings(test_config.pop("ENV", None))
    if not settings.twilio_auth_token and not settings.development and _may_serve():
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

    # Only the hotline's own user may read what it keeps (files 0600, folders 0700), whatever
    # the umask; what an older version left readable is tightened here.
    private_dir(settings.data_dir)
    make_private(settings.data_dir)
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
    from . import callbacks, destinations

    callbacks.init_app(app)  # /voice/missed, the callback queue and the worker (issue 18)
    destinations.init_app(app)  # test calls to the transfer numbers (issue 18)

    from . import audio, publish
    from .sim import callback_phone  # noqa: F401  (its routes join the phone's blueprint)
    from .sim import web as simulator

    audio.init_app(app)
    publish.init_app(app)  # after content and audio: it serves the live version through them
    simulator.init_app(app)
    from .console import init_app as init_console

    init_console(app)  # the staff console at /admin (sets g.staff_user for the simulator)
    from . import staffline

    staffline.init_app(app)  # human voices: recording sessions, the staff line /voice/staff
    from .console import needs

    needs.init_app(app)  # "What callers need" at /admin/needs, behind the console's login
    from .console import throttle

    throttle.init_app(app)  # after the console: its refusals run before any other hook
    from . import gate

    # Last, so first of all: a request that may wait on the database takes one of the
    # worker's slots (all threads but one) or is refused before it reads its session.
    gate.init_app(app, settings.gunicorn_threads)
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
