"""Text-to-speech engines behind one small interface: ``synthesize(text, voice_settings)``.

Each engine returns audio in whatever format it likes (WAV here); the pipeline makes it
telephony-ready. Voice settings come from the languages file, ``language.tts[engine]``:

* ``espeak``: ``{"voice": "es-419"}`` and optionally ``"rate"`` in words per minute;
* ``google``: ``{"language_code": "es-US", "name": "es-US-Neural2-A"}`` and optionally
  ``"speaking_rate"`` (1.0 is Google's normal speed);
* ``gemini`` (Google's Gemini-TTS models, through the same Cloud Text-to-Speech client):
  ``{"language_code": "es-US", "model_name": "gemini-2.5-flash-tts", "name": "Kore"}`` and
  optionally ``"prompt"`` (the style instruction; :data:`GEMINI_STYLE` otherwise),
  ``"speaking_rate"``, and ``"preview": true`` where Google offers the language only in
  preview (the console says so). Any ``google`` voice with a ``model_name`` is sent the same way.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from .ssml import to_ssml

ENGINES = ("espeak", "google", "gemini")
DEFAULT_ENGINE = "espeak"

#: espeak-ng's default is 175 words per minute, brisk for callers on a noisy phone line, many
#: with low literacy. 160 is ordinary conversational pace; numbers are read digit by digit, and
#: slower still on request, whatever this rate.
ESPEAK_RATE_WPM = 160

#: Slightly under Google's normal rate for the same reason.
GOOGLE_SPEAKING_RATE = 0.9
GOOGLE_SAMPLE_RATE_HZ = 8000

#: The style instruction a Gemini-TTS voice gets where the languages file gives none: the
#: line's callers are often frightened, on a bad connection, writing numbers down.
GEMINI_STYLE = (
    "You are the recorded voice of a free helpline for people seeking asylum. Read the text "
    "exactly as written, in its own language, in a calm, warm and steady voice, slowly and "
    "clearly, like someone helping a worried caller on a bad phone line. Say each digit of "
    "a phone number on its own, and pause at every comma and full stop so the caller can "
    "write the number or the letters down."
)


class EngineError(RuntimeError):
    """An engine could not speak a text (engine missing, voice unknown, API error)."""


class TtsEngine(Protocol):
    name: str

    def synthesize(self, text: str, voice_settings: Mapping[str, Any]) -> bytes:
        """Speak ``text`` with ``voice_settings``; return audio bytes in any decodable format."""
        ...

    def voice_id(self, voice_settings: Mapping[str, Any]) -> str:
        """What the manifest records as the voice: a change means the audio is rebuilt."""
        ...

    def billed_characters(self, text: str, voice_settings: Mapping[str, Any] | None = None) -> int:
        """Characters the provider bills for speaking ``text`` (0 for a free engine)."""
        ...


class EspeakEngine:
    """espeak-ng in a subprocess: offline, always available, robotic but clear."""

    name = "espeak"

    def __init__(self, binary: str = "espeak-ng", rate_wpm: int = ESPEAK_RATE_WPM) -> None:
        self.binary = binary
        self.rate_wpm = rate_wpm

    def voice_id(self, voice_settings: Mapping[str, Any]) -> str:
        rate = int(voice_settings.get("rate", self.rate_wpm))
        return f"{voice_settings['voice']}@{rate}wpm"

    def billed_characters(self, text: str, voice_settings: Mapping[str, Any] | None = None) -> int:
        return 0

    def synthesize(self, text: str, voice_settings: Mapping[str, Any]) -> bytes:
        if shutil.which(self.binary) is None:
            raise EngineError(f"{self.binary} is not installed (scripts/setup installs it)")
        rate = int(voice_settings.get("rate", self.rate_wpm))
        # SSML on stdin (-m): the same digit groups and pauses as Google, and no text can be
        # mistaken for a command-line option. --stdin reads it whole: without it espeak-ng
        # reads standard input in pieces of about 2,000 bytes, and a tag cut in two is spoken
        # as words ("as equals characters") in a long prompt.
        result = subprocess.run(
            [
                self.binary,
                "--stdin",
                "-m",
                "--stdout",
                "-v",
                voice_settings["voice"],
                "-s",
                str(rate),
            ],
            input=to_ssml(text).encode("utf-8"),
            capture_output=True,
            check=False,
            timeout=60,
        )
        if result.returncode != 0 or len(result.stdout) <= 44:
            message = result.stderr.decode("utf-8", "replace").strip() or "no audio produced"
            raise EngineError(f"espeak-ng voice {voice_settings['voice']!r}: {message}")
        return result.stdout


class GoogleEngine:
    """Google Cloud Text-to-Speech through the official client.

    The client is created on first use with the library's default credentials, i.e. the
    service-account file named by ``GOOGLE_APPLICATION_CREDENTIALS``; tests pass their own
    (the REST transport pointed at a local fake of the API).

    A voice with a ``model_name`` is a Gemini-TTS voice: it is sent plain text (Gemini-TTS
    takes no SSML; the text already says phone numbers digit by digit, in groups) with a
    style ``prompt``, and asked for μ-law at 8 kHz, the telephone's own format. The
    language's pronunciation list is already applied to the text: the request's
    ``custom_pronunciations`` only takes IPA or X-SAMPA for a phrase (and, in the 2.38
    client's words, only en-US for now), not the respellings and spelled-out addresses the
    pronunciation lists hold.
    """

    def __init__(self, client: Any | None = None, name: str = "google") -> None:
        self._client = client
        self.name = name

    @property
    def client(self) -> Any:
        if self._client is None:
            from google.auth.exceptions import DefaultCredentialsError
            from google.cloud import texttospeech

            try:
                self._client = texttospeech.TextToSpeechClient()
            except DefaultCredentialsError as error:
                raise EngineError(
                    "Google Text-to-Speech has no credentials: set GOOGLE_APPLICATION_CREDENTIALS "
                    "to a service-account key file"
                ) from error
        return self._client

    def voice_id(self, voice_settings: Mapping[str, Any]) -> str:
        model = voice_settings.get("model_name")
        if model:
            # A new style prompt is a new voice: the manifest then says the audio is stale.
            style = hashlib.sha256(gemini_style(voice_settings).encode()).hexdigest()[:8]
            speaker = voice_settings.get("name") or voice_settings["language_code"]
            return f"{model}/{speaker}/{voice_settings['language_code']}#{style}"
        return str(voice_settings.get("name") or voice_settings["language_code"])

    def billed_characters(self, text: str, voice_settings: Mapping[str, Any] | None = None) -> int:
        if voice_settings and voice_settings.get("model_name"):
            # Gemini-TTS bills tokens of the text and the prompt; characters are the estimate.
            return len(text) + len(gemini_style(voice_settings))
        # Google bills every character of the request, SSML tags included.
        return len(to_ssml(text))

    def request(self, text: str, voice_settings: Mapping[str, Any]) -> Any:
        """The exact ``SynthesizeSpeechRequest`` sent for ``text``."""
        from google.cloud import texttospeech

        if voice_settings.get("model_name"):
            return self._gemini_request(text, voice_settings)
        voice = texttospeech.VoiceSelectionParams(language_code=voice_settings["language_code"])
        if voice_settings.get("name"):
            voice.name = voice_settings["name"]
        return texttospeech.SynthesizeSpeechRequest(
            input=texttospeech.SynthesisInput(ssml=to_ssml(text)),
            voice=voice,
            audio_config=texttospeech.AudioConfig(
                # LINEAR16 comes with a WAV header; the pipeline levels it before μ-law.
                audio_encoding=texttospeech.AudioEncoding.LINEAR16,
                sample_rate_hertz=GOOGLE_SAMPLE_RATE_HZ,
                speaking_rate=float(voice_settings.get("speaking_rate", GOOGLE_SPEAKING_RATE)),
                effects_profile_id=["telephony-class-application"],
            ),
        )

    def _gemini_request(self, text: str, voice_settings: Mapping[str, Any]) -> Any:
        from google.cloud import texttospeech

        voice = texttospeech.VoiceSelectionParams(
            language_code=voice_settings["language_code"],
            model_name=voice_settings["model_name"],
        )
        if voice_settings.get("name"):
            voice.name = voice_settings["name"]  # the speaker ("Kore")
        audio = texttospeech.AudioConfig(
            # μ-law at 8 kHz comes with a WAV header: the pipeline reads it like any WAV.
            audio_encoding=texttospeech.AudioEncoding.MULAW,
            sample_rate_hertz=GOOGLE_SAMPLE_RATE_HZ,
        )
        if voice_settings.get("speaking_rate"):
            audio.speaking_rate = float(voice_settings["speaking_rate"])
        return texttospeech.SynthesizeSpeechRequest(
            input=texttospeech.SynthesisInput(text=text, prompt=gemini_style(voice_settings)),
            voice=voice,
            audio_config=audio,
        )

    def synthesize(self, text: str, voice_settings: Mapping[str, Any]) -> bytes:
        from google.api_core.exceptions import GoogleAPIError

        try:
            response = self.client.synthesize_speech(request=self.request(text, voice_settings))
        except GoogleAPIError as error:
            raise EngineError(f"Google Text-to-Speech: {error}") from error
        return bytes(response.audio_content)


def gemini_style(voice_settings: Mapping[str, Any]) -> str:
    """The style instruction a Gemini-TTS voice reads the text with."""
    return " ".join(str(voice_settings.get("prompt") or GEMINI_STYLE).split())


def make_engine(name: str, client: Any | None = None) -> TtsEngine:
    """The engine called ``name``; ``client`` is handed to engines that call a service."""
    if name == "espeak":
        return EspeakEngine()
    if name in ("google", "gemini"):
        return GoogleEngine(client, name=name)
    raise EngineError(f"unknown engine {name!r} (known: {', '.join(ENGINES)})")


@dataclass(frozen=True)
class VoiceChoice:
    """Which engine and voice speak a language, and what was asked for if that fell back."""

    engine: str
    settings: Mapping[str, Any]
    fallback_from: str | None = None


class NoVoice(EngineError):
    """Neither the requested engine nor the language's fallback has a voice for it."""


def choose_voice(language: Any, engine: str) -> VoiceChoice:
    """The voice for ``language`` on ``engine``, or on ``language.tts_fallback`` if it has none.

    Google has no Haitian Kreyòl voice, so the languages file gives ``ht`` no ``google`` entry
    and a fallback of ``espeak``: a Google build still produces (draft) Kreyòl audio.
    """
    if engine in language.tts:
        return VoiceChoice(engine, language.tts[engine])
    fallback = getattr(language, "tts_fallback", None)
    if fallback and fallback != engine and fallback in language.tts:
        return VoiceChoice(fallback, language.tts[fallback], fallback_from=engine)
    raise NoVoice(
        f"{language.code}: no {engine} voice in the languages file"
        + (f" and no {fallback} voice to fall back to" if fallback else " and no tts_fallback")
    )
