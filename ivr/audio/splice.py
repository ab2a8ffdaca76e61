"""A prompt as a speaker records it: words between the phone numbers, and numbers spliced in.

A human voice must never say an old phone number, and a changed number must not send a
human-voiced prompt back to the computer voice. So a prompt that says a number is recorded
as its words with every number left out, and each number is assembled, when audio is made,
from a short set of clips of the same speaker: the digits 0-9 and "plus" (``words.plus``),
and the words the pack puts around numbers where it says where to call from (``words.or``,
``words.from_mexico``, ``words.from_us``).

:func:`score` turns a prompt into its parts, in order: :class:`Clip` (words one take says),
:class:`NumberPart` (a directory number, said at normal or slow pace) and :class:`Gap`
(silence where the text has punctuation). Clips are keyed by the language and the exact
spoken words (:attr:`Clip.key`), so words two prompts share (the country variants of a
"numbers" prompt, a sentence repeated in two situations) are recorded once.

:func:`assemble` puts the audio together with pydub: each clip's take without its pads, the
gaps, and each number from the digit clips with natural pauses (short between the digits of
a group, longer between groups; longer still for the slow readings). Until a language has
every digit clip, its numbers come from the computer voice, and the result says how many
seconds that is, so the coverage can count it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydub import AudioSegment

from ..content.load import COUNTRY_VARIANTS, dial_parts
from ..content.model import ContentPack
from ..content.speech import DIAL_PLACEHOLDER, PLACEHOLDER, digit_groups, pronounce, speak_number
from .loudness import TARGET_DBOV
from .pipeline import PAD_MS, SAMPLE_RATE, TelephonyAudio, read_ulaw, ulaw_wav

DIGITS = tuple("0123456789")
PLUS = "plus"  # the kind of the clip that says "+" (words.plus)
#: The words around numbers a pack can put in a "{from:org}" (directory.yaml dial_from).
JOINER_WORDS = ("or", "from_mexico", "from_us")

#: Silence for punctuation between parts (ms): what a reader's pause sounds like on a phone.
PAUSE_MS = {".": 450, "!": 450, "?": 450, ":": 300, ";": 300, ",": 200}
WORD_GAP_MS = 80  # two parts with no punctuation between them
#: Between digits of one group and between groups: a normal reading ("5 2, 6 6 4") and a
#: slow one ("5, 2. 6, 6, 4."), which a caller writes down.
DIGIT_GAP_MS = {False: 70, True: 300}
GROUP_GAP_MS = {False: 300, True: 650}
AFTER_PLUS_MS = {False: 120, True: 450}

_LEAD = re.compile(r"^[\s.,;:!?]*")
_TRAIL = re.compile(r"[\s.,;:!?]*$")
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class Clip:
    """Words one take says. ``spoken`` is what the audio says (the pronunciation list
    applied), ``written`` what the speaker reads on the screen."""

    lang: str
    spoken: str
    written: str
    kind: str = "words"  # "words" | "digit" | "plus" | "joiner"

    @property
    def key(self) -> str:
        return clip_key(self.lang, self.spoken)


@dataclass(frozen=True)
class NumberPart:
    number_id: str
    e164: str
    slow: bool


@dataclass(frozen=True)
class Gap:
    ms: int


Part = Clip | NumberPart | Gap


def clip_key(lang: str, spoken: str) -> str:
    """A clip's id: the same words in the same language are the same clip."""
    return hashlib.sha256(f"{lang}\n{spoken}".encode()).hexdigest()[:16]


_CACHE: dict[tuple, Any] = {}  # scores and number clips by (pack version, lang, ...)
_CACHE_LIMIT = 20_000


def _cached(key: tuple, make: Callable[[], Any]) -> Any:
    """Packs are immutable and their version names their files: results are kept by it."""
    found = _CACHE.get(key)
    if found is None:
        found = make()
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE[key] = found
    return found


def number_clips(pack: ContentPack, lang: str) -> list[Clip]:
    """The clips every number is made of, in this language: the digits, "plus", and the
    words around numbers that the pack uses (only those some prompt says)."""
    return list(_cached((pack.version, lang, "#numbers"), lambda: _number_clips(pack, lang)))


def _number_clips(pack: ContentPack, lang: str) -> tuple[Clip, ...]:
    language = pack.language(lang)
    if language is None:
        raise KeyError(f"unknown language {lang!r}")
    plus = language.words.get("plus", "+")
    clips = [Clip(lang, d, d, "digit") for d in DIGITS]
    clips.append(Clip(lang, plus, plus, "plus"))
    used = {c.key for pid in pack.spoken(lang) for c in clips_of(score(pack, lang, pid))}
    for name in JOINER_WORDS:
        words = language.words.get(name)
        if words:
            clip = _joiner(pack, lang, words)
            if clip.key in used:
                clips.append(clip)
    return tuple(clips)


def _joiner(pack: ContentPack, lang: str, written: str) -> Clip:
    language = pack.language(lang)
    spoken = pronounce(written, language.pronounce if language else ())
    return Clip(lang, spoken, written, "joiner")


def score(pack: ContentPack, lang: str, prompt_id: str) -> tuple[Part, ...]:
    """The parts of one prompt in one language, in the order callers hear them. KeyError for
    an unknown language or prompt."""
    return _cached((pack.version, lang, prompt_id), lambda: _score(pack, lang, prompt_id))


def _score(pack: ContentPack, lang: str, prompt_id: str) -> tuple[Part, ...]:
    language = pack.language(lang)
    if language is None:
        raise KeyError(f"unknown language {lang!r}")
    if prompt_id not in pack.spoken(lang):
        raise KeyError(f"no prompt {prompt_id!r} in {lang}")
    if prompt_id.startswith("number."):
        number = pack.numbers[prompt_id.removeprefix("number.")]
        return (NumberPart(number.id, number.e164, True),)
    base, country = prompt_id, None
    for place, suffix in COUNTRY_VARIANTS.items():
        if prompt_id.endswith(suffix):
            base, country = prompt_id.removesuffix(suffix), place
    raw = pack.raw_texts(lang).get(base)
    if raw is None:  # a derived prompt ("checked.<node>"): words only, no number in it
        return _tidy(_words(lang, pack.texts(lang)[prompt_id], pack.spoken(lang)[prompt_id]))
    pairs = language.pronounce
    parts: list[Part] = []
    last = 0
    for match in DIAL_PLACEHOLDER.finditer(raw):
        parts += _text(pack, lang, raw[last : match.start()], pairs)
        slow = match["style"] == "slowfrom"
        said_any = after_number = False  # as expand_dial joins them
        for part in dial_parts(pack.organizations, pack.numbers, match["id"], country):
            if part.startswith("label:"):
                words = language.words.get(part[6:], part[6:])
                if said_any:
                    parts.append(Gap(PAUSE_MS[";"]))
                parts += [_joiner(pack, lang, words), Gap(PAUSE_MS[":"])]
                after_number = False
            else:
                if after_number:
                    either = _joiner(pack, lang, language.words.get("or", "or"))
                    parts += [Gap(WORD_GAP_MS), either, Gap(WORD_GAP_MS)]
                number = pack.numbers[part]
                parts.append(NumberPart(number.id, number.e164, slow))
                after_number = True
            said_any = True
        last = match.end()
    parts += _text(pack, lang, raw[last:], pairs)
    return _tidy(parts)


def _text(pack: ContentPack, lang: str, text: str, pairs) -> list[Part]:
    """A stretch of authored text with {number:..}/{slow:..} placeholders."""
    parts: list[Part] = []
    last = 0
    for match in PLACEHOLDER.finditer(text):
        piece = text[last : match.start()]
        parts += _words(lang, piece, pronounce(piece, pairs))
        number = pack.numbers.get(match["id"])
        if number is not None:
            parts.append(NumberPart(number.id, number.e164, match["style"] == "slow"))
        last = match.end()
    piece = text[last:]
    parts += _words(lang, piece, pronounce(piece, pairs))
    return parts


def _words(lang: str, written: str, spoken: str) -> list[Part]:
    """Words between numbers as [gap, clip, gap]: punctuation at either end becomes silence,
    and a piece of punctuation alone ("." after a number) only a pause."""
    written, spoken = " ".join(written.split()), " ".join(spoken.split())
    if not _WORD.search(spoken):
        return [Gap(_pause(spoken))] if spoken else []
    lead = _LEAD.match(spoken)[0]
    w_lead = _LEAD.match(written)[0]
    core = spoken[len(lead) :].strip()
    shown = written[len(w_lead) :].strip()
    trail = _TRAIL.search(core)[0]
    parts: list[Part] = []
    if lead.strip():
        parts.append(Gap(_pause(lead)))
    parts.append(Clip(lang, core, shown))
    parts.append(Gap(_pause(trail) if trail.strip() else WORD_GAP_MS))
    return parts


def _pause(punctuation: str) -> int:
    return max((PAUSE_MS.get(c, 0) for c in punctuation), default=0) or WORD_GAP_MS


def _tidy(parts: list[Part]) -> tuple[Part, ...]:
    """Gaps merged (the longest wins) and none at either end."""
    out: list[Part] = []
    for part in parts:
        if isinstance(part, Gap):
            if not out:
                continue
            if isinstance(out[-1], Gap):
                out[-1] = Gap(max(out[-1].ms, part.ms))
                continue
        out.append(part)
    while out and isinstance(out[-1], Gap):
        out.pop()
    return tuple(out)


def clips_of(parts: Iterable[Part]) -> list[Clip]:
    """The word clips of a score (numbers not included: see :func:`number_clips`)."""
    return [p for p in parts if isinstance(p, Clip)]


def has_number(parts: Iterable[Part]) -> bool:
    return any(isinstance(p, NumberPart) for p in parts)


def words_of(pack: ContentPack, lang: str, parts: Iterable[Part]) -> str:
    """What the assembled audio says, as text (for checks: the same words as the pack's)."""
    language = pack.language(lang)
    plus = language.words.get("plus", "+") if language else "+"
    said = []
    for part in parts:
        if isinstance(part, Clip):
            said.append(part.spoken)
        elif isinstance(part, NumberPart):
            said.append(speak_number(part.e164, plus, slow=part.slow))
    return " ".join(said)


# -- assembling audio --------------------------------------------------------------------------


@dataclass(frozen=True)
class Spliced:
    """Assembled audio and what it was made of."""

    audio: TelephonyAudio
    takes: tuple[str, ...]  # ids of the takes used, in order
    computer_seconds: float  # seconds of numbers said by the computer voice (no digit clips)

    @property
    def human_share(self) -> float:
        total = self.audio.duration
        return 1.0 if total <= 0 else max(0.0, 1.0 - self.computer_seconds / total)


class MissingClip(KeyError):
    """A word clip has no take yet: the prompt cannot be assembled in the human voice."""


# (clip key) -> (take id, telephony WAV bytes), or None when there is no take
TakeLookup = Callable[[str], "tuple[str, bytes] | None"]
# (spoken words) -> telephony WAV bytes of the computer voice saying them
Synthesize = Callable[[str], bytes]


def speech_of(data: bytes) -> AudioSegment:
    """A finished take or prompt (μ-law WAV with pads) as 16-bit PCM without its pads."""
    segment = read_ulaw(data)
    if len(segment) > 2 * PAD_MS:
        segment = segment[PAD_MS : len(segment) - PAD_MS]
    return segment


def assemble(
    pack: ContentPack,
    lang: str,
    parts: tuple[Part, ...],
    take_for: TakeLookup,
    synthesize: Synthesize,
) -> Spliced:
    """The prompt's audio from takes (and, where a language has no digit clips yet, numbers
    in the computer voice). Raises :class:`MissingClip` when a word clip has no take."""
    language = pack.language(lang)
    plus = language.words.get("plus", "+") if language else "+"
    digits = {d: take_for(clip_key(lang, d)) for d in DIGITS}
    plus_take = take_for(clip_key(lang, plus))
    human_numbers = all(digits.values()) and plus_take is not None
    used: list[str] = []
    computer_ms = 0
    out = AudioSegment.silent(duration=0, frame_rate=SAMPLE_RATE)
    for part in parts:
        if isinstance(part, Gap):
            out += _silence(part.ms)
        elif isinstance(part, Clip):
            found = take_for(part.key)
            if found is None:
                raise MissingClip(part.key)
            used.append(found[0])
            out += speech_of(found[1])
        elif human_numbers:
            pieces = _human_number(part, digits, plus_take)
            used += [take_id for take_id, _ in pieces if take_id]
            for _, segment in pieces:
                out += segment
        else:
            said = speech_of(synthesize(speak_number(part.e164, plus, slow=part.slow)))
            computer_ms += len(said)
            out += said
    # Every part is already trimmed and levelled (takes and computer audio went through the
    # pipeline): only the pipeline's pads are put back, so the prompt sounds like its clips.
    pad = _silence(PAD_MS)
    whole = pad + out + pad
    audio = TelephonyAudio(
        data=ulaw_wav(whole),
        duration=round(len(whole) / 1000, 3),
        level_dbov=TARGET_DBOV,
        gain_db=0.0,
    )
    return Spliced(audio, tuple(dict.fromkeys(used)), round(computer_ms / 1000, 3))


def _silence(ms: int) -> AudioSegment:
    return AudioSegment.silent(duration=ms, frame_rate=SAMPLE_RATE).set_sample_width(2)


def _human_number(
    part: NumberPart,
    digits: Mapping[str, tuple[str, bytes] | None],
    plus_take: tuple[str, bytes],
) -> list[tuple[str, AudioSegment]]:
    """(take id, audio) pieces of one number: plus, then each group with its pauses."""
    pieces: list[tuple[str, AudioSegment]] = [
        (plus_take[0], speech_of(plus_take[1])),
        ("", _silence(AFTER_PLUS_MS[part.slow])),
    ]
    groups = digit_groups(part.e164)
    for g, group in enumerate(groups):
        for i, digit in enumerate(group):
            take = digits[digit]
            assert take is not None
            pieces.append((take[0], speech_of(take[1])))
            if i < len(group) - 1:
                pieces.append(("", _silence(DIGIT_GAP_MS[part.slow])))
        if g < len(groups) - 1:
            pieces.append(("", _silence(GROUP_GAP_MS[part.slow])))
    return pieces
