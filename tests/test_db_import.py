"""`flask db import-data-dir`: a deployment that kept everything in files under DATA_DIR moves
into the database with nothing lost (same version ids, live pointer, audit log, audio, drafts,
staff), and running the import again adds nothing."""

from __future__ import annotations

import json
import sqlite3

import pytest
from test_publish_support import call, edited, first_prompt, make_line, played
from werkzeug.security import generate_password_hash

from ivr.audio.manifest import Manifest, load_manifest

PASSWORD = "correct horse battery"


@pytest.fixture
def line(tmp_path, database_url):
    return make_line(tmp_path, database_url)


def old_data_dir(line, folder):
    """The file layout the line used before the database: two versions (the second, live,
    with a staff recording), a draft, an audit log and a staff account."""
    content = folder / "content"
    pack = {
        p.relative_to(line.prompts).as_posix(): p.read_bytes()
        for p in sorted(line.prompts.rglob("*.yaml"))
    }
    seed = load_manifest(line.audio)
    from ivr.content import load_pack

    loaded = load_pack(line.prompts)
    prompt = first_prompt(loaded)
    text_file = "text/es.yaml"
    raw = loaded.raw_texts("es")[prompt]
    second = {**pack, text_file: pack[text_file].replace(raw.encode(), f"Hola. {raw}".encode())}
    recording = (line.audio / "es" / seed.get("es", prompt).file).read_bytes()
    recorded = f"{prompt}.{'a' * 12}.wav"
    manifest = Manifest(dict(seed.entries))
    entry = seed.get("es", prompt)
    manifest.put(
        type(entry)(
            **{
                **entry.to_json(),
                "file": recorded,
                "text": f"Hola. {entry.text}",
                "source": {"kind": "staff", "by": "ana", "original": "take.m4a"},
            }
        )
    )
    for number, files, man, meta in (
        (1, pack, seed, {"created": "2026-11-20T10:00:00Z", "author": "dev", "summary": "seed"}),
        (
            2,
            second,
            manifest,
            {"created": "2026-11-21T10:00:00Z", "author": "ana", "summary": f"es {prompt}: hola"},
        ),
    ):
        version = content / "versions" / f"{number:06d}"
        for name, data in files.items():
            (version / "pack" / name).parent.mkdir(parents=True, exist_ok=True)
            (version / "pack" / name).write_bytes(data)
        (version / "manifest.json").write_bytes(man.to_bytes())
        (version / "version.json").write_text(json.dumps(meta))
    (content / "versions" / "000003" / "pack").mkdir(parents=True)  # a crashed publish
    (content / "LIVE").write_text("2\n")
    (content / "audio" / "es").mkdir(parents=True)
    (content / "audio" / "es" / recorded).write_bytes(recording)
    draft = content / "drafts" / "0123456789abcdef"
    draft.mkdir(parents=True)
    (draft / "audio.wav").write_bytes(recording)
    (draft / "draft.json").write_text(
        json.dumps(
            {
                "lang": "es",
                "prompt_id": prompt,
                "text": "Hola.",
                "duration": 1.5,
                "author": "ana",
                "original": "take 2.m4a",
                "created": "2026-11-22T10:00:00Z",
            }
        )
    )
    audit = [
        {
            "when": "2026-11-20T10:00:00Z",
            "who": "dev",
            "action": "publish_seed",
            "what": "seed",
            "summary": "prompts/",
            "version": "1",
        },
        {
            "when": "2026-11-21T10:00:00Z",
            "who": "ana",
            "action": "publish_recording",
            "what": f"es {prompt}",
            "summary": "take.m4a",
            "version": "2",
        },
    ]
    (content / "audit.jsonl").write_text("".join(json.dumps(a) + "\n" for a in audit))
    with sqlite3.connect(folder / "staff.sqlite3") as db:
        db.executescript(
            "CREATE TABLE staff (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, "
            "created REAL NOT NULL);"
            "CREATE TABLE login_failures (key TEXT PRIMARY KEY, count INTEGER NOT NULL, "
            "last_failure REAL NOT NULL, locked_until REAL NOT NULL);"
        )
        db.execute(
            "INSERT INTO staff VALUES ('maria', ?, 1000.0)",
            (generate_password_hash(PASSWORD, method="scrypt"),),
        )
    db.close()
    return prompt, recorded


def test_an_old_data_dir_moves_into_the_database_once(line, tmp_path):
    prompt, recorded = old_data_dir(line, tmp_path / "old")
    app = line.app()
    runner = app.test_cli_runner()

    first = runner.invoke(args=["db", "import-data-dir", str(tmp_path / "old")])
    again = runner.invoke(args=["db", "import-data-dir", str(tmp_path / "old")])

    assert first.exit_code == 0, first.output
    assert "versions: 2 imported, 0 already there" in first.output
    assert "versions: 0 imported, 2 already there" in again.output
    assert " imported, " in again.output and not any(
        row.split(":")[1].strip().startswith(tuple("123456789"))
        for row in again.output.splitlines()
        if ":" in row
    )
    publisher = line.app().extensions["publisher"]
    assert [(v.id, v.author, v.live) for v in publisher.versions()] == [
        ("2", "ana", True),
        ("1", "dev", False),
    ]
    assert [e.action for e in publisher.audit_log()] == ["publish_recording", "publish_seed"]
    fresh = line.app(tmp_path / "another-disk") if line.database_url else line.app()
    twiml = call(fresh)
    assert played(twiml, "es") == recorded  # the recording, from the database
    with fresh.test_client().get(f"/audio/es/{recorded}") as response:
        assert response.status_code == 200
    assert publisher.drafts.get("0123456789abcdef").original == "take 2.m4a"
    assert publisher.version_changes("2")[0].target == prompt
    assert app.extensions["staff"].login("maria", PASSWORD, "127.0.0.1").name == "maria"
    edited_again = publisher.set_text(
        "es", prompt, edited(publisher.pack(), prompt, "Otra"), author="ana"
    )
    assert edited_again.id == "3"
