"""Read ``languages.yaml`` into the pack's ``Language`` objects: voices, words, spelling,
pronunciations, dates, the opening-hours clock and the wording lists, each field checked on the
loader's ``Reader``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .clock import read_clock
from .files import LANGUAGES, Reader
from .model import Language, frozen_map
from .speech import Spelling, address_pronunciation


def read_languages(data: Any, r: Reader) -> tuple[Language, ...]:
    langs = []
    items = r.field(LANGUAGES, "", data, "languages", list)
    for i, item in enumerate(items):
        key = f"languages[{i}]"
        code = r.field(LANGUAGES, key, item, "code", str)
        key = f"languages[{code or i}]"
        # No `say`: Twilio has no voice for this language, and no other language's voice
        # may read it (the line plays offline audio instead).
        say = r.field(LANGUAGES, key, item, "say", dict, {})
        tts = r.field(LANGUAGES, key, item, "tts", dict)
        langs.append(
            Language(
                code=code,
                name=r.field(LANGUAGES, key, item, "name", str),
                key=r.field(LANGUAGES, key, item, "key", str),
                say_voice=r.field(LANGUAGES, f"{key}.say", say, "voice", str, ""),
                say_language=r.field(LANGUAGES, f"{key}.say", say, "language", str, ""),
                tts=frozen_map({k: frozen_map(v) for k, v in tts.items() if v}),
                tts_fallback=r.field(LANGUAGES, key, item, "tts_fallback", str, "espeak"),
                words=frozen_map(r.field(LANGUAGES, key, item, "words", dict)),
                spelling=(spelling := _spelling(item, key, r)),
                pronounce=_addresses(item, key, r, spelling) + _pronunciations(item, key, r),
                write_out_numbers=r.field(LANGUAGES, key, item, "write_out_numbers", bool, False),
                **_misread(item, key, r),
                months=tuple(str(m) for m in r.field(LANGUAGES, key, item, "months", list, [])),
                date_pattern=r.field(LANGUAGES, key, item, "date", str, "{day} {month} {year}"),
                clock=read_clock(item.get("clock") if isinstance(item, Mapping) else None, key, r),
                **_wording(item, key, r),
            )
        )
    return tuple(langs)


def _wording(item: Any, key: str, r: Reader) -> dict[str, Any]:
    """`wording:` (avoid, present_tense, past_markers, cleared) for wording.py's checks."""
    data = r.field(LANGUAGES, key, item, "wording", dict, {})
    where = f"{key}.wording"
    words = {
        name: tuple(str(w).strip() for w in r.field(LANGUAGES, where, data, name, list, []))
        for name in ("avoid", "present_tense", "past_markers")
    }
    cleared = []
    for i, pair in enumerate(r.field(LANGUAGES, where, data, "cleared", list, [])):
        if not isinstance(pair, list) or len(pair) != 2 or not all(str(p).strip() for p in pair):
            r.problem(
                LANGUAGES,
                f"{where}.cleared[{i}]",
                f"must be a pair [prompt id, word], not {pair!r}",
                "cleared_pair",
                index=i,
            )
            continue
        cleared.append((str(pair[0]).strip(), str(pair[1]).strip()))
    return {**words, "cleared": tuple(cleared)}


def _pronunciations(item: Any, key: str, r: Reader) -> tuple[tuple[str, str], ...]:
    """`pronounce:` as an ordered list of [written, spoken] pairs."""
    pairs = []
    for i, pair in enumerate(r.field(LANGUAGES, key, item, "pronounce", list, [])):
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(p, str | int) and str(p).strip() for p in pair)
        ):
            r.problem(
                LANGUAGES,
                f"{key}.pronounce[{i}]",
                f"must be a pair [written, spoken], not {pair!r}",
                "pronounce_pair",
                index=i,
            )
            continue
        pairs.append((str(pair[0]).strip(), " ".join(str(pair[1]).split())))
    return tuple(pairs)


def _spelling(item: Any, key: str, r: Reader) -> Spelling:
    """`spell:` the words that spell a web address out loud (speech.Spelling)."""
    data = r.field(LANGUAGES, key, item, "spell", dict, {})
    where = f"{key}.spell"

    def words(name: str) -> dict[str, str]:
        raw = r.field(LANGUAGES, where, data, name, dict, {})
        return {str(k): " ".join(str(v).split()) for k, v in raw.items() if str(v).strip()}

    return Spelling(
        then=r.field(LANGUAGES, where, data, "then", str, ""),
        letters={k.lower(): v for k, v in words("letters").items()},
        marks=words("marks"),
        capitals=r.field(LANGUAGES, where, data, "capitals", str, ""),
        small=r.field(LANGUAGES, where, data, "small", str, ""),
    )


def _addresses(item: Any, key: str, r: Reader, spelling: Spelling) -> tuple[tuple[str, str], ...]:
    """`addresses:` [written, said] pairs: the web addresses a caller must type, said as
    words and then spelled (speech.address_pronunciation), before the other pronunciations."""
    pairs = []
    for i, pair in enumerate(r.field(LANGUAGES, key, item, "addresses", list, [])):
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(p, str) and p.strip() for p in pair)
        ):
            r.problem(
                LANGUAGES,
                f"{key}.addresses[{i}]",
                f"must be a pair [written, said], not {pair!r}",
                "pronounce_pair",
                index=i,
            )
            continue
        address, said = pair[0].strip(), " ".join(pair[1].split())
        missing = spelling.missing(address)
        if missing:
            r.problem(
                LANGUAGES,
                f"{key}.addresses[{i}]",
                f"{address} cannot be spelled: no word in `spell` for {' '.join(missing)}",
                "spell_missing",
                address=address,
                characters=" ".join(missing),
            )
            continue
        pairs.append((address, address_pronunciation(said, address, spelling)))
    return tuple(pairs)


def _misread(item: Any, key: str, r: Reader) -> dict[str, tuple[str, ...]]:
    """`misread: {words: [...], phonemes: [...]}` as two tuples of non-empty strings."""
    data = r.field(LANGUAGES, key, item, "misread", dict, {})
    found = {}
    for part in ("words", "phonemes"):
        items = r.field(LANGUAGES, f"{key}.misread", data, part, list, [])
        good = []
        for i, value in enumerate(items):
            if not isinstance(value, str | int) or not str(value).strip():
                r.problem(
                    LANGUAGES,
                    f"{key}.misread.{part}[{i}]",
                    f"must be a word or phoneme string, not {value!r}",
                    "misread_entry",
                    index=i,
                )
                continue
            good.append(" ".join(str(value).split()))
        found[f"misread_{part}"] = tuple(good)
    return found
