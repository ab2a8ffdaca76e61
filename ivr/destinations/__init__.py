"""Destination checks (issue 18): test calls to the transfer numbers on a schedule, their
results, and the flags staff see. See checks.py; webhooks under /voice/checks; the worker
(ivr/callbacks/worker.py) runs them; `flask --app ivr destinations check|status|cost`."""

from __future__ import annotations

from flask import Flask

from .. import outbound
from .checks import Destination, DestinationChecks, transfer_numbers

__all__ = ["Destination", "DestinationChecks", "init_app", "transfer_numbers"]

DEV_FROM = "+15005550006"  # Twilio's test-credentials "valid From": development only


def init_app(app: Flask) -> DestinationChecks:
    from ..callbacks.settings import CallbackSettings
    from .cli import destinations_cli
    from .webhooks import bp

    settings = app.config["SETTINGS"]
    if "outbound" not in app.extensions:
        app.extensions["outbound"] = outbound.from_settings(settings)
    base = CallbackSettings.from_settings(settings).public_base_url
    checks = DestinationChecks(
        app.extensions["db"],
        app.extensions["content"].current,
        app.extensions["outbound"],
        public_base_url=base,
        from_number=settings.hotline_number or (DEV_FROM if settings.development else ""),
        every_hours=settings.destination_check_hours,
        zone=settings.hotline_timezone,
    )
    app.extensions["destinations"] = checks
    app.register_blueprint(bp)
    app.cli.add_command(destinations_cli)
    return checks
