"""Google's Gemini-TTS voices as an option (issue 21, item 7), through the official client's
REST transport pointed at a local fake of Cloud Text-to-Speech: never the real service."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from fake_cloud_tts import FakeCloudTts
from google.auth.credentials import AnonymousCredentials
from google.cloud import texttospeech

from ivr import create_app
from ivr.audio.build import build_audio
from ivr.audio.engines import (
    ENGINES,
    GEMINI_STYLE,
    EngineError,
    GoogleEngine,
    choose_voice,
    make_engine,
)
from ivr.audio.manifest import load_manifest
from ivr.audio.pipeline import to_telephony
from ivr.config import ConfigError, load_settings
from ivr.content import load_pack

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
SPANISH = {"language_code": "es-US", "model_name": "gemini-2.5-flash-tts", "name": "Kore"}
NUMBER = "Llame al más 5 2, 6 6 4, 1 9 4, 6 2 0 9."


def rest_client(fake: FakeCloudTts):
    """The real client, REST transport, pointed at the fake (no credentials: no network)."""
    return texttospeech.TextToSpeechClient(
        transport="rest",
        client_options={"api_endpoint": fake.url},
        credentials=AnonymousCredentials(),
    )


@pytest.fixture
def fake():
    with FakeCloudTts() as server:
        yield server


def test_a_gemini_voice_is_asked_for_its_model_a_calm_slow_style_and_mulaw_at_8_khz():
    request = GoogleEngine(name="gemini").request(NUMBER, SPANISH)

    assert request == texttospeech.SynthesizeSpeechRequest(
        input=texttospeech.SynthesisInput(text=NUMBER, prompt=" ".join(GEMINI_STYLE.split())),
        voice=texttospeech.VoiceSelectionParams(
            language_code="es-US", name="Kore", model_name="gemini-2.5-flash-tts"
        ),
        audio_config=texttospeech.AudioConfig(
            audio_encoding=texttospeech.AudioEncoding.MULAW, sample_rate_hertz=8000
        ),
    )
    assert "calm" in GEMINI_STYLE and "slowly" in GEMINI_STYLE


def test_the_request_goes_over_rest_to_the_fake_and_the_mulaw_answer_is_telephony_audio(fake):
    engine = GoogleEngine(rest_client(fake), name="gemini")

    audio = engine.synthesize(NUMBER, {**SPANISH, "prompt": "Speak  slowly."})

    assert to_telephony(audio).duration == pytest.approx(1.0, abs=0.3)
    (body,) = fake.requests
    assert body["voice"] == {
        "languageCode": "es-US",
        "name": "Kore",
        "modelName": "gemini-2.5-flash-tts",
    }
    assert body["input"] == {"text": NUMBER, "prompt": "Speak slowly."}
    assert body["audioConfig"] == {"audioEncoding": "MULAW", "sampleRateHertz": 8000}
    # The pronunciation list is already in the text; Google's field wants IPA, not respellings.
    assert "customPronunciations" not in body["input"]


def test_a_language_the_project_is_not_offered_fails_with_googles_words(fake):
    fake.languages = {"es-US", "en-US"}
    engine = GoogleEngine(rest_client(fake), name="gemini")
    kreyol = {**SPANISH, "language_code": "ht-HT"}

    with pytest.raises(EngineError, match="ht-HT is not supported"):
        engine.synthesize("Pou tande sa a ankò, peze 9.", kreyol)


def test_a_build_with_gemini_speaks_each_language_with_its_model(tmp_path, fake, pack):
    report = build_audio(
        pack, tmp_path, "gemini", prompts=["keys.repeat", "number.kind"], client=rest_client(fake)
    )

    assert report.ok and len(report.built) == 6 and report.fallbacks == {}
    manifest = load_manifest(tmp_path)
    for lang, code in (("es", "es-US"), ("ht", "ht-HT"), ("en", "en-US")):
        source = manifest.get(lang, "keys.repeat").source
        assert source["engine"] == "gemini"
        assert re.fullmatch(rf"gemini-2\.5-flash-tts/Kore/{code}#[0-9a-f]{{8}}", source["voice"])
    sent = {(b["voice"]["languageCode"], b["input"]["text"]) for b in fake.requests}
    # Gemini gets plain spoken words: the pronunciation list applied, numbers digit by digit.
    assert ("es-US", pack.spoken("es")["number.kind"]) in sent
    assert report.billed_characters == sum(
        len(b["input"]["text"]) + len(b["input"]["prompt"]) for b in fake.requests
    )


def test_a_project_without_kreyol_fails_kreyol_alone(tmp_path, fake, pack):
    fake.languages = {"es-US", "en-US"}

    report = build_audio(
        pack, tmp_path, "gemini", prompts=["keys.repeat"], client=rest_client(fake)
    )

    assert report.built == [("en", "keys.repeat"), ("es", "keys.repeat")]
    assert [(lang, pid) for lang, pid, _ in report.failed] == [("ht", "keys.repeat")]
    assert "ht-HT is not supported" in report.failed[0][2]


def test_a_language_without_a_gemini_voice_falls_back_and_says_so(tmp_path, pack):
    root = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", root)
    languages = root / "languages.yaml"
    text = languages.read_text(encoding="utf-8")
    languages.write_text(
        re.sub(r"\n      gemini: \{language_code: ht-HT[^\n]*", "", text), encoding="utf-8"
    )
    kreyol = load_pack(root).language("ht")

    choice = choose_voice(kreyol, "gemini")

    assert (choice.engine, dict(choice.settings), choice.fallback_from) == (
        "espeak",
        {"voice": "ht"},
        "gemini",
    )
    assert kreyol.preview_voice == ""


def test_a_new_style_prompt_is_a_new_voice_so_the_audio_is_rebuilt():
    engine = make_engine("gemini")

    assert engine.name == "gemini" and "gemini" in ENGINES
    assert engine.voice_id(SPANISH) != engine.voice_id({**SPANISH, "prompt": "Be cheerful."})
    assert engine.voice_id(SPANISH) == engine.voice_id({**SPANISH, "prompt": GEMINI_STYLE})
    assert make_engine("google").voice_id({"language_code": "es-US", "name": "x"}) == "x"


def test_kreyols_only_google_voice_is_a_preview_and_the_others_are_not(pack):
    assert pack.language("ht").preview_voice == "gemini-2.5-flash-tts"
    assert pack.language("es").preview_voice == ""  # Neural2 and Gemini, neither a preview
    assert pack.language("en").preview_voice == ""


def test_tts_engine_may_be_gemini():
    assert load_settings({"TTS_ENGINE": "gemini"}).tts_engine == "gemini"
    with pytest.raises(ConfigError, match="'espeak', 'google' or 'gemini'"):
        load_settings({"TTS_ENGINE": "polly"})


def test_the_console_says_where_a_languages_only_google_voice_is_a_preview(tmp_path):
    env = {"HOTLINE_ENV": "development", "DATA_DIR": str(tmp_path)}
    app = create_app({"ENV": env, "TESTING": True})
    app.extensions["staff"].add("maria", PASSWORD)
    client = app.test_client()
    login = client.get("/admin/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    client.post("/admin/login", data={"name": "maria", "password": PASSWORD, "csrf_token": csrf})

    page = client.get("/admin/coverage", headers={"Accept-Language": "es"}).get_data(as_text=True)

    cards = dict(re.findall(r'data-lang="(\w+)"(.*?)</section>', page, re.S))
    assert "Su única voz de Google (gemini-2.5-flash-tts) es de prueba" in cards["ht"]
    assert "preview-voice" not in cards["es"] + cards["en"]
