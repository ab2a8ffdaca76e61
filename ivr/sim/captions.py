"""What a <Play> says, for captions: the words behind an audio URL of the line.

Audio files are named `audio/<lang>/<prompt id>.<12 hex of sha256>.wav` (docs/architecture.md)
and only audio whose manifest text equals the current text is ever played, so the current
text of that prompt in that language is exactly what the file speaks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from ..content import ContentPack

AUDIO_NAME = re.compile(r"/(?P<lang>[\w-]+)/(?P<prompt>[^/]+)\.[0-9a-f]{12}\.\w+$")

Captions = Callable[[str], "str | None"]


def prompt_of(url: str) -> tuple[str, str] | None:
    """(language, prompt id) an audio URL of the line names, or None."""
    match = AUDIO_NAME.search(urlsplit(url).path)
    return (match["lang"], match["prompt"]) if match else None


def pack_captions(pack: ContentPack) -> Captions:
    def caption(url: str) -> str | None:
        named = prompt_of(url)
        if named is None or pack.language(named[0]) is None:
            return None
        return pack.texts(named[0]).get(named[1])

    return caption


def no_captions(url: str) -> None:
    return None
