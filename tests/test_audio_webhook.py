"""End to end: the line plays built audio, and says the text instead once that audio is stale."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from ivr import create_app
from ivr.audio import init_app
from ivr.audio.build import build_audio
from ivr.flow import answer

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def line(tmp_path):
    """The real content pack (a copy staff can edit) with audio for the first menu only."""
    content, audio_dir = tmp_path / "prompts", tmp_path / "audio"
    shutil.copytree(ROOT / "prompts", content)
    app = create_app(
        {
            "ENV": {
                "HOTLINE_ENV": "development",
                "CONTENT_DIR": str(content),
                "AUDIO_DIR": str(audio_dir),
            },
            "TESTING": True,
        }
    )
    if "audio" not in app.extensions:  # until create_app registers the audio parts itself
        init_app(app)
    pack = app.extensions["content"].current()
    first_menu = {prompt.id for prompt in answer(pack).prompts}
    assert build_audio(pack, audio_dir, prompts=first_menu, jobs=2).ok
    return app, content


def verbs(twiml: str) -> list[str]:
    return re.findall(r"<(Play|Say)\b", twiml)


def test_the_first_menu_plays_audio_in_every_language(line):
    app, _ = line

    twiml = app.test_client().post("/voice").get_data(as_text=True)

    assert verbs(twiml) == ["Play"] * len(app.extensions["content"].current().languages)
    assert "<Play>/audio/es/language.option." in twiml


def test_an_edited_spanish_text_is_said_until_one_build_brings_its_audio_back(line):
    app, content = line
    texts_file = content / "text" / "es.yaml"
    texts = yaml.safe_load(texts_file.read_text(encoding="utf-8"))
    texts["language.option"] = "Bienvenido. " + texts["language.option"]
    texts_file.write_text(yaml.safe_dump(texts, allow_unicode=True), encoding="utf-8")
    pack = app.extensions["content"].reload()

    stale = app.test_client().post("/voice").get_data(as_text=True)

    assert verbs(stale) == ["Say"] + ["Play"] * (len(pack.languages) - 1)
    assert "Bienvenido." in stale
    first_menu = {prompt.id for prompt in answer(pack).prompts}
    report = build_audio(pack, app.extensions["audio"].audio_dir, prompts=first_menu)

    assert report.built == [("es", "language.option")]
    again = app.test_client().post("/voice").get_data(as_text=True)
    assert verbs(again) == ["Play"] * len(pack.languages)
