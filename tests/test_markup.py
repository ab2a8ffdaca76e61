"""Prompt texts are words (issue #20, item 6): markup in a text is refused, naming the prompt
and the characters, by the validator, the Publisher, the CLI and the console alike."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ivr import create_app
from ivr.content import ContentError, load_pack
from ivr.content.markup import markup_in

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
PROMPT = "safety.notice"
MARKUP = [
    ("<script>alert(1)</script>", "<script>"),
    ('Hola <svg onload="alert(1)">', '<svg onload="alert(1)">'),
    ('Espere <break time="3s"/> por favor.', '<break time="3s"/>'),
    ("<speak><prosody rate='x-slow'>Hola</prosody></speak>", "<speak>"),
    ("Menores de <18 años", "<18 años"),
    ("Mayores de 18 > menores", ">"),
    ("Niños &amp; niñas", "&amp;"),
    ("Llame &#60;ya", "&#60;"),
]


@pytest.mark.parametrize(("text", "first"), MARKUP)
def test_markup_is_found_and_named(text, first):
    assert markup_in(text)[0] == first


@pytest.mark.parametrize("text", ["Niños y niñas: oprima 1.", "Pan & agua.", "5 - 3 = 2; ¿sí?"])
def test_words_pass(text):
    assert markup_in(text) == []


def test_the_validator_names_the_prompt_and_the_characters(tmp_path):
    root = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", root)
    path = root / "text" / "es.yaml"
    path.write_text(
        path.read_text().replace(
            'language.option: "Español: oprima 1."', 'language.option: "<b>Español</b>: oprima 1."'
        )
    )
    with pytest.raises(ContentError) as caught:
        load_pack(root)
    [problem] = [p for p in caught.value.problems if p.code == "markup"]
    assert problem.file == "text/es.yaml" and problem.key == "language.option"
    assert problem.params["markup"] == "<b>" and problem.params["characters"] == "< >"
    assert "language.option" in str(problem) and "'<b>'" in str(problem)


def test_the_publisher_refuses_and_publishes_nothing(tmp_path):
    app = create_app({"ENV": {"HOTLINE_ENV": "development", "DATA_DIR": str(tmp_path)}})
    publisher = app.extensions["publisher"]
    for text, _ in MARKUP:
        with pytest.raises(ContentError) as caught:
            publisher.set_text("es", PROMPT, text, author="ana")
        assert [p.code for p in caught.value.problems] == ["markup"]
    assert publisher.versions() == []


def test_the_cli_refuses_naming_the_prompt_and_the_characters(tmp_path):
    env = {**os.environ, "HOTLINE_ENV": "development", "DATA_DIR": str(tmp_path)}
    flask = str(Path(sys.executable).with_name("flask"))
    done = subprocess.run(
        [flask, "--app", "ivr", "content", "set-text", "es", PROMPT, "Hola <script>x</script>",
         "--by", "ana"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode != 0
    said = done.stdout + done.stderr
    assert PROMPT in said and "<script>" in said and "the characters < >" in said


@pytest.fixture
def app(tmp_path):
    app = create_app(
        {"ENV": {"HOTLINE_ENV": "development", "DATA_DIR": str(tmp_path)}, "TESTING": True}
    )
    app.extensions["staff"].add("maria", PASSWORD)
    return app


def staff_client(app, language: str):
    app.extensions["staff"].set_language("maria", language)
    client = app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"name": "maria", "password": PASSWORD, "csrf_token": token}
    assert client.post("/admin/login", data=form).status_code == 302
    page = client.get(f"/admin/prompts/es/{PROMPT}").get_data(as_text=True)
    return client, re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "The text has markup: «<svg onload=\"x\">» (the characters < >)"),
        ("es", "El texto tiene marcas: «<svg onload=\"x\">» (los caracteres < >)"),
    ],
)
def test_the_console_refuses_in_plain_words(app, language, words):
    client, token = staff_client(app, language)
    form = {"text": 'Aviso <svg onload="x"> nuevo.', "csrf_token": token}
    reply = client.post(f"/admin/prompts/es/{PROMPT}/text", data=form)
    assert reply.status_code == 422
    page = html.unescape(reply.get_data(as_text=True))
    assert words in page
    assert app.extensions["publisher"].versions() == []
