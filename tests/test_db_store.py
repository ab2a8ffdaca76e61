"""The database store on its own terms (each test on SQLite and on PostgreSQL): a text edit
stores what changed, prune keeps what the line may still play, a version says what it changed,
what a worker keeps of the versions it read stays bounded, and a publish is all or nothing.
(The migrations against the declared schema:
test_db_schema.py.)"""

from __future__ import annotations

import zlib

import pytest
import sqlalchemy as sa
from test_publish_support import call, edited, first_prompt, make_line, played, seed_text

from ivr.content import load_pack
from ivr.db import Database, engine_url, schema
from ivr.publish.versions import VersionStore

TEXT_EDIT_BUDGET = 20_000  # bytes a text edit may add to the database (audio aside)


@pytest.fixture
def line(tmp_path, database_url):
    return make_line(tmp_path, database_url)


def stored_blobs(line) -> dict[str, bytes]:
    """Every blob's hash and its contents as stored (compressed)."""
    return {row.sha256: bytes(row.data) for row in line.query(schema.blobs.select())}


def database_bytes(line) -> int:
    """What the versions, blobs and audit tables hold, counted as stored (compressed) bytes."""
    total = 0
    for table in (schema.versions, schema.blobs, schema.audit, schema.live):
        for row in line.query(table.select()):
            total += sum(len(v) if isinstance(v, bytes) else len(str(v)) for v in row)
    return total


def test_heroku_style_urls_are_read_as_psycopg_and_no_url_means_the_embedded_file(tmp_path):
    assert engine_url("postgres://u:p@h:5432/d", tmp_path) == "postgresql+psycopg://u:p@h:5432/d"
    assert engine_url("postgresql://u@h/d", tmp_path) == "postgresql+psycopg://u@h/d"
    assert engine_url("", tmp_path) == f"sqlite:///{tmp_path / 'hotline.sqlite3'}"
    assert "p@" not in repr(Database("postgresql+psycopg://u:secret@h/d"))


def test_a_text_edit_stores_only_the_changed_file(line):
    publisher = line.app().extensions["publisher"]
    pack = publisher.pack()
    prompt = first_prompt(pack)
    publisher.set_text("es", prompt, edited(pack, prompt, "Uno"), author="ana")
    blobs_before, size_before = stored_blobs(line), database_bytes(line)

    publisher.set_text("es", prompt, edited(pack, prompt, "Dos"), author="ana")

    added = database_bytes(line) - size_before
    new_blobs = {sha: data for sha, data in stored_blobs(line).items() if sha not in blobs_before}
    # text/es.yaml, and the Spanish part of the audio manifest naming the fresh audio of the
    # new words (the other languages' parts are shared with the version before).
    assert len(new_blobs) == 2
    manifest_part = next(d for d in new_blobs.values() if b'"prompt_id"' in zlib.decompress(d))
    assert 0 < added - len(manifest_part) <= TEXT_EDIT_BUDGET, added


def test_versions_share_their_manifest_parts_and_what_is_kept_stays_bounded(line):
    publisher = line.app().extensions["publisher"]
    pack = publisher.pack()
    prompt = first_prompt(pack)
    for word in ("Uno", "Dos", "Tres"):
        publisher.set_text("es", prompt, edited(pack, prompt, word), author="ana")
    store = publisher.versions_store
    manifests = {v.id: store.manifest(v.id) for v in publisher.versions()}

    first, last = manifests["1"], manifests["3"]
    assert first.get("es", prompt).file != last.get("es", prompt).file  # each its own audio
    untouched = next(key for key in first.entries if key[0] == "en")
    # One parsed entry for every version that has it (the console's history reads them all),
    # not one whole manifest per version.
    assert first.entries[untouched] is last.entries[untouched]
    # However small the bound, only the newest stays and every read is still right.
    small = VersionStore(store.db)
    small._parts.limit = small._blobs.limit = 1
    for version in publisher.versions():
        assert small.manifest(version.id).entries == manifests[version.id].entries
        assert small.files(version.id) == store.files(version.id)
        assert len(small._parts) == 1 and len(small._blobs) == 1


def test_prune_keeps_the_newest_the_live_one_and_the_audio_they_play(line):
    app = line.app()
    publisher = app.extensions["publisher"]
    pack = publisher.pack()
    prompt = first_prompt(pack)
    # Each text edit goes out with computer audio of its words.
    first = publisher.set_text("es", prompt, edited(pack, prompt, "Uno"), author="ana")
    for word in ("Dos", "Tres", "Cuatro"):
        publisher.set_text("es", prompt, edited(pack, prompt, word), author="ana")
    publisher.restore_version(first.id, author="ana")  # version 5 plays version 1's audio
    audio = played(call(app), "es")
    assert audio is not None and line.stored_audio("es", audio) is not None

    assert publisher.prune(keep=2) == 3

    assert [v.id for v in publisher.versions()] == ["5", "4"]
    assert line.stored_audio("es", audio) is not None  # a kept version plays it
    used = set()
    for row in line.query(sa.select(schema.versions.c.files, schema.versions.c.manifest)):
        used |= set(row.files.values()) | set(row.manifest.values())
    assert {row.sha256 for row in line.query(sa.select(schema.blobs.c.sha256))} == used
    assert played(call(line.app()), "es") == audio  # a fresh machine still plays it
    with pytest.raises(ValueError):
        publisher.prune(keep=0)


def test_prune_never_removes_the_live_version(line):
    publisher = line.app().extensions["publisher"]
    pack = publisher.pack()
    prompt = first_prompt(pack)
    for word in ("Uno", "Dos", "Tres"):
        publisher.set_text("es", prompt, edited(pack, prompt, word), author="ana")
    database = line.database()
    try:
        with database.begin() as conn:  # someone went back to version 1 by hand
            conn.execute(sa.update(schema.live).values(version_id=1))
    finally:
        database.close()

    publisher.prune(keep=1)

    assert [v.id for v in publisher.versions()] == ["3", "1"]


def test_a_version_says_what_it_changed(line):
    english = first_prompt(load_pack(line.prompts), "en")
    seed_text(line, "en", english, edited(load_pack(line.prompts), english, "Hello", "en"))
    publisher = line.app().extensions["publisher"]
    pack = publisher.pack()
    prompt = first_prompt(pack)
    number = next(iter(pack.numbers))
    audio = publisher.rebuild_audio("en", english, author="ana")  # its seed audio was stale
    text = publisher.set_text("es", prompt, edited(pack, prompt, "Hola"), author="ana")
    dialled = publisher.set_number(number, label="A new label", author="ana")

    # The new words go out with computer audio of them, in the same version.
    assert [(c.kind, c.lang, c.target) for c in publisher.version_changes(text.id)] == [
        ("text", "es", prompt),
        ("audio", "es", prompt),
    ]
    words, fresh = publisher.version_changes(text.id)
    assert words.before == pack.raw_texts("es")[prompt] and words.after.startswith("Hola. ")
    assert fresh.after == played(call(line.app()), "es") != fresh.before
    (change,) = publisher.version_changes(dialled.id)
    assert (change.kind, change.target) == ("number", number)
    assert change.after["label"] == "A new label" and change.before["e164"] == change.after["e164"]
    (change,) = publisher.version_changes(audio.id)
    assert (change.kind, change.lang, change.target) == ("audio", "en", english)
    assert change.after == played(call(line.app()), "en") != change.before
    with pytest.raises(KeyError):
        publisher.version_changes("99")


def test_a_publish_whose_audit_entry_fails_leaves_nothing_behind(line, monkeypatch):
    app = line.app()
    publisher = app.extensions["publisher"]
    pack = publisher.pack()
    prompt = first_prompt(pack)
    publisher.set_text("es", prompt, edited(pack, prompt, "Uno"), author="ana")
    stored, served = line.stored_rows(), call(app)

    def crash(**entry):
        raise RuntimeError("the machine died between the live pointer and the audit entry")

    monkeypatch.setattr(publisher.audit, "record", crash)
    with pytest.raises(RuntimeError):
        publisher.set_text("es", prompt, edited(pack, prompt, "Dos"), author="ana")

    now = line.stored_rows()
    made_before_the_lock = set(now.pop("audio")) - set(stored.pop("audio"))
    assert now == stored  # no version, no pointer move, no blob, no audit entry
    # Only the computer audio of "Dos", made before the lock, stays: no version plays it,
    # and prune removes it once it is an hour old.
    assert len(made_before_the_lock) == 1
    assert call(app) == served and call(line.app()) == served
