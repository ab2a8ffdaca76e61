"""A local fake of Google Cloud Text-to-Speech's REST API, for the client's REST transport.

Only ``POST /v1/text:synthesize``, on 127.0.0.1: it keeps every request body, refuses a
Gemini-TTS request the way the service would (no prompt, SSML, an encoding or rate other than
μ-law at 8 kHz, a language the "project" is not offered) and answers the rest with a real
μ-law WAV of a short tone. Never the real service: the tests have no network.
"""

from __future__ import annotations

import base64
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pydub.generators import Sine

MULAW = ("MULAW", 5)  # the REST body names enums, or numbers them


def mulaw_wav(seconds: float = 1.0) -> bytes:
    """What Cloud TTS returns for MULAW: 8 kHz μ-law samples with a WAV header."""
    tone = Sine(440).to_audio_segment(duration=seconds * 1000, volume=-12)
    out = io.BytesIO()
    tone.set_frame_rate(8000).set_channels(1).export(
        out, format="wav", codec="pcm_mulaw", parameters=["-ar", "8000"]
    )
    return out.getvalue()


class FakeCloudTts:
    def __init__(self, languages: set[str] | None = None) -> None:
        # The (model, language) pairs "the project" offers; None: every language.
        self.languages = languages
        self.requests: list[dict[str, Any]] = []
        self.audio = mulaw_wav()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path.split("?")[0] != "/v1/text:synthesize":
                    self._answer(404, _error(404, "NOT_FOUND", f"no {self.path}"))
                    return
                fake.requests.append(body)
                problem = fake.refusal(body)
                if problem:
                    self._answer(400, _error(400, "INVALID_ARGUMENT", problem))
                    return
                audio = base64.b64encode(fake.audio).decode()
                self._answer(200, {"audioContent": audio})

            def _answer(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def refusal(self, body: dict[str, Any]) -> str:
        voice = body.get("voice", {})
        given = body.get("input", {})
        audio = body.get("audioConfig", {})
        model = voice.get("modelName") or voice.get("model_name")
        if not model:
            return ""  # a classic voice: not what these tests are about
        if not given.get("text") or "ssml" in given:
            return "Gemini-TTS takes text, not SSML"
        if not given.get("prompt"):
            return "a style prompt is expected"
        if audio.get("audioEncoding") not in MULAW or audio.get("sampleRateHertz") != 8000:
            return f"expected MULAW at 8000 Hz, not {audio}"
        language = voice.get("languageCode")
        if self.languages is not None and language not in self.languages:
            return f"Language {language} is not supported for model {model} in this project"
        return ""

    def __enter__(self) -> FakeCloudTts:
        self.thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


def _error(code: int, status: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status}}
