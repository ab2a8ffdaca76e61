"""TTS engines: espeak-ng for real, Google through an injected client (there is no network)."""

from __future__ import annotations

from unittest import mock

import pytest
from google.api_core.exceptions import PermissionDenied
from google.auth.credentials import AnonymousCredentials
from google.cloud import texttospeech
from test_audio_support import ENGLISH, KREYOL, SPANISH, FakeLanguage

from ivr.audio.engines import (
    EngineError,
    EspeakEngine,
    GoogleEngine,
    NoVoice,
    choose_voice,
    make_engine,
)
from ivr.audio.pipeline import to_telephony
from ivr.audio.ssml import digit_groups, to_ssml

NUMBER_TEXT = "Llame al más 5 2, 6 6 4, 1 9 4, 6 2 0 9. Para repetir, marque 9."
NUMBER_SSML = (
    "<speak>Llame al más "
    '<say-as interpret-as="characters">52</say-as><break time="400ms"/>'
    '<say-as interpret-as="characters">664</say-as><break time="400ms"/>'
    '<say-as interpret-as="characters">194</say-as><break time="400ms"/>'
    '<say-as interpret-as="characters">6209</say-as><break time="400ms"/>'
    ". Para repetir, marque 9.</speak>"
)


class FakeClient:
    """Stands in for TextToSpeechClient: records each request, answers with a canned WAV."""

    def __init__(self, audio: bytes = b"RIFF fake wav") -> None:
        self.requests: list[texttospeech.SynthesizeSpeechRequest] = []
        self.audio = audio

    def synthesize_speech(self, request: texttospeech.SynthesizeSpeechRequest):
        self.requests.append(request)
        return texttospeech.SynthesizeSpeechResponse(audio_content=self.audio)


def test_phone_numbers_become_digit_groups_separated_by_pauses():
    assert to_ssml(NUMBER_TEXT) == NUMBER_SSML
    assert digit_groups(NUMBER_TEXT) == [["52", "664", "194", "6209"]]


def test_single_keys_and_ordinary_numbers_are_left_as_text():
    assert digit_groups("Press 1, 2 or 3. Call 911 or 12 3 4.") == []


def test_text_is_escaped_for_xml():
    assert to_ssml("Fish & <chips>") == "<speak>Fish &amp; &lt;chips&gt;</speak>"


def test_google_request_names_the_voice_encoding_rate_and_ssml_exactly():
    client = FakeClient()

    audio = GoogleEngine(client).synthesize(NUMBER_TEXT, SPANISH.tts["google"])

    assert audio == b"RIFF fake wav"
    assert client.requests == [
        texttospeech.SynthesizeSpeechRequest(
            input=texttospeech.SynthesisInput(ssml=NUMBER_SSML),
            voice=texttospeech.VoiceSelectionParams(
                language_code="es-US", name="es-US-Neural2-A"
            ),
            audio_config=texttospeech.AudioConfig(
                audio_encoding=texttospeech.AudioEncoding.LINEAR16,
                sample_rate_hertz=8000,
                speaking_rate=0.9,
                effects_profile_id=["telephony-class-application"],
            ),
        )
    ]


def test_google_request_goes_through_the_real_client_unchanged():
    client = texttospeech.TextToSpeechClient(credentials=AnonymousCredentials())
    transport_call = type(client.transport.synthesize_speech)
    with mock.patch.object(transport_call, "__call__") as call:
        call.return_value = texttospeech.SynthesizeSpeechResponse(audio_content=b"RIFF")

        GoogleEngine(client).synthesize("To repeat, press 9.", ENGLISH.tts["google"])

    sent = call.call_args.args[0]
    assert sent.voice.language_code == "en-US"
    assert sent.voice.name == "en-US-Neural2-F"
    assert sent.audio_config.audio_encoding == texttospeech.AudioEncoding.LINEAR16
    assert sent.audio_config.sample_rate_hertz == 8000
    assert sent.input.ssml == "<speak>To repeat, press 9.</speak>"


def test_google_bills_every_character_of_the_ssml():
    assert GoogleEngine(FakeClient()).billed_characters(NUMBER_TEXT) == len(NUMBER_SSML)
    assert EspeakEngine().billed_characters(NUMBER_TEXT) == 0


def test_google_without_credentials_says_which_variable_to_set(monkeypatch, tmp_path):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))

    with pytest.raises(EngineError, match="set GOOGLE_APPLICATION_CREDENTIALS"):
        GoogleEngine().synthesize("Hello", ENGLISH.tts["google"])


def test_a_google_api_error_becomes_an_engine_error():
    client = mock.Mock()
    client.synthesize_speech.side_effect = PermissionDenied("API not enabled")

    with pytest.raises(EngineError, match="API not enabled"):
        GoogleEngine(client).synthesize("Hello", ENGLISH.tts["google"])


def test_espeak_speaks_each_language_into_audio_the_pipeline_accepts():
    for language in (SPANISH, ENGLISH, KREYOL):
        audio = EspeakEngine().synthesize("5 2, 6 6 4", language.tts["espeak"])

        assert 1.0 < to_telephony(audio).duration < 6.0


def test_espeak_reads_a_long_prompt_whole():
    """The engine gives espeak-ng the SSML whole: forty sentences last forty times one (cut
    in pieces, the tags read aloud made them last 7 % longer)."""
    sentence = "Llame al más 5 2, 6 6 4, 1 9 4, 6 2 0 9."
    voice = {"voice": "es-419"}

    def seconds(text: str) -> float:
        # espeak-ng's own WAV (22,050 Hz, 16 bits) streamed to stdout: the header's length is
        # a placeholder, the bytes after it are the samples.
        return (len(EspeakEngine().synthesize(text, voice)) - 44) / 2 / 22050

    assert seconds(" ".join([sentence] * 40)) == pytest.approx(40 * seconds(sentence), rel=0.02)
    assert to_telephony(EspeakEngine().synthesize(sentence, voice)).duration > 3


def test_espeak_refuses_an_unknown_voice():
    with pytest.raises(EngineError, match="'xx-nowhere'"):
        EspeakEngine().synthesize("Hola", {"voice": "xx-nowhere"})


def test_the_voice_recorded_for_espeak_includes_the_rate():
    assert EspeakEngine().voice_id({"voice": "es-419"}) == "es-419@160wpm"
    assert EspeakEngine().voice_id({"voice": "es-419", "rate": 120}) == "es-419@120wpm"


def test_a_language_with_the_engine_uses_its_own_voice():
    choice = choose_voice(SPANISH, "google")

    assert (choice.engine, choice.settings["name"], choice.fallback_from) == (
        "google",
        "es-US-Neural2-A",
        None,
    )


def test_kreyol_on_google_falls_back_to_espeak_and_says_so():
    choice = choose_voice(KREYOL, "google")

    assert (choice.engine, dict(choice.settings), choice.fallback_from) == (
        "espeak",
        {"voice": "ht"},
        "google",
    )


def test_a_language_without_any_usable_voice_is_an_error():
    mute = FakeLanguage("xx", {"espeak": {"voice": "xx"}}, tts_fallback="")

    with pytest.raises(NoVoice, match="xx: no google voice in the languages file"):
        choose_voice(mute, "google")


def test_an_unknown_engine_name_lists_the_known_ones():
    with pytest.raises(EngineError, match="known: espeak, google"):
        make_engine("polly")
