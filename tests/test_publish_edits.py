"""Text and directory edits: the YAML stays as people wrote it, the line says the change,
and the audit log says who did what (and nothing about callers)."""

from __future__ import annotations

import pytest
from test_publish_support import edited, first_prompt, heard, make_line

from ivr.publish import yamledit
from ivr.publish.versions import VersionStore


@pytest.fixture
def line(tmp_path):
    # edits of the YAML (comments, folding, fields) are the same whatever stores the
    # version: on the embedded SQLite; the store itself runs on both in test_db_store.
    return make_line(tmp_path)


def stored(line, version_id: str, name: str) -> str:
    """The file as the database keeps it for that version."""
    database = line.database()
    try:
        return VersionStore(database).files(version_id)[name].decode("utf-8")
    finally:
        database.close()


def test_a_text_edit_keeps_every_comment_and_the_key_order(line):
    publisher = line.app().extensions["publisher"]
    pack = publisher.pack()
    prompt = first_prompt(pack)
    original = (line.prompts / "text" / "es.yaml").read_text(encoding="utf-8")
    comments = [row for row in original.splitlines() if row.lstrip().startswith("#")]
    assert comments, "the Spanish texts file explains itself in comments"

    version = publisher.set_text("es", prompt, edited(pack, prompt, "Bienvenida"), author="ana")

    text = stored(line, version.id, "text/es.yaml")
    assert [row for row in text.splitlines() if row.lstrip().startswith("#")] == comments
    assert list(yamledit.load(text.encode())) == list(yamledit.load(original.encode()))
    changed = [
        (old, new)
        for old, new in zip(original.splitlines(), text.splitlines(), strict=False)
        if old != new
    ]
    assert len(changed) == 1 and "Bienvenida." in changed[0][1]


def test_a_long_folded_text_stays_folded_and_wrapped(line):
    publisher = line.app().extensions["publisher"]
    folded = {
        key: value
        for key, value in yamledit.load((line.prompts / "text" / "es.yaml").read_bytes()).items()
        if type(value).__name__ == "FoldedScalarString"
    }
    assert folded, "some Spanish texts are written as >- blocks"
    prompt = next(iter(folded))
    words = " ".join(["Texto de prueba largo."] * 12)

    version = publisher.set_text("es", prompt, words, author="ana")

    text = stored(line, version.id, "text/es.yaml")
    head, rest = text.split(f"{prompt}: >-\n", 1)
    indent = len(head.rsplit("\n", 1)[-1]) + 1  # the block is indented deeper than its key
    block = []
    for row in rest.splitlines():  # its rows, not the prompts written after it
        if not row.startswith(" " * indent):
            break
        block.append(row)
    assert len(block) > 1 and all(len(row) <= 92 for row in block)
    assert publisher.pack().raw_texts("es")[prompt] == words


def test_a_changed_number_is_dialled_and_spoken_from_the_next_call(line):
    publisher = line.app().extensions["publisher"]
    pack = publisher.pack()
    number = next(n for n in pack.numbers.values() if n.voice)
    new_e164 = "+16195550123" if number.e164 != "+16195550123" else "+16195550124"
    speaking = [pid for pid, text in pack.texts("es").items() if pid == f"number.{number.id}"]

    version = publisher.set_number(number.id, e164=new_e164, author="ana")

    live = line.app().extensions["publisher"].pack()
    assert live.numbers[number.id].e164 == new_e164
    assert live.texts("es")[speaking[0]] != pack.texts("es")[speaking[0]]
    directory = stored(line, version.id, "directory.yaml")
    assert f'e164: "{new_e164}"' in directory and f'"{number.e164}"' not in directory
    assert "# Every organization and phone number" in directory


def test_channels_and_organization_fields_are_edited_in_place(line):
    publisher = line.app().extensions["publisher"]
    pack = publisher.pack()
    number = next(n for n in pack.numbers.values() if n.channels == {"whatsapp"})
    org = pack.organizations[number.org]

    publisher.set_number(number.id, channels=["whatsapp", "voice"], author="ana")
    version = publisher.set_organization(org.id, helps="Free legal help, by phone.", author="ana")

    live = publisher.pack()
    assert live.numbers[number.id].channels == {"whatsapp", "voice"}
    assert live.organizations[org.id].helps == "Free legal help, by phone."
    assert "channels: [whatsapp, voice]" in stored(line, version.id, "directory.yaml")


def test_an_unchanged_text_publishes_nothing_new(line):
    publisher = line.app().extensions["publisher"]
    pack = publisher.pack()
    prompt = first_prompt(pack)
    first = publisher.set_text("es", prompt, edited(pack, prompt, "Hola"), author="ana")

    again = publisher.set_text("es", prompt, edited(pack, prompt, "Hola"), author="ana")

    assert again == first and len(publisher.versions()) == 1


def test_the_audit_log_says_who_did_what_and_never_who_called(line):
    app = line.app()
    publisher = app.extensions["publisher"]
    pack = publisher.pack()
    prompt = first_prompt(pack)
    caller = "+15205550199"
    app.test_client().post("/voice", data={"From": caller, "CallSid": "CAcaller"})
    publisher.set_text("es", prompt, edited(pack, prompt, "Hola"), author="ana")
    number = next(iter(pack.numbers))
    publisher.set_number(number, label="New label", author="luis")

    entries = publisher.audit_log()

    assert [(e.who, e.action, e.what, e.version) for e in entries] == [
        ("luis", "set_number", f"number {number}", "2"),
        ("ana", "set_text", f"es {prompt}", "1"),
    ]
    assert entries[0].summary.startswith("label: ") and entries[0].summary.endswith("New label")
    assert "→" in entries[1].summary and entries[0].when.endswith("Z")
    assert publisher.audit_log(limit=1) == entries[:1]
    everything = line.everything_stored()
    assert caller.encode() not in everything and b"CAcaller" not in everything
    assert "Hola." in heard(app)
