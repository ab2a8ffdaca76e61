"""Play prompt audio through whatever command-line player this machine has, if any."""

from __future__ import annotations

import shutil
import subprocess
import tempfile

# Tried in order; each plays a WAV file given as its last argument and exits when done.
PLAYERS = (
    ("aplay", ["-q"]),
    ("paplay", []),
    ("ffplay", ["-nodisp", "-autoexit", "-loglevel", "quiet"]),
)


class Player:
    """Plays audio bytes and blocks until they end; silently does nothing without a player."""

    def __init__(self, mute: bool = False) -> None:
        self.command: list[str] | None = None
        if not mute:
            for name, args in PLAYERS:
                path = shutil.which(name)
                if path:
                    self.command = [path, *args]
                    break

    @property
    def available(self) -> bool:
        return self.command is not None

    def play(self, audio: bytes) -> None:
        if self.command is None:
            return
        with tempfile.NamedTemporaryFile(suffix=".wav") as file:
            file.write(audio)
            file.flush()
            # A player that fails (no sound card, no audio server) must not end the call:
            # the caption has already been printed.
            subprocess.run(
                [*self.command, file.name],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
                timeout=120,
            )
