"""Building engine audio with the real espeak-ng: telephony format, incremental, stale."""

from __future__ import annotations

import pytest
from test_audio_support import MULAW, small_pack, wav_format

from ivr.audio.build import build_audio, plan_build
from ivr.audio.catalogue import AudioCatalogue
from ivr.audio.loudness import TARGET_DBOV, active_speech_level
from ivr.audio.manifest import load_manifest, publish
from ivr.audio.pipeline import decode_telephony


@pytest.fixture
def built(tmp_path):
    """A small pack built once in Spanish, English and Kreyòl (six prompts)."""
    pack = small_pack()
    report = build_audio(pack, tmp_path, jobs=2)
    assert report.ok, report.failed
    return pack, tmp_path, report


def test_every_prompt_is_built_in_telephony_format_at_the_target_level(built):
    pack, audio_dir, report = built

    assert len(report.built) == 6
    entry = load_manifest(audio_dir).get("es", "main.repeat")
    data = (audio_dir / "es" / entry.file).read_bytes()
    assert wav_format(data) == {"format": MULAW, "channels": 1, "rate": 8000, "bits": 8}
    decoded = decode_telephony(data)
    assert 0.8 < len(decoded) / 1000 < 4.0
    assert entry.duration == pytest.approx(len(decoded) / 1000, abs=0.01)
    assert active_speech_level(decoded).active_dbov == pytest.approx(TARGET_DBOV, abs=1.0)
    assert entry.source == {"kind": "tts", "engine": "espeak", "voice": "es-419@160wpm"}


def test_a_second_build_changes_nothing(built):
    pack, audio_dir, _ = built
    before = (audio_dir / "manifest.json").read_bytes()

    report = build_audio(pack, audio_dir)

    assert (report.built, len(report.unchanged)) == ([], 6)
    assert (audio_dir / "manifest.json").read_bytes() == before


def test_editing_one_text_makes_only_that_prompt_stale_and_one_build_brings_it_back(built):
    pack, audio_dir, _ = built
    old_url = AudioCatalogue(audio_dir).url_for("es", "main.repeat", "Para repetir, marque 9.")
    pack._texts["es"]["main.repeat"] = "Para escuchar otra vez, marque 9."

    status = AudioCatalogue(audio_dir).status(pack)
    assert status["es"].stale == ["main.repeat"]
    assert status["en"].complete and status["ht"].complete

    report = build_audio(pack, audio_dir)

    assert report.built == [("es", "main.repeat")]
    assert len(report.unchanged) == 5
    catalogue = AudioCatalogue(audio_dir)
    new_url = catalogue.url_for("es", "main.repeat", "Para escuchar otra vez, marque 9.")
    assert new_url is not None and new_url != old_url
    assert all(c.complete for c in catalogue.status(pack).values())
    # The old file stays for calls that were given its URL a moment ago.
    assert (audio_dir / old_url.removeprefix("/audio/")).exists()


def test_a_dry_run_lists_what_would_change_and_builds_nothing(built):
    pack, audio_dir, _ = built
    pack._texts["en"]["number.help"] = "5 2, 6 6 4, 1 9 4"

    report = build_audio(pack, audio_dir, dry_run=True)

    assert [(t.lang, t.prompt_id, t.reason) for t in report.planned] == [
        ("en", "number.help", "text changed")
    ]
    assert report.built == []
    assert report.summary().startswith("would build 1, unchanged 5")
    assert AudioCatalogue(audio_dir).status(pack)["en"].stale == ["number.help"]


def test_a_google_dry_run_counts_billed_characters_and_reports_the_kreyol_fallback(tmp_path):
    report = plan_build(small_pack(), tmp_path, engine="google")

    assert report.fallbacks == {"ht": ("google", "espeak")}
    google_tasks = [t for t in report.planned if t.engine == "google"]
    assert {t.lang for t in google_tasks} == {"es", "en"}
    # Every character of the SSML is billed, markup included; Kreyòl goes to espeak, free.
    number = (
        '<speak><say-as interpret-as="characters">52</say-as><break time="400ms"/>'
        '<say-as interpret-as="characters">664</say-as><break time="400ms"/></speak>'
    )
    spanish = "<speak>Para repetir, marque 9.</speak>"
    english = "<speak>To repeat, press 9.</speak>"
    assert report.billed_characters == len(spanish) + len(english) + 2 * len(number)


def test_changing_the_voice_rebuilds(built):
    pack, audio_dir, _ = built

    report = plan_build(pack, audio_dir, langs=["en"], force=False)
    assert report.planned == []
    pack.languages[1].tts["espeak"]["rate"] = 120

    report = plan_build(pack, audio_dir, langs=["en"])

    assert {t.reason for t in report.planned} == {"voice changed"}


def test_a_staff_recording_is_never_overwritten_and_goes_stale_with_its_text(built):
    pack, audio_dir, _ = built
    publish(audio_dir, lang="ht", prompt_id="main.repeat", text="Pou repete, peze 9.",
            data=b"RIFF staff", source={"kind": "staff", "by": "jn", "original": "a.m4a"},
            duration=2.0, keep_staff=False)
    pack._texts["ht"]["main.repeat"] = "Pou tande ankò, peze 9."

    report = build_audio(pack, audio_dir, force=True, langs=["ht"])

    assert report.staff_recorded == [("ht", "main.repeat")]
    assert report.built == [("ht", "number.help")]
    assert load_manifest(audio_dir).get("ht", "main.repeat").source["kind"] == "staff"
    assert AudioCatalogue(audio_dir).status(pack)["ht"].stale == ["main.repeat"]


def test_only_the_chosen_language_and_prompt_are_built(tmp_path):
    report = build_audio(small_pack(), tmp_path, langs=["en"], prompts=["number.help"])

    assert report.built == [("en", "number.help")]


def test_an_unknown_language_or_prompt_is_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="unknown language xx"):
        build_audio(small_pack(), tmp_path, langs=["xx"])
    with pytest.raises(ValueError, match="unknown prompt main.nothing in es"):
        build_audio(small_pack(), tmp_path, prompts=["main.nothing"])


def test_an_engine_failure_is_reported_per_prompt_and_the_rest_is_built(tmp_path):
    pack = small_pack()
    pack.languages[0].tts["espeak"]["voice"] = "xx-nowhere"

    report = build_audio(pack, tmp_path, langs=["es", "en"])

    assert [(lang, prompt) for lang, prompt, _ in report.failed] == [
        ("es", "main.repeat"),
        ("es", "number.help"),
    ]
    assert "xx-nowhere" in report.failed[0][2]
    assert sorted(report.built) == [("en", "main.repeat"), ("en", "number.help")]


def test_google_without_credentials_fails_its_prompts_once_each_and_kreyol_still_builds(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))

    report = build_audio(small_pack(), tmp_path / "audio", engine="google", prompts=["main.repeat"])

    assert [(lang, why.split(":")[0]) for lang, _, why in report.failed] == [
        ("en", "Google Text-to-Speech has no credentials"),
        ("es", "Google Text-to-Speech has no credentials"),
    ]
    assert report.built == [("ht", "main.repeat")]  # through the espeak fallback


def test_a_google_build_publishes_what_the_injected_client_returns(tmp_path):
    from test_audio_support import espeak_wav

    class Client:
        def __init__(self):
            self.voices = []

        def synthesize_speech(self, request):
            from google.cloud import texttospeech

            self.voices.append(request.voice.name)
            return texttospeech.SynthesizeSpeechResponse(audio_content=espeak_wav("Hello"))

    client = Client()
    report = build_audio(
        small_pack(), tmp_path, engine="google", langs=["en"], prompts=["main.repeat"],
        client=client,
    )

    assert report.built == [("en", "main.repeat")]
    assert client.voices == ["en-US-Neural2-F"]
    assert load_manifest(tmp_path).get("en", "main.repeat").source == {
        "kind": "tts", "engine": "google", "voice": "en-US-Neural2-F"
    }
    assert report.billed_characters == len("<speak>To repeat, press 9.</speak>")
