"""Audio from the console: rebuild with the engine, staff recordings via drafts, history and
restore, all through the same pipeline as the CLI (real espeak-ng and ffmpeg)."""

from __future__ import annotations

import pytest
from test_audio_support import MULAW, espeak_wav, ffmpeg, wav_format
from test_publish_support import call, edited, first_prompt, make_line, played, seed_text

from ivr.audio.recordings import RecordingRejected
from ivr.content import load_pack


@pytest.fixture
def line(tmp_path, database_url):
    return make_line(tmp_path, database_url)


@pytest.fixture(scope="module")
def recording() -> bytes:
    """Staff speaking into a phone: real speech, re-encoded as an m4a."""
    return ffmpeg(espeak_wav("Español, oprima uno.", voice="es"), "-acodec", "aac", fmt="ipod")


def test_a_rebuilt_prompt_plays_its_new_audio_from_storage(line):
    prompt = first_prompt(load_pack(line.prompts))
    seed_text(line, "es", prompt, edited(load_pack(line.prompts), prompt, "Hola"))
    app = line.app()
    publisher = app.extensions["publisher"]
    assert played(call(app), "es") is None  # the seed audio no longer speaks the words

    version = publisher.rebuild_audio("es", prompt, author="ana")

    name = played(call(line.app()), "es")
    assert name is not None and name.startswith(f"{prompt}.")
    with app.test_client().get(f"/audio/es/{name}") as served:
        assert served.status_code == 200 and wav_format(served.data)["format"] == MULAW
        assert line.stored_audio("es", name) == served.data  # kept in the database
    assert publisher.audio_path("es", name) == line.data / "cache" / "audio" / "es" / name
    assert version.summary.startswith(f"es {prompt}: rebuilt with tts:espeak:")
    newest = publisher.audio_history("es", prompt)[0]
    assert (newest.file, newest.live) == (name, True)
    assert newest.text == publisher.pack().text("es", prompt)


def test_a_staff_recording_is_previewed_then_published(line, recording):
    app = line.app()
    publisher = app.extensions["publisher"]
    prompt = first_prompt(publisher.pack())
    before = played(call(app), "es")

    draft = publisher.stage_recording("es", prompt, recording, "take 1.m4a", author="ana")

    assert (draft.lang, draft.prompt_id) == ("es", prompt) and 0.5 < draft.duration < 10
    preview = publisher.draft_audio(draft.id)
    assert preview == draft.preview_path and wav_format(preview.read_bytes())["format"] == MULAW
    assert played(call(app), "es") == before and publisher.versions() == []

    version = publisher.publish_recording(draft.id, author="luis")

    name = played(call(line.app()), "es")
    assert name != before and name == f"{prompt}.{name.split('.')[-2]}.wav"
    assert line.stored_audio("es", name) == preview.read_bytes()
    history = publisher.audio_history("es", prompt)
    assert [(a.file, a.source, a.live) for a in history] == [
        (name, "staff:ana", True),
        (before, history[1].source, False),
    ]
    assert history[1].source.startswith("tts:espeak:")
    assert publisher.audit_log()[0].who == "luis" and "take 1.m4a" in version.summary


def test_a_corrupt_upload_is_refused_and_the_old_audio_keeps_playing(line, recording):
    app = line.app()
    publisher = app.extensions["publisher"]
    prompt = first_prompt(publisher.pack())
    before = played(call(app), "es")

    with pytest.raises(RecordingRejected, match="broken.m4a") as refused:
        publisher.stage_recording(
            "es", prompt, recording[: len(recording) // 3] + b"\0" * 64, "broken.m4a", author="ana"
        )
    with pytest.raises(RecordingRejected, match=r"\.exe is not an audio format"):
        publisher.stage_recording("es", prompt, recording, "take.exe", author="ana")
    with pytest.raises(RecordingRejected, match="no prompt 'nope'"):
        publisher.stage_recording("es", "nope", recording, "take.m4a", author="ana")
    with pytest.raises(KeyError):
        publisher.draft_audio("../../LIVE")

    assert "old audio is still in place" in str(refused.value)
    assert played(call(app), "es") == before and publisher.versions() == []


def test_restoring_an_old_audio_brings_back_the_words_it_speaks(line):
    publisher = line.app().extensions["publisher"]
    pack = publisher.pack()
    prompt = first_prompt(pack)
    seed_file = played(call(line.app()), "es")
    publisher.set_text("es", prompt, edited(pack, prompt, "Hola"), author="ana")  # new audio
    assert [a.file for a in publisher.audio_history("es", prompt)][-1] == seed_file

    version = publisher.restore_audio("es", prompt, seed_file, author="luis")

    assert played(call(line.app()), "es") == seed_file
    assert publisher.pack().raw_texts("es")[prompt] == pack.raw_texts("es")[prompt]
    assert version.id == "2" and "Hola." in version.summary
    with pytest.raises(KeyError, match="never had audio"):
        publisher.restore_audio("es", prompt, "language.option.000000000000.wav", author="x")


def test_restoring_a_version_gives_back_its_text_and_audio(line, recording):
    publisher = line.app().extensions["publisher"]
    pack = publisher.pack()
    prompt = first_prompt(pack)
    # The first version goes out with computer audio of its words.
    first = publisher.set_text("es", prompt, edited(pack, prompt, "Hola"), author="ana")
    first_call = call(line.app())
    draft = publisher.stage_recording("es", prompt, recording, "take.m4a", author="ana")
    publisher.publish_recording(draft.id, author="ana")
    publisher.set_text("es", prompt, edited(pack, prompt, "Adiós"), author="ana")

    restored = publisher.restore_version(first.id, author="luis")

    assert call(line.app()) == first_call
    assert [(v.id, v.live) for v in publisher.versions()] == [
        ("4", True),
        ("3", False),
        ("2", False),
        ("1", False),
    ]
    assert restored.summary.startswith(f"version 1: restored version 1 (es {prompt}")
    fourth, first_row = line.version_row("4"), line.version_row("1")
    assert fourth.files == first_row.files and fourth.manifest == first_row.manifest


class FakeGoogle:
    """Answers like the Text-to-Speech client, with real speech (LINEAR16 WAV)."""

    def __init__(self) -> None:
        self.requests = []

    def synthesize_speech(self, request):
        self.requests.append(request)
        return type("Response", (), {"audio_content": espeak_wav("Hola", voice="es")})()


def test_the_configured_engine_rebuilds_with_its_voice(line):
    publisher = line.app().extensions["publisher"]
    prompt = first_prompt(publisher.pack())
    publisher.tts_engine, publisher.tts_client = "google", FakeGoogle()
    language = publisher.pack().language("es")

    publisher.rebuild_audio("es", prompt, author="ana")

    voice = language.tts["google"].get("name") or language.tts["google"]["language_code"]
    assert len(publisher.tts_client.requests) == 1
    assert publisher.audio_history("es", prompt)[0].source == f"tts:google:{voice}"
    assert played(call(line.app()), "es") == publisher.audio_history("es", prompt)[0].file


def test_rebuilding_audio_that_is_already_current_publishes_nothing_new(line):
    prompt = first_prompt(load_pack(line.prompts))
    seed_text(line, "es", prompt, edited(load_pack(line.prompts), prompt, "Hola"))
    publisher = line.app().extensions["publisher"]
    rebuilt = publisher.rebuild_audio("es", prompt, author="ana")

    again = publisher.rebuild_audio("es", prompt, author="ana")

    assert again == rebuilt and [v.id for v in publisher.versions()] == ["1"]


def test_every_out_of_date_prompt_is_rebuilt_in_one_version(line):
    prompt = first_prompt(load_pack(line.prompts), "en")
    seed_text(line, "en", prompt, edited(load_pack(line.prompts), prompt, "Hello", "en"))
    app = line.app()
    publisher = app.extensions["publisher"]
    pack = publisher.pack()
    assert played(call(app), "en") is None  # the seed audio no longer speaks the words
    missing = len(pack.texts("en")) - 1  # the test line has seed audio for the first menu only

    result = publisher.rebuild_stale(author="ana", lang="en", limit=1)

    assert result.rebuilt == (("en", prompt),)  # out-of-date audio first, then missing
    assert result.remaining == missing and result.staff_recorded == ()
    assert result.version.live and publisher.audit_log()[0].action == "rebuild_stale"
    assert played(call(line.app()), "en").startswith(f"{prompt}.")


def test_a_staff_recording_out_of_date_is_listed_not_replaced_by_the_computer(line, recording):
    app = line.app()
    publisher = app.extensions["publisher"]
    prompt = first_prompt(publisher.pack())
    draft = publisher.stage_recording("es", prompt, recording, "take.m4a", author="ana")
    publisher.publish_recording(draft.id, author="ana")
    publisher.set_text("es", prompt, edited(publisher.pack(), prompt, "Hola"), author="ana")
    versions = len(publisher.versions())

    result = publisher.rebuild_stale(author="luis", lang="es", limit=0)

    assert ("es", prompt) in result.staff_recorded and result.rebuilt == ()
    assert len(publisher.versions()) == versions
    assert publisher.audio_history("es", prompt)[0].source == "staff:ana"
