"""Versioned content in the database: edits, audio for staff, restore, prune and the audit log.

``init_app(app)`` puts a :class:`Publisher` in ``app.extensions["publisher"]`` (the only API
the staff console uses to change what the line serves), makes the content store and the audio
catalogue serve the live published version (kept in memory, refreshed in the background by
:class:`~ivr.publish.live.LiveVersion`), and adds ``flask content ...``.
"""

from __future__ import annotations

from flask import Flask

from .history import LaterChange, NotUndoable
from .live import POLL_SECONDS, LiveVersion
from .models import AudioVersion, AuditEntry, Change, Draft, Version
from .publisher import Publisher
from .reviews import Review
from .text_drafts import TextDraft
from .undo import UndoBlocked
from .versions import VersionStore

__all__ = [
    "AudioVersion",
    "AuditEntry",
    "Change",
    "Draft",
    "LaterChange",
    "NotUndoable",
    "Publisher",
    "Review",
    "TextDraft",
    "UndoBlocked",
    "Version",
    "init_app",
]

CACHE_DIR = "cache"  # under DATA_DIR: local copies only, rebuilt from the database


def init_app(app: Flask) -> Publisher:
    """Register the publisher (after the database, the content store and the catalogue)."""
    from .cli import content_cli

    settings = app.config["SETTINGS"]
    store = app.extensions["content"]
    catalogue = app.extensions["audio"]
    cache = settings.data_dir / CACHE_DIR
    live = LiveVersion(
        VersionStore(app.extensions["db"]),
        cache,
        catalogue.audio_dir,
        poll_seconds=float(app.config.get("LIVE_POLL_SECONDS", POLL_SECONDS)),
    )
    live.start()  # the live version before the first request (the disk copy without a db)
    publisher = Publisher(
        app.extensions["db"],
        store,
        catalogue,
        live,
        seed_content=store.root,
        seed_audio=catalogue.audio_dir,
        cache_dir=cache,
        tts_engine=settings.tts_engine,
    )
    store.follow(live, seed_manifest=catalogue.manifest_file)
    catalogue.follow(store.snapshot, live.audio_path)
    app.extensions["publisher"] = publisher
    app.cli.add_command(content_cli)
    return publisher
