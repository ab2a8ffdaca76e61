"""Versioned content: storage, edits, audio for staff, restore and the audit log.

``init_app(app)`` puts a :class:`Publisher` in ``app.extensions["publisher"]`` (the only API
the staff console uses to change what the line serves), makes the content store and the audio
catalogue serve the live published version, and adds ``flask content ...``.
"""

from __future__ import annotations

from flask import Flask

from .live import LiveVersion
from .models import AudioVersion, AuditEntry, Draft, Version
from .publisher import Publisher
from .storage import LocalStorage, Storage

__all__ = [
    "AudioVersion",
    "AuditEntry",
    "Draft",
    "LocalStorage",
    "Publisher",
    "Storage",
    "Version",
    "init_app",
]

STORAGE_DIR = "content"  # under DATA_DIR, next to the console's staff database


def init_app(app: Flask, storage: Storage | None = None) -> Publisher:
    """Register the publisher (after the content store and the audio catalogue exist)."""
    from .cli import content_cli

    settings = app.config["SETTINGS"]
    store = app.extensions["content"]
    catalogue = app.extensions["audio"]
    # Nothing is created on disk until the first publish: a fresh checkout serves the seed.
    storage = storage or LocalStorage(settings.data_dir / STORAGE_DIR)
    publisher = Publisher(
        storage,
        store,
        catalogue,
        seed_content=store.root,
        seed_audio=catalogue.audio_dir,
        tts_engine=settings.tts_engine,
    )
    store.follow(LiveVersion(publisher.versions_store), seed_manifest=catalogue.manifest_file)
    catalogue.follow(store.snapshot, publisher.versions_store.audio_path)
    app.extensions["publisher"] = publisher
    app.cli.add_command(content_cli)
    return publisher
