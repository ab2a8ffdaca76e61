"""What espeak-ng will actually say: its phonemes for the spoken words, and the misreadings.

A computer voice reads names with its own language's letters: espeak-ng's Spanish says
"Jewish" with a jota, its Kreyòl says "Service" as "sehvis-e". Reading the phonemes
(``espeak-ng -v <voice> -x``) shows that without listening to hours of audio, so each
language keeps a ``misread`` list in ``languages.yaml``:

* ``words``: written forms that must never reach the voice (the pronunciation list should
  have turned them into words the voice can say);
* ``phonemes``: espeak-ng phoneme strings that betray a misreading ("xew'iS": Jewish with a
  jota), matched as whole phoneme words in a row; a secondary stress counts as a primary one.

Every prompt of a language goes through ONE espeak-ng process (SSML in, as audio builds
send it; a sentinel paragraph between prompts splits the output), and results are cached
per voice and words, in memory and optionally in a folder, so the check takes well under a
second once warm.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from ..atomic import atomic_write
from ..content.clock import say_opening, spoken_opening
from ..content.speech import WEB_ADDRESS, misread_words
from .engines import EngineError
from .ssml import to_ssml

#: A word no language of the line has, said between two prompts: its phoneme line splits
#: espeak-ng's output back into one piece per prompt.
SENTINEL = "qqqq"
_SECONDARY = re.compile(r",")
# espeak-ng's pause marks (_, _:, _!, _|) split phoneme words like spaces do.
_SPLIT = re.compile(r"\s+|_[:!|]*")

_memory: dict[tuple[str, str], str] = {}
_memory_lock = threading.Lock()


def espeak_version(binary: str = "espeak-ng") -> str:
    """'1.51' (another version may read words otherwise, so caches are kept per version)."""
    result = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"(\d+\.\d+(?:\.\d+)?)", result.stdout)
    return match.group(1) if match else "unknown"


def _body(text: str) -> str:
    return to_ssml(text)[len("<speak>") : -len("</speak>")]


def _run(texts: Sequence[str], voice: str, binary: str) -> list[str]:
    """Phonemes of each text, one espeak-ng process for all of them (``--stdin``: without
    it espeak-ng reads standard input in pieces of about 2,000 bytes and an SSML tag cut in
    two is read aloud as words)."""
    if shutil.which(binary) is None:
        raise EngineError(f"{binary} is not installed (scripts/setup installs it)")
    parts = [f"<p>{SENTINEL}</p>"]
    for text in texts:
        parts += [f"<p>{_body(text)}</p>", f"<p>{SENTINEL}</p>"]
    result = subprocess.run(
        [binary, "--stdin", "-m", "-q", "-x", "-v", voice],
        input=("<speak>" + "".join(parts) + "</speak>").encode("utf-8"),
        capture_output=True,
        check=False,
        timeout=120,
    )
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip() or "failed"
        raise EngineError(f"espeak-ng voice {voice!r}: {message}")
    lines = [line.strip() for line in result.stdout.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if phoneme_words(line)]
    if not lines or len(phoneme_words(lines[0])) != 1:
        raise EngineError(f"espeak-ng voice {voice!r}: no phonemes for the sentinel word")
    sentinel = phoneme_words(lines[0])[0]  # the first paragraph is the sentinel alone
    pieces: list[list[str]] = [[]]
    for line in lines[1:]:
        # A pause mark may stick to the sentinel ("_:_:kkkk"): split on phoneme words.
        words: list[str] = []
        for token in line.split():
            if phoneme_words(token) == [sentinel]:
                if words:
                    pieces[-1].append(" ".join(words))
                    words = []
                pieces.append([])
            else:
                words.append(token)
        if words:
            pieces[-1].append(" ".join(words))
    pieces = pieces[:-1]  # after the last sentinel: nothing
    if len(pieces) != len(texts):
        raise EngineError(
            f"espeak-ng voice {voice!r}: {len(pieces)} phoneme pieces for {len(texts)} texts"
        )
    return [" | ".join(piece) for piece in pieces]


def _key(voice: str, text: str) -> str:
    return hashlib.sha256(f"{voice}\n{text}".encode()).hexdigest()[:24]


def phonemes(
    texts: Sequence[str],
    voice: str,
    *,
    cache_dir: Path | None = None,
    binary: str = "espeak-ng",
) -> list[str]:
    """espeak-ng's phonemes (``-x``) of each text as the audio build would speak it; clauses
    are joined by `` | ``. Texts already seen (in this process or in ``cache_dir``) are not
    spoken again."""
    disk: dict[str, str] = {}
    path = None
    if cache_dir is not None:
        path = Path(cache_dir) / f"phonemes-{espeak_version(binary)}-{voice}.json"
        try:
            disk = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            disk = {}
    with _memory_lock:
        known = {t: _memory.get((voice, t)) or disk.get(_key(voice, t)) for t in set(texts)}
    todo = [t for t, said in known.items() if said is None]
    if todo:
        for text, said in zip(todo, _run(todo, voice, binary), strict=True):
            known[text] = said
        with _memory_lock:
            _memory.update({(voice, t): known[t] for t in todo})
        if path is not None:
            disk.update({_key(voice, t): known[t] for t in todo})
            # Atomic: test workers running at once each read a whole file or none.
            atomic_write(path, json.dumps(disk, ensure_ascii=False, sort_keys=True).encode())
    return [known[t] or "" for t in texts]


def phoneme_words(said: str) -> list[str]:
    """Phoneme words, secondary stress written as primary (a phrase may demote a stress,
    but where it falls is what tells "Defénders" from "Defendérs"):
    "D,efend'ers | x'ew" -> ["D'efend'ers", "x'ew"]."""
    return [w for w in _SPLIT.split(_SECONDARY.sub("'", said.replace("|", " "))) if w]


def contains_phonemes(said: str, wanted: str) -> bool:
    """Does ``said`` hold the phoneme words of ``wanted`` in a row?"""
    have, want = phoneme_words(said), phoneme_words(wanted)
    if not want:
        return False
    return any(have[i : i + len(want)] == want for i in range(len(have) - len(want) + 1))


@dataclass(frozen=True)
class Misreading:
    lang: str
    prompt_id: str
    found: str  # the written word, or the phoneme string, from the misread list
    kind: str  # "word" (still written in the spoken words), "address" (a web address left
    # as written: add it to the language's `addresses`) or "phonemes"
    said: str  # what espeak-ng says for the prompt (phonemes), or the spoken words

    def __str__(self) -> str:
        return f"{self.lang} {self.prompt_id}: {self.kind} {self.found!r} in {self.said!r}"


def computer_made(pack: Any, lang: str, *, written: bool = False) -> dict[str, str]:
    """Every text a computer voice says in ``lang``: the prompts (``pack.spoken``) and the
    sentences made during a call that tell when a closed office opens, for every place and
    hour ("Abre mañana a las 9 de la mañana, hora de Tijuana."), keyed "hours.<n>".
    ``written``: the same texts before the pronunciation list (what the voice would misread)."""
    language = pack.language(lang)
    texts = dict(pack.texts(lang) if written else pack.spoken(lang))
    opening_words = say_opening if written else spoken_opening
    seen: set[str] = set()
    for number in pack.numbers.values():
        hours = getattr(number, "hours", None)
        if hours is None or hours.place in seen:
            continue
        seen.add(hours.place)
        now = datetime(2026, 1, 5, 7, 0, tzinfo=hours.tz)  # a Monday morning
        openings = [now.replace(hour=h) + timedelta(days=1) for h in range(24)]
        openings += [
            datetime.combine(now.date() + timedelta(days=days), time(hour, minute), hours.tz)
            for days, hour, minute in ((0, 9, 15), (3, 14, 30), (10, 17, 45))
        ]
        for opening in openings:
            said = opening_words(language, opening, now, hours.place)
            if said not in texts.values():
                texts[f"hours.{len(texts)}"] = said
    return texts


def misreadings(
    pack: Any,
    lang: str,
    *,
    texts: Mapping[str, str] | None = None,
    cache_dir: Path | None = None,
) -> list[Misreading]:
    """Every misread-list hit in what the language's computer voice says (``texts``, by
    default :func:`computer_made`), as its espeak-ng voice reads it."""
    language = pack.language(lang)
    if language is None:
        raise KeyError(f"unknown language {lang!r}")
    spoken = dict(texts if texts is not None else computer_made(pack, lang))
    found: list[Misreading] = []
    for prompt_id, text in sorted(spoken.items()):
        for word in misread_words(text, language.misread_words):
            found.append(Misreading(lang, prompt_id, word, "word", text))
        for address in dict.fromkeys(WEB_ADDRESS.findall(text)):
            found.append(Misreading(lang, prompt_id, address, "address", text))
    voice = (language.tts.get("espeak") or {}).get("voice")
    if not voice or not language.misread_phonemes:
        return found
    ids = sorted(spoken)
    said = phonemes([spoken[i] for i in ids], voice, cache_dir=cache_dir)
    for prompt_id, phones in zip(ids, said, strict=True):
        for wanted in language.misread_phonemes:
            if contains_phonemes(phones, wanted):
                found.append(Misreading(lang, prompt_id, wanted, "phonemes", phones))
    return found
