"""What a <Play> says, for captions: the words behind an audio URL of the line.

Audio files are named `audio/<lang>/<prompt id>.<12 hex of sha256>.wav` (docs/architecture.md).
The audio manifest records the words each file speaks; a caption shows the WRITTEN words of
the prompt when the file speaks its current spoken words (a pronunciation such as "bit punto
ele i griega" is captioned "bit.ly"), else the words the file speaks. Without a manifest (a
remote server) the content pack's current written text serves.
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


def no_captions(url: str) -> None:
    return None
