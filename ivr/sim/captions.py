"""What a <Play> says, for captions: the words behind an audio URL of the line.

Audio files are named `audio/<lang>/<prompt id>.<12 hex of sha256>.wav` (docs/architecture.md).
The audio manifest records the words each file speaks; a caption shows the WRITTEN words of
the prompt when the file speaks its current spoken words (a pronunciation such as "bit punto
ele i griega" is captioned "bit.ly"), else the words the file speaks. Without a manifest (a
remote server) the server is asked what it plays (`server_captions`), and the local content
pack's written text serves only where the server does not say.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from ..content import ContentPack

AUDIO_NAME = re.compile(r"/(?P<lang>[\w-]+)/(?P<prompt>[^/]+)\.[0-9a-f]{12}\.\w+$")

Captions = Callable[[str], "str | None"]


def prompt_of(url: str) -> tuple[str, str] | None:
    """(language, prompt id) an audio URL of the line names, or None."""
    match = AUDIO_NAME.search(urlsplit(url).path)
    return (match["lang"], match["prompt"]) if match else None


def pack_captions(pack: ContentPack, catalogue: Any = None) -> Captions:
    """Captions from the audio catalogue's manifest when given, else from the pack's texts."""

    def caption(url: str) -> str | None:
        named = prompt_of(url)
        if named is None:
            return None
        lang, prompt_id = named
        entry = catalogue.entry(lang, prompt_id) if catalogue is not None else None
        known = pack.language(lang) is not None
        if entry is not None and urlsplit(url).path.endswith("/" + entry.file):
            if known and pack.spoken(lang).get(prompt_id) == entry.text:
                return pack.texts(lang)[prompt_id]  # captions show the written words
            return entry.text
        return pack.texts(lang).get(prompt_id) if known else None

    return caption


def server_captions(voice_url: str, fallback: Captions, session: Any = None) -> Captions:
    """Captions from a running server: the words its live version plays for an audio URL
    (GET /simulator/api/caption, open in development and to staff), asked once per URL.
    Where it does not answer (a production line, to a terminal without a staff login) the
    ``fallback`` captions serve."""
    import requests

    base = voice_url.split("/voice", 1)[0]
    http = session or requests.Session()
    known: dict[str, str | None] = {}

    def caption(url: str) -> str | None:
        if url not in known:
            try:
                reply = http.get(f"{base}/simulator/api/caption", params={"url": url}, timeout=5)
                found = reply.json().get("text") if reply.status_code == 200 else None
            except (requests.RequestException, ValueError):
                found = None
            known[url] = found if isinstance(found, str) else fallback(url)
        return known[url]

    return caption


def no_captions(url: str) -> None:
    return None
