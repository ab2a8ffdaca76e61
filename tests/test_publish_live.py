"""The line serves the seed until the first publish, then the live version, in every worker
(each on SQLite and on PostgreSQL)."""

from __future__ import annotations

import threading
import time

import pytest
from test_publish_support import (
    POLL,
    call,
    call_until,
    edited,
    eventually,
    first_prompt,
    heard,
    heard_until,
    make_line,
    played,
    staff_recorded_seed,
    verbs,
)

from ivr.content import ContentError, load_pack


@pytest.fixture
def line(tmp_path, database_url):
    return make_line(tmp_path, database_url)


def test_before_any_publish_the_line_serves_the_seed_and_writes_nothing(line):
    app = line.app()
    publisher = app.extensions["publisher"]

    twiml = call(app)

    assert publisher.live_version() is None and publisher.versions() == []
    assert verbs(twiml) == ["Play"] * len(publisher.pack().languages)
    stored = line.stored_rows()
    assert stored["versions"] == stored["audit"] == stored["blobs"] == []


def test_a_text_published_in_one_worker_is_served_by_another(line):
    worker_a, worker_b = line.app(), line.app()
    pack = worker_a.extensions["content"].current()
    prompt = first_prompt(pack)
    seed = call(worker_b)
    assert played(seed, "es") is not None

    version = worker_a.extensions["publisher"].set_text(
        "es", prompt, edited(pack, prompt, "Bienvenida"), author="ana"
    )

    # No reload: worker B's background thread notices the live pointer moved.
    assert "Bienvenida." in heard_until(worker_b, "Bienvenida.")
    twiml = call(worker_b)
    assert played(twiml, "es") != played(seed, "es")  # new audio: the old one no longer speaks it
    assert played(twiml, "en") == played(seed, "en")  # other languages keep their audio
    assert worker_b.extensions["content"].snapshot().version == version.id == "1"


def test_the_seed_prompts_folder_is_no_longer_served_after_a_publish(line):
    app = line.app()
    pack = app.extensions["content"].current()
    prompt = first_prompt(pack)
    app.extensions["publisher"].set_text("es", prompt, edited(pack, prompt, "Hola"), author="ana")
    texts, raw = line.prompts / "text" / "es.yaml", pack.raw_texts("es")[prompt]
    yaml_text = texts.read_text(encoding="utf-8")
    texts.write_text(yaml_text.replace(raw, f"Castellano. {raw}"), encoding="utf-8")
    assert "Castellano. " in texts.read_text(encoding="utf-8")

    assert "Castellano" not in heard(line.app())
    assert "Hola." in heard(line.app())


def test_one_request_keeps_the_pack_and_manifest_of_one_version(line):
    staff_recorded_seed(line, "es", first_prompt(load_pack(line.prompts)))  # left out of date
    app = line.app()
    store, catalogue = app.extensions["content"], app.extensions["audio"]
    publisher = line.app().extensions["publisher"]  # another worker publishes mid-request
    pack = store.current()
    prompt = first_prompt(pack)
    first, second = edited(pack, prompt, "Primera"), edited(pack, prompt, "Segunda")
    publisher.set_text("es", prompt, first, author="ana")
    call_until(app, "Primera.")  # this worker serves version 1

    with app.test_request_context("/voice", method="POST"):
        before = store.snapshot()
        publisher.rebuild_audio("es", prompt, author="ana")
        publisher.set_text("es", prompt, second, author="ana")

        assert store.snapshot() is before
        assert store.current().text("es", prompt) == first
        assert catalogue.manifest() is before.manifest
        # Version 1 keeps the staff recording of the seed words: out of date, never played.
        assert catalogue.url_for("es", prompt, first) is None

    eventually(lambda: store.snapshot().version == "3")  # the other worker's publish arrives
    with app.test_request_context("/voice", method="POST"):
        after = store.snapshot()
        assert (before.version, after.version) == ("1", "3")
        assert after.pack.text("es", prompt) == second
        # Version 2's rebuilt audio was computer-made, so version 3 went out with fresh
        # computer audio of the second text; the audio of the first is no longer played.
        assert after.manifest.get("es", prompt).text == second
        assert catalogue.url_for("es", prompt, first) is None
        assert catalogue.url_for("es", prompt, second) is not None


def test_a_refused_edit_writes_nothing_and_the_line_keeps_serving(line):
    app = line.app()
    publisher = app.extensions["publisher"]
    prompt = first_prompt(publisher.pack())
    publisher.set_text("es", prompt, edited(publisher.pack(), prompt, "Hola"), author="ana")
    stored, served = line.stored_rows(), call(app)

    with pytest.raises(ContentError) as empty:
        publisher.set_text("es", prompt, "   ", author="ana")
    with pytest.raises(ContentError) as no_key:
        publisher.set_text("es", prompt, "Español.", author="ana")  # no longer names its key
    with pytest.raises(ContentError) as bad_number:
        publisher.set_number(next(iter(publisher.pack().numbers)), e164="12345", author="ana")

    assert [(p.file, p.key) for p in empty.value.problems] == [("text/es.yaml", prompt)]
    assert [(p.file, p.key) for p in no_key.value.problems] == [("text/es.yaml", prompt)]
    assert any(p.file == "directory.yaml" for p in bad_number.value.problems)
    assert line.stored_rows() == stored
    assert [v.id for v in publisher.versions()] == ["1"]
    assert call(line.app()) == served


def test_unknown_ids_and_fields_are_named(line):
    publisher = line.app().extensions["publisher"]
    number = next(iter(publisher.pack().numbers))

    with pytest.raises(KeyError, match="unknown language 'xx'"):
        publisher.set_text("xx", "safety.notice", "Hi.", author="ana")
    with pytest.raises(KeyError, match="no prompt 'nope'"):
        publisher.set_text("es", "nope", "Hola.", author="ana")
    with pytest.raises(KeyError, match="directory.yaml"):
        publisher.set_text("es", f"number.{number}", "Hola.", author="ana")
    with pytest.raises(KeyError, match="no number 'nope'"):
        publisher.set_number("nope", label="x", author="ana")
    with pytest.raises(ValueError, match="colour is not a field of a number"):
        publisher.set_number(number, colour="red", author="ana")
    with pytest.raises(KeyError, match="no organization 'nope'"):
        publisher.set_organization("nope", name="x", author="ana")
    with pytest.raises(KeyError, match="no version '99'"):
        publisher.restore_version("99", author="ana")
    with pytest.raises(ValueError, match="author"):
        publisher.set_text("es", "safety.notice", "Hola.", author="")
    assert publisher.versions() == []


def test_a_damaged_live_version_is_refused_and_the_last_good_one_served(line):
    publisher = line.app().extensions["publisher"]
    pack = publisher.pack()
    prompt = first_prompt(pack)
    publisher.set_text("es", prompt, edited(pack, prompt, "Uno"), author="ana")
    worker = line.app()
    assert "Uno." in heard(worker)
    line.publish_damaged("flow.yaml", b"nodes: [")

    time.sleep(10 * POLL)  # the worker has looked at the new live version by now
    assert "Uno." in heard(worker)


def test_two_staff_publishing_at_once_both_keep_their_edit(line):
    workers = [line.app().extensions["publisher"] for _ in range(2)]
    pack = workers[0].pack()
    langs = ["es", "en"]
    prompts = {lang: first_prompt(pack, lang) for lang in langs}
    words = {"es": "Hola", "en": "Hello"}

    threads = [
        threading.Thread(
            target=publisher.set_text,
            args=(lang, prompts[lang], edited(pack, prompts[lang], words[lang], lang)),
            kwargs={"author": lang},
        )
        for publisher, lang in zip(workers, langs, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    live = line.app().extensions["publisher"]
    assert [v.id for v in live.versions()] == ["2", "1"]
    for lang in langs:  # the second publish started from the first one's version
        assert live.pack().raw_texts(lang)[prompts[lang]].startswith(f"{words[lang]}. ")


def test_a_worker_starting_with_a_damaged_live_version_serves_the_newest_good_one(line):
    publisher = line.app().extensions["publisher"]
    pack = publisher.pack()
    prompt = first_prompt(pack)
    publisher.set_text("es", prompt, edited(pack, prompt, "Uno"), author="ana")
    line.publish_damaged("flow.yaml", b"nodes: [")

    starting = line.app()

    assert "Uno." in heard(starting)
    assert starting.extensions["content"].snapshot().version == "1"
