"""No wrong-language voice: a language without a <Say> voice gets fresh offline audio."""

from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from conftest import TOKEN, sign

from ivr import create_app, twiml
from ivr.audio.engines import EspeakEngine
from ivr.audio.offline import OfflineAudio
from ivr.flow import Prompt, Step


class CountingEspeak(EspeakEngine):
    """The real espeak-ng engine, counting how often it is asked to speak."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def synthesize(self, text, voice_settings):
        self.calls += 1
        return super().synthesize(text, voice_settings)


@pytest.fixture
def offline(tmp_path):
    return OfflineAudio(tmp_path / "offline", engine=CountingEspeak())


def render(pack, prompt, offline_url=twiml.no_audio):
    step = Step(prompts=(prompt,), hangup=True)
    return ET.fromstring(twiml.render(step, pack, lambda s: "/x", twiml.no_audio, offline_url))


def test_kreyol_has_no_say_voice_of_its_own(pack):
    assert not pack.language("ht").has_say_voice
    assert pack.language("es").has_say_voice and pack.language("en").has_say_voice


def test_kreyol_without_audio_is_never_read_by_another_languages_voice(pack, offline):
    prompt = Prompt("ht", "common.goodbye", pack.spoken("ht")["common.goodbye"])
    root = render(pack, prompt, lambda p: offline.url_for(pack.language("ht"), p.id, p.text))
    assert root.findall("Say") == []
    url = root.find("Play").text
    assert url.startswith("/audio/ht/common.goodbye.") and url.endswith(".wav")
    assert offline.path("ht", url.rsplit("/", 1)[1]).stat().st_size > 1000


def test_even_when_offline_audio_fails_kreyol_gets_silence_not_french(pack):
    prompt = Prompt("ht", "common.goodbye", pack.spoken("ht")["common.goodbye"])
    root = render(pack, prompt)  # no offline audio at all
    assert root.findall("Say") == [] and root.find("Pause") is not None


def test_spanish_without_audio_is_said_in_its_own_voice(pack):
    root = render(pack, Prompt("es", "common.goodbye", pack.spoken("es")["common.goodbye"]))
    say = root.find("Say")
    assert say.get("language") == "es-MX" and say.text == pack.spoken("es")["common.goodbye"]


def test_the_same_words_are_synthesized_once_and_new_words_get_a_new_file(pack, offline):
    ht = pack.language("ht")
    first = offline.url_for(ht, "common.goodbye", "Mèsi.")
    again = offline.url_for(ht, "common.goodbye", "Mèsi.")
    changed = offline.url_for(ht, "common.goodbye", "Mèsi anpil.")
    assert first == again != changed
    assert offline.engine.calls == 2


def test_a_second_process_finds_the_file_already_made(pack, tmp_path):
    ht = pack.language("ht")
    OfflineAudio(tmp_path / "o", engine=CountingEspeak()).url_for(ht, "common.goodbye", "Mèsi.")
    later = OfflineAudio(tmp_path / "o", engine=CountingEspeak())
    assert later.url_for(ht, "common.goodbye", "Mèsi.") and later.engine.calls == 0


def test_a_stale_kreyol_prompt_on_the_line_plays_offline_audio_of_the_current_words(tmp_path):
    app = create_app(
        {
            "ENV": {
                "TWILIO_AUTH_TOKEN": TOKEN,
                "AUDIO_DIR": str(tmp_path / "no-audio"),  # nothing recorded or built
                "DATA_DIR": str(tmp_path / "data"),
            },
            "TESTING": True,
        }
    )
    client = app.test_client()
    path, params = "/voice/language", {"CallSid": "CA1", "Digits": "2"}
    url = "http://localhost" + path
    response = client.post(path, data=params, headers={"X-Twilio-Signature": sign(url, params)})
    root = ET.fromstring(response.data)
    assert list(root.iter("Say")) == []
    plays = [p.text for p in root.iter("Play")]
    assert plays and all(p.startswith("/audio/ht/") for p in plays)
    with client.get(plays[0]) as audio:
        assert audio.status_code == 200 and audio.data[:4] == b"RIFF"
    assert (Path(tmp_path) / "data" / "offline-audio" / "ht").is_dir()
