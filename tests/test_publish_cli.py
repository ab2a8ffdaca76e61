"""`flask content versions|restore|publish-seed|log`, and `flask audio gc` keeping what
published versions still play."""

from __future__ import annotations

import os

import processes
import pytest
from test_publish_support import (
    ROOT,
    call,
    edited,
    eventually,
    first_prompt,
    heard,
    make_line,
    played,
)

from ivr.audio.manifest import load_manifest, save_manifest


@pytest.fixture
def line(tmp_path, database_url):
    return make_line(tmp_path, database_url)


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_publish_seed_then_list_restore_and_read_the_log(line):
    app = line.app()
    assert "nothing published yet" in run(app, "content", "versions").output

    seeded = run(app, "content", "publish-seed", "--by", "dev")
    pack = app.extensions["publisher"].pack()
    prompt = first_prompt(pack)
    app.extensions["publisher"].set_text("es", prompt, edited(pack, prompt, "Hola"), author="ana")
    restored = run(app, "content", "restore", "1", "--by", "dev")
    listed = run(app, "content", "versions")
    log = run(app, "content", "log")

    assert seeded.exit_code == 0 and "version 1 is live" in seeded.output
    assert restored.exit_code == 0 and "version 3 is live" in restored.output
    rows = listed.output.splitlines()
    assert rows[0].startswith("*     3") and "dev" in rows[0] and "restored version 1" in rows[0]
    assert rows[1].startswith("      2") and "ana" in rows[1]
    assert [row.split()[2] for row in log.output.splitlines()] == [
        "restore_version",
        "set_text",
        "publish_seed",
    ]
    assert "Hola." not in heard(line.app())


def test_restore_of_an_unknown_version_is_a_usage_error(line):
    result = run(line.app(), "content", "restore", "7")

    assert result.exit_code == 2 and "no version '7'" in result.output


def test_publish_seed_refuses_a_broken_prompts_folder_and_keeps_the_live_version(line):
    app = line.app()
    run(app, "content", "publish-seed", "--by", "dev")
    (line.prompts / "flow.yaml").write_text("nodes: [", encoding="utf-8")

    result = run(app, "content", "publish-seed", "--by", "dev")

    assert result.exit_code == 1 and "flow.yaml" in result.output
    assert "nothing was published" in result.output
    assert [v.id for v in app.extensions["publisher"].versions()] == ["1"]


def test_audio_gc_keeps_seed_files_a_published_version_still_plays(line):
    app = line.app()
    run(app, "content", "publish-seed", "--by", "dev")
    kept = played(call(app), "es")
    # A developer rebuilds the seed: the manifest no longer names the file version 1 plays.
    manifest = load_manifest(line.audio)
    del manifest.entries[("es", first_prompt(app.extensions["publisher"].pack()))]
    save_manifest(line.audio, manifest)
    orphan = line.audio / "es" / "orphan.0123456789ab.wav"
    orphan.write_bytes(b"RIFF")
    for path in (orphan, line.audio / "es" / kept):
        os.utime(path, (0, 0))

    result = run(app, "audio", "gc", "--older-than", "0")

    assert result.exit_code == 0, result.output
    assert not orphan.exists() and (line.audio / "es" / kept).exists()
    assert played(call(line.app()), "es") == kept


def test_a_publish_from_another_process_is_served_on_the_next_request(line):
    app = line.app()
    pack = app.extensions["content"].current()
    prompt = first_prompt(pack)
    texts, raw = line.prompts / "text" / "es.yaml", pack.raw_texts("es")[prompt]
    texts.write_text(
        texts.read_text(encoding="utf-8").replace(raw, f"Bienvenida. {raw}"), encoding="utf-8"
    )
    env = {**os.environ, **line.env()}

    result = processes.run(
        [
            ROOT / ".venv" / "bin" / "flask",
            "--app",
            "ivr",
            "content",
            "publish-seed",
            "--by",
            "dev",
        ],
        env=env,
        cwd=ROOT,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    # This process published nothing and was not told: its background thread notices.
    eventually(lambda: call(app) and app.extensions["content"].snapshot().version == "1")
    twiml = call(app)
    assert "Bienvenida." in twiml and played(twiml, "es") is None
    assert app.extensions["content"].snapshot().version == "1"


def test_audio_commands_work_on_the_seed_after_staff_published(line):
    app = line.app()
    pack = app.extensions["publisher"].pack()
    prompt = first_prompt(pack)
    app.extensions["publisher"].set_text("es", prompt, edited(pack, prompt, "Hola"), author="ana")

    status = run(app, "audio", "status", "--verbose")

    assert status.exit_code == 0, status.output
    assert f"es stale: {prompt}" not in status.output  # the seed's text still has its audio


def test_scripted_edits_publish_like_the_console_and_refusals_write_nothing(line):
    app = line.app()
    publisher = app.extensions["publisher"]
    pack = publisher.pack()
    prompt = first_prompt(pack)
    number = next(iter(pack.numbers))
    e164 = pack.numbers[number].e164

    text = run(
        app, "content", "set-text", "es", prompt, edited(pack, prompt, "Hola"), "--by", "ana"
    )
    dialled = run(app, "content", "set-number", number, e164, "--by", "ana")
    stored = line.stored_rows()
    no_key = run(app, "content", "set-text", "es", prompt, "Hola.", "--by", "ana")
    bad_number = run(app, "content", "set-number", number, "12345", "--by", "ana")
    unknown = run(app, "content", "set-text", "es", "nope", "Hola.", "--by", "ana")
    no_language = run(app, "content", "make-audio", "--lang", "xx", "--by", "ana")

    assert text.exit_code == 0 and "version 1 is live" in text.output
    assert dialled.exit_code == 0 and "version 1 is live" in dialled.output  # nothing changed
    assert no_key.exit_code == 1 and f"text/es.yaml: {prompt}" in no_key.output
    assert bad_number.exit_code == 1 and "directory.yaml" in bad_number.output
    assert unknown.exit_code == 1 and "no prompt 'nope'" in unknown.output
    assert no_language.exit_code == 1 and "unknown language 'xx'" in no_language.output
    for refused in (no_key, bad_number, unknown, no_language):
        assert "nothing was published" in refused.output
    assert line.stored_rows() == stored
    assert "Hola." in heard(line.app())


def test_prune_keeps_the_newest_versions_and_the_live_one(line):
    app = line.app()
    pack = app.extensions["publisher"].pack()
    prompt = first_prompt(pack)
    for word in ("Uno", "Dos", "Tres"):
        run(app, "content", "set-text", "es", prompt, edited(pack, prompt, word), "--by", "ana")

    pruned = run(app, "content", "prune", "--keep", "1")
    listed = run(app, "content", "versions")

    assert pruned.exit_code == 0 and pruned.output.startswith("2 old version(s) removed")
    assert (
        listed.output.splitlines()[0].startswith("*     3") and len(listed.output.splitlines()) == 1
    )
    assert run(app, "content", "prune", "--keep", "0").exit_code == 2
