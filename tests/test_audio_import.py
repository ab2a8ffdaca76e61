"""Staff recordings and the `flask audio` commands, with real espeak-ng and ffmpeg."""

from __future__ import annotations

import pytest
from pydub import AudioSegment
from test_audio_support import (
    MULAW,
    audio_app,
    espeak_wav,
    ffmpeg,
    small_pack,
    wav_bytes,
    wav_format,
)

from ivr.audio.build import build_audio
from ivr.audio.catalogue import AudioCatalogue
from ivr.audio.manifest import load_manifest
from ivr.audio.recordings import RecordingRejected, import_folder, import_recording

KREYOL_TEXT = "Pou repete, peze 9."


@pytest.fixture(scope="module")
def voice() -> bytes:
    return espeak_wav(KREYOL_TEXT, voice="ht")


@pytest.mark.parametrize(
    ("name", "fmt", "args"),
    [
        ("repete.m4a", "ipod", ["-acodec", "aac", "-ar", "44100", "-ac", "2"]),
        ("repete.mp3", "mp3", ["-acodec", "libmp3lame", "-ar", "44100"]),
    ],
)
def test_a_phone_recording_is_published_in_telephony_format(tmp_path, voice, name, fmt, args):
    recording = tmp_path / name
    recording.write_bytes(ffmpeg(voice, *args, fmt=fmt))
    audio_dir = tmp_path / "audio"

    entry = import_recording(small_pack(), audio_dir, "ht", "main.repeat", recording, by="Jn")

    data = (audio_dir / "ht" / entry.file).read_bytes()
    assert wav_format(data) == {"format": MULAW, "channels": 1, "rate": 8000, "bits": 8}
    assert entry.source == {"kind": "staff", "by": "Jn", "original": name}
    assert entry.text == KREYOL_TEXT
    url = AudioCatalogue(audio_dir).url_for("ht", "main.repeat", KREYOL_TEXT)
    assert url == f"/audio/ht/{entry.file}"


@pytest.fixture
def published(tmp_path, voice):
    """Kreyòl 'main.repeat' already has a good staff recording."""
    audio_dir = tmp_path / "audio"
    entry = import_recording(small_pack(), audio_dir, "ht", "main.repeat", voice, by="Jn")
    return audio_dir, entry


@pytest.mark.parametrize(
    ("upload", "reason"),
    [
        (b"", "is empty"),
        (b"<html>not a recording</html>" * 40, "does not decode as audio"),
        (wav_bytes(AudioSegment.silent(2000, 16000)), "is silent"),
    ],
    ids=["empty", "corrupt", "silent"],
)
def test_a_bad_upload_is_refused_and_the_old_audio_keeps_playing(published, upload, reason):
    audio_dir, before = published
    manifest_before = (audio_dir / "manifest.json").read_bytes()

    with pytest.raises(RecordingRejected, match=f"new.m4a {reason}.*old audio is still in place"):
        import_recording(small_pack(), audio_dir, "ht", "main.repeat", upload, "Jn", "new.m4a")

    assert (audio_dir / "manifest.json").read_bytes() == manifest_before
    assert AudioCatalogue(audio_dir).url_for("ht", "main.repeat", KREYOL_TEXT) == (
        f"/audio/ht/{before.file}"
    )


def test_a_recording_for_an_unknown_prompt_or_language_is_refused(tmp_path, voice):
    with pytest.raises(RecordingRejected, match="no prompt 'main.nope' in ht"):
        import_recording(small_pack(), tmp_path, "ht", "main.nope", voice, "Jn")
    with pytest.raises(RecordingRejected, match="unknown language 'qu'"):
        import_recording(small_pack(), tmp_path, "qu", "main.repeat", voice, "Jn")


def test_a_folder_is_imported_by_language_and_prompt_and_one_bad_file_stops_nothing(
    tmp_path, voice
):
    folder = tmp_path / "recordings"
    (folder / "ht").mkdir(parents=True)
    (folder / "ht" / "main.repeat.mp3").write_bytes(ffmpeg(voice, fmt="mp3"))
    (folder / "ht" / "number.help.wav").write_bytes(b"")
    (folder / "ht" / "notes.txt").write_text("not audio, not looked at")

    results = import_folder(small_pack(), tmp_path / "audio", folder, by="Jn")

    assert [(r.lang, r.prompt_id, r.ok) for r in results] == [
        ("ht", "main.repeat", True),
        ("ht", "number.help", False),
    ]
    assert "number.help.wav is empty" in results[1].error


def test_a_tts_build_skips_the_staff_recording(published):
    audio_dir, before = published

    report = build_audio(small_pack(), audio_dir, langs=["ht"])

    assert report.staff_recorded == [("ht", "main.repeat")]
    assert load_manifest(audio_dir).get("ht", "main.repeat").file == before.file


@pytest.fixture
def cli(tmp_path):
    pack = small_pack()
    app = audio_app(tmp_path / "audio", pack)
    return app.test_cli_runner(), pack, tmp_path / "audio"


def test_status_strict_fails_until_build_makes_everything_current(cli):
    runner, pack, _ = cli

    before = runner.invoke(args=["audio", "status", "--strict"])
    assert before.exit_code == 1
    assert "es        2        0      0        2               0" in before.output

    built = runner.invoke(args=["audio", "build", "--jobs", "2"])
    assert built.exit_code == 0, built.output
    assert "built 6, unchanged 0, skipped because staff-recorded 0, failed 0" in built.output

    after = runner.invoke(args=["audio", "status", "--strict"])
    assert after.exit_code == 0, after.output
    assert "ht        2        2      0        0               0" in after.output


def test_build_dry_run_with_google_lists_changes_bills_and_fallback(cli):
    runner, _, audio_dir = cli

    result = runner.invoke(args=["audio", "build", "--engine", "google", "--dry-run"])

    assert result.exit_code == 0, result.output
    assert "  es main.repeat: new (es-US-Neural2-A)" in result.output
    assert "ht: no google voice, used espeak" in result.output
    assert "would build 6" in result.output and "Google would bill" in result.output
    assert not (audio_dir / "manifest.json").exists()


def test_import_command_publishes_one_file_and_refuses_a_bad_one(cli, tmp_path, voice):
    runner, _, audio_dir = cli
    good = tmp_path / "good.mp3"
    good.write_bytes(ffmpeg(voice, fmt="mp3"))
    bad = tmp_path / "bad.m4a"
    bad.write_bytes(b"garbage" * 100)

    ok = runner.invoke(args=["audio", "import", str(good), "--lang", "ht",
                             "--prompt", "main.repeat", "--by", "Jn"])
    refused = runner.invoke(args=["audio", "import", str(bad), "--lang", "ht",
                                  "--prompt", "main.repeat", "--by", "Jn"])

    assert ok.exit_code == 0, ok.output
    assert "imported ht main.repeat from good.mp3" in ok.output
    assert refused.exit_code == 1
    assert "bad.m4a does not decode as audio" in refused.output
    assert load_manifest(audio_dir).get("ht", "main.repeat").source["original"] == "good.mp3"
