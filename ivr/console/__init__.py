"""The staff console at /admin: log in, see which prompts have audio, the call flow, and edit
texts, recordings and the directory through the Publisher (``app.extensions["publisher"]``).

``init_app(app)`` registers the blueprint, the ``flask staff ...`` commands, the session cookie
settings, Flask-Babel (the console and the browser phone in Spanish or English) and the hook
that sets ``g.staff_user`` on every request, then checks the page's role (``roles.py``).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from . import roles
from .accounts import StaffAccounts
from .i18n import init_babel
from .security import configure_sessions, database_unavailable, load_staff_user

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    """Register the staff console on ``app`` (once)."""
    from .areas import load_areas
    from .cli import staff_cli
    from .web import bp

    if bp.name in app.blueprints:
        return
    configure_sessions(app)
    init_babel(app)  # the console and the browser phone in the staffer's language
    app.extensions["staff"] = StaffAccounts(
        app.extensions["db"],
        idle_minutes=app.config["SETTINGS"].staff_idle_minutes,
        pin_key=app.secret_key,  # phone PINs are keyed with it (phone_pins.py)
    )
    # Any page, when the database cannot be reached: a plain 503, never a traceback. (The
    # phone line's webhooks never touch the database.)
    app.register_error_handler(sa.exc.SQLAlchemyError, database_unavailable)
    # First in line, so blueprints' own before_request hooks (the simulator's) can rely on it;
    # then every /admin page's role (roles.py), whichever blueprint serves it.
    app.before_request_funcs.setdefault(None, [])[0:0] = [load_staff_user, roles.check]
    load_areas()  # every area's routes, on the one blueprint (areas/__init__.py lists them)
    app.register_blueprint(bp)
    app.cli.add_command(staff_cli)
