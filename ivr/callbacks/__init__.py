"""Missed-call callbacks (issue 18): a caller with no airtime rings the line, is turned away
for free (`<Reject reason="busy"/>`), and the line calls back with the language menu.

    webhooks.py  POST /voice/missed (always Reject first), POST /voice/callbacks/status
    numbers.py   which numbers may be called back (valid E.164, CALLBACK_COUNTRIES)
    queue.py     the queue, the limits and the counts in the one database
    service.py   `Callbacks` (app.extensions["callbacks"]): missed_call, place_due, ended
    worker.py    the Procfile's `worker:` loop (also runs the destination checks)
    cli.py       flask --app ivr callbacks run|status|purge
"""

from __future__ import annotations

from flask import Flask

from .. import outbound
from .service import Callbacks
from .settings import CallbackSettings

__all__ = ["CallbackSettings", "Callbacks", "init_app"]


def init_app(app: Flask) -> Callbacks:
    from .cli import callbacks_cli
    from .webhooks import bp

    settings = app.config["SETTINGS"]
    if "outbound" not in app.extensions:  # shared with the destination checks
        app.extensions["outbound"] = outbound.from_settings(settings)
    service = Callbacks(
        app.extensions["db"], CallbackSettings.from_settings(settings), app.extensions["outbound"]
    )
    app.extensions["callbacks"] = service
    app.register_blueprint(bp)
    app.cli.add_command(callbacks_cli)
    return service
