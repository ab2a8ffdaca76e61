"""Helpers shared by the publishing tests: a copy of the line in tmp_path, and apps on it.

No tests live here. The seed audio is a small subset of the committed audio (the first menu
in every language), so no test needs a full audio build.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from ivr import create_app
from ivr.audio.manifest import load_manifest, save_manifest
from ivr.content import ContentPack, load_pack
from ivr.flow import answer

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Line:
    prompts: Path
    audio: Path
    data: Path

    def env(self) -> dict[str, str]:
        return {
            "HOTLINE_ENV": "development",
            "CONTENT_DIR": str(self.prompts),
            "AUDIO_DIR": str(self.audio),
            "DATA_DIR": str(self.data),
        }

    def app(self) -> Flask:
        """A fresh app on this line: a second call is another gunicorn worker."""
        return create_app({"ENV": self.env(), "TESTING": True})

    def stored_files(self) -> dict[str, bytes]:
        """Every file under DATA_DIR/content (to prove a refused change wrote nothing)."""
        root = self.data / "content"
        return {
            p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*"))
            if p.is_file() and not p.name.startswith(".")
        }


def make_line(tmp_path: Path) -> Line:
    """prompts/ copied, and the committed audio of the first menu (language choice)."""
    line = Line(tmp_path / "prompts", tmp_path / "audio", tmp_path / "data")
    shutil.copytree(ROOT / "prompts", line.prompts)
    pack = load_pack(line.prompts)
    seed = load_manifest(ROOT / "audio")
    subset = type(seed)()
    for prompt in answer(pack).prompts:
        entry = seed.get(prompt.lang, prompt.id)
        assert entry is not None and entry.speaks(prompt.text), "commit audio for the first menu"
        (line.audio / prompt.lang).mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "audio" / prompt.lang / entry.file, line.audio / prompt.lang)
        subset.put(entry)
    save_manifest(line.audio, subset)
    return line


def first_prompt(pack: ContentPack, lang: str = "es") -> str:
    """The id of the first prompt a caller hears in ``lang`` (it has seed audio)."""
    return next(p.id for p in answer(pack).prompts if p.lang == lang)


def edited(pack: ContentPack, prompt_id: str, word: str, lang: str = "es") -> str:
    """The prompt's authored text with ``word`` in front: still valid (it names its key)."""
    return f"{word}. {pack.raw_texts(lang)[prompt_id]}"


def call(app: Flask) -> str:
    """The TwiML answering a new call."""
    return app.test_client().post("/voice").get_data(as_text=True)


def played(twiml: str, lang: str) -> str | None:
    """The audio file name a <Play> of ``lang`` names, or None."""
    match = re.search(rf"<Play>/audio/{lang}/([^<]+)</Play>", twiml)
    return match[1] if match else None


def verbs(twiml: str) -> list[str]:
    return re.findall(r"<(Play|Say)\b", twiml)


def manifest_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))
