"""Human voices: the recording session's parts outside the console.

``init_app(app)`` (after the publisher and the console's staff accounts) puts in
``app.extensions``: ``studio`` (ivr/publish/studio.py: takes, sessions, publishing, and the
Publisher's hook that splices a changed number into human-voiced prompts) and
``twilio_recordings`` (fetch and delete phone takes; in
development without a Twilio account an in-process fake, ``recordings_fake``, that the
simulators' emulator records into). It registers the staff recording line at
``POST /voice/staff`` with its take playback at ``/staff-audio/``, and the commands
``flask content codes``, ``flask audio coverage`` and ``flask staff set-pin`` (the
console's ``staff pin`` under a second name). Phone PINs are the accounts' own
(``app.extensions["staff"]``, ``StaffAccounts.set_pin/check_pin``).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import Flask

from ..counts import read_counts, today_utc
from ..publish.studio import Studio

COUNTS_DAYS = 90  # the counts the coverage is weighted by: the last three months


def init_app(app: Flask) -> Studio:
    from . import login  # noqa: F401  (its routes go on line.bp)
    from .cli import add_commands
    from .line import bp
    from .recordings import InProcessRecordings, TwilioRecordings
    from .takes import audio_bp

    if "studio" in app.extensions:
        return app.extensions["studio"]
    settings = app.config["SETTINGS"]
    db = app.extensions["db"]

    def counts() -> list[tuple]:
        today = today_utc()
        return read_counts(db.engine, today - timedelta(days=COUNTS_DAYS), today)

    studio = Studio(db, app.extensions["publisher"], counts=counts)
    app.extensions["studio"] = studio
    if settings.twilio_account_sid:
        app.extensions["twilio_recordings"] = TwilioRecordings(
            settings.twilio_account_sid,
            settings.twilio_auth_token.reveal(),
            settings.twilio_api_base,
        )
    elif settings.development:
        from ..sim.messages import DEV_ACCOUNT
        from ..sim.recordings import FakeRecordings

        fake = FakeRecordings(DEV_ACCOUNT, secrets.token_hex(16))
        app.extensions["recordings_fake"] = fake
        app.extensions["twilio_recordings"] = InProcessRecordings(fake)
    app.register_blueprint(bp)
    app.register_blueprint(audio_bp)
    add_commands(app)
    return studio
