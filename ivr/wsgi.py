"""The web process's app (the Procfile serves ``ivr.wsgi:app``).

Unlike the CLI, it refuses to start when the database's schema is behind this code's
migrations, naming the command that brings it up to date (the release phase runs it). The
embedded SQLite database needs nothing: ``create_app`` upgrades it itself.
"""

from __future__ import annotations

from . import create_app, heap

heap.tune()  # before the worker's threads start (ivr/heap.py)
app = create_app()
app.extensions["db"].require_current()
