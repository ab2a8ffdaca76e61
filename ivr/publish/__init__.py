"""Versioned content: storage, edits, audio for staff, restore and the audit log.

``init_app(app)`` puts a :class:`Publisher` in ``app.extensions["publisher"]``: the only API the
staff console uses to change what the line serves.
"""

from __future__ import annotations

from flask import Flask

from .models import AudioVersion, AuditEntry, Draft, Version
from .publisher import Publisher

__all__ = ["AuditEntry", "AudioVersion", "Draft", "Publisher", "Version", "init_app"]


def init_app(app: Flask) -> Publisher:
    """Register the publisher (after the content store and the audio catalogue exist)."""
    publisher = Publisher()
    app.extensions["publisher"] = publisher
    return publisher
