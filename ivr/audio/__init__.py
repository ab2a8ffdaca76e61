"""Telephony audio for every prompt: engines, the pydub pipeline, the manifest and catalogue.

``init_app(app)`` puts an :class:`AudioCatalogue` in ``app.extensions["audio"]`` (the voice
webhook asks it for each prompt's URL), serves ``/audio/...`` and adds ``flask audio ...``.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from .catalogue import AudioCatalogue, Coverage
from .offline import OfflineAudio

__all__ = ["AudioCatalogue", "Coverage", "OfflineAudio", "init_app"]


def init_app(app: Flask, audio_dir: Path | str | None = None) -> AudioCatalogue:
    """Register the catalogue, the audio blueprint and the CLI group on ``app``."""
    from .cli import audio_cli
    from .web import bp

    if audio_dir is None:
        audio_dir = app.config["SETTINGS"].audio_dir
    catalogue = AudioCatalogue(audio_dir)
    settings = app.config.get("SETTINGS")
    if settings is not None:
        catalogue.offline = OfflineAudio(Path(settings.data_dir) / "offline-audio")
    app.extensions["audio"] = catalogue
    app.register_blueprint(bp)
    app.cli.add_command(audio_cli)
    return catalogue
