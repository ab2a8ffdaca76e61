"""Rules for ``languages.yaml``: codes and keys, the words the line says for keys and dial
instructions, month names for dated sections, and a voice for every language."""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import Problem
from ..files import LANGUAGES
from ..model import DTMF, ContentPack
from ..speech import dial_placeholders


def check_languages(pack: ContentPack) -> Iterator[Problem]:
    seen_codes: set[str] = set()
    seen_keys: dict[str, str] = {}
    if not pack.languages:
        yield Problem(LANGUAGES, "languages", "at least one language is needed", "no_language")
    for lang in pack.languages:
        key = f"languages[{lang.code}]"
        if lang.code in seen_codes:
            yield Problem(
                LANGUAGES,
                key,
                "language code is listed twice",
                "language_twice",
                {"lang": lang.code},
            )
        seen_codes.add(lang.code)
        if lang.key not in DTMF - {"*", "#"} or lang.key in seen_keys:
            yield Problem(
                LANGUAGES,
                f"{key}.key",
                f"key {lang.key!r} must be a unique digit",
                "language_key",
                {"key": lang.key, "lang": lang.code},
            )
        seen_keys[lang.key] = lang.code
        if lang.tts_fallback not in lang.tts:
            yield Problem(
                LANGUAGES,
                f"{key}.tts_fallback",
                f"no voice for engine {lang.tts_fallback!r}",
                "tts_fallback_voice",
                {"engine": lang.tts_fallback, "lang": lang.code},
            )
        words = ["plus", "star", "pound"]
        if any(dial_placeholders(t) for t in pack.raw_texts(lang.code).values()):
            words += ["or", "from_mexico", "from_us"]
        for word in words:
            if not lang.words.get(word):
                yield Problem(
                    LANGUAGES,
                    f"{key}.words.{word}",
                    "is missing",
                    "word_missing",
                    {"word": word, "lang": lang.code},
                )
        if any(n.checked for n in pack.flow.nodes.values()) and len(lang.months) != 12:
            yield Problem(
                LANGUAGES,
                f"{key}.months",
                "must name the 12 months, January first",
                "months_missing",
                {"lang": lang.code},
            )
        if not lang.has_say_voice and not lang.tts:
            yield Problem(
                LANGUAGES,
                key,
                "needs a `say` voice or a `tts` voice for offline audio",
                "no_voice",
                {"lang": lang.code},
            )
