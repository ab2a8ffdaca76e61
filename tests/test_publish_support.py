"""Helpers shared by the publishing tests: a copy of the line in tmp_path, and apps on it.

No tests live here. The seed audio is a small subset of the committed audio (the first menu
in every language), so no test needs a full audio build.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shutil
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa
from flask import Flask

from ivr import create_app
from ivr.audio.manifest import load_manifest, save_manifest
from ivr.content import ContentPack, load_pack
from ivr.content.files import text_file
from ivr.db import Database, engine_url, schema
from ivr.flow import answer
from ivr.publish import edits

ROOT = Path(__file__).resolve().parent.parent
POLL = 0.05  # seconds between a test worker's looks at the live pointer (production: 0.5)
T = TypeVar("T")


@dataclass(frozen=True)
class Line:
    prompts: Path
    audio: Path
    data: Path
    database_url: str = ""  # "" = the embedded SQLite file in data/

    def env(self, data: Path | None = None) -> dict[str, str]:
        env = {
            "HOTLINE_ENV": "development",
            "CONTENT_DIR": str(self.prompts),
            "AUDIO_DIR": str(self.audio),
            "DATA_DIR": str(data or self.data),
        }
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env

    def app(self, data: Path | None = None) -> Flask:
        """A fresh app on this line: a second call is another gunicorn worker (with ``data``,
        one on another machine, with its own DATA_DIR)."""
        return create_app({"ENV": self.env(data), "TESTING": True, "LIVE_POLL_SECONDS": POLL})

    def database(self) -> Database:
        return Database(engine_url(self.database_url, self.data))

    def stored_rows(self) -> dict[str, list[tuple]]:
        """Every row of the tables staff changes write (to prove a refused change wrote
        nothing)."""
        database = self.database()
        try:
            with database.connect() as conn:
                return {
                    table.name: sorted(
                        tuple(map(repr, row)) for row in conn.execute(table.select())
                    )
                    for table in (
                        schema.versions,
                        schema.live,
                        schema.blobs,
                        schema.audit,
                        schema.audio,
                        schema.drafts,
                    )
                }
        finally:
            database.close()

    def query(self, statement: sa.Executable) -> list[sa.Row]:
        database = self.database()
        try:
            with database.connect() as conn:
                return list(conn.execute(statement))
        finally:
            database.close()

    def stored_audio(self, lang: str, file: str) -> bytes | None:
        """The bytes the database keeps for a published audio file."""
        rows = self.query(
            sa.select(schema.audio.c.data).where(
                schema.audio.c.lang == lang, schema.audio.c.file == file
            )
        )
        return bytes(rows[0].data) if rows else None

    def version_row(self, version_id: str) -> sa.Row:
        table = schema.versions
        return self.query(sa.select(table).where(table.c.id == int(version_id)))[0]

    def everything_stored(self) -> bytes:
        """Every value in every table, blobs decompressed (to look for what must not be there)."""
        found = []
        for table in schema.metadata.sorted_tables:
            for row in self.query(table.select()):
                for value in row:
                    if isinstance(value, bytes) and table is schema.blobs:
                        value = zlib.decompress(value)
                    found.append(value if isinstance(value, bytes) else repr(value).encode())
        return b"\n".join(found)

    def publish_damaged(self, name: str, data: bytes) -> str:
        """Make live a copy of the live version whose file ``name`` holds ``data``, as a hand
        edit of the database gone wrong would; the new version's id."""
        database = self.database()
        try:
            with database.begin() as conn:
                live = conn.execute(sa.select(schema.live.c.version_id)).scalar_one()
                row = conn.execute(
                    sa.select(schema.versions).where(schema.versions.c.id == live)
                ).one()
                sha = hashlib.sha256(data).hexdigest()
                conn.execute(
                    sa.insert(schema.blobs).values(
                        sha256=sha, size=len(data), data=zlib.compress(data)
                    )
                )
                new = row.id + 1
                conn.execute(
                    sa.insert(schema.versions).values(
                        {**row._mapping, "id": new, "files": {**row.files, name: sha}}
                    )
                )
                conn.execute(
                    sa.update(schema.live).values(version_id=new, serial=schema.live.c.serial + 1)
                )
            return str(new)
        finally:
            database.close()


def eventually(check: Callable[[], T], timeout: float = 3.0) -> T:
    """``check()``'s first truthy value, asked until ``timeout`` seconds have passed (another
    worker takes up to its poll interval to see a publish)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.02)


@functools.cache
def _repository_pack() -> ContentPack:
    """prompts/ read once per worker (each read costs a quarter of a second)."""
    return load_pack(ROOT / "prompts")


def make_line(tmp_path: Path, database_url: str = "") -> Line:
    """prompts/ copied, and the committed audio of the first menu (language choice)."""
    line = Line(tmp_path / "prompts", tmp_path / "audio", tmp_path / "data", database_url)
    shutil.copytree(ROOT / "prompts", line.prompts)
    pack = _repository_pack()  # what was just copied
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


def call_until(app: Flask, words: str, timeout: float = 3.0) -> str:
    """The TwiML answering a new call once it contains ``words`` (or after ``timeout``)."""
    last = ""

    def check() -> bool:
        nonlocal last
        last = call(app)
        return words in last

    eventually(check, timeout)
    return last


def heard(app: Flask) -> str:
    """What a caller hears on a new call: its TwiML with each <Play> of published audio
    replaced by the words that file speaks, so a test of the words holds whether the line
    says them with <Say> or plays fresh audio of them."""
    return as_heard(app, call(app))


def as_heard(app: Flask, twiml: str) -> str:
    """``twiml`` with each <Play> replaced by the words its audio speaks, as the live audio
    manifest of ``app`` says (served by ``app`` or by another machine of the same line). A
    file the manifest does not name stays a <Play>."""
    manifest = app.extensions["content"].snapshot().manifest
    words = {(e.language, e.file): e.text for e in manifest.entries.values()} if manifest else {}

    def spoken(play: re.Match) -> str:
        return words.get((play[1], play[2]), play[0])

    return re.sub(r"<Play>/audio/([^/<]+)/([^<]+)</Play>", spoken, twiml)


def heard_until(app: Flask, words: str, timeout: float = 3.0) -> str:
    """What a caller hears on a new call once it contains ``words`` (or after ``timeout``)."""
    last = ""

    def check() -> bool:
        nonlocal last
        last = heard(app)
        return words in last

    eventually(check, timeout)
    return last


def seed_text(line: Line, lang: str, prompt_id: str, text: str) -> None:
    """Change a prompt's words in the seed files themselves, as a developer's commit would:
    the seed audio of it no longer speaks them (out of date), so the line says them with <Say>
    until audio is rebuilt."""
    files = {
        str(path.relative_to(line.prompts)): path.read_bytes()
        for path in line.prompts.rglob("*.yaml")
    }
    name = text_file(lang)
    (line.prompts / name).write_bytes(edits.set_text(files, lang, prompt_id, text).files[name])


def staff_recorded_seed(line: Line, lang: str, prompt_id: str) -> None:
    """Mark the seed audio of a prompt as a staff recording: a later text edit leaves it out
    of date (for staff to record again) instead of making computer audio of the new words."""
    manifest = load_manifest(line.audio)
    entry = manifest.get(lang, prompt_id)
    assert entry is not None, f"seed audio for {lang} {prompt_id}"
    manifest.put(replace(entry, source={"kind": "staff", "by": "ana"}))
    save_manifest(line.audio, manifest)


def played(twiml: str, lang: str) -> str | None:
    """The audio file name a <Play> of ``lang`` names, or None."""
    match = re.search(rf"<Play>/audio/{lang}/([^<]+)</Play>", twiml)
    return match[1] if match else None


def verbs(twiml: str) -> list[str]:
    return re.findall(r"<(Play|Say)\b", twiml)


def manifest_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))
