"""The content pack as immutable values: what the line says, to whom it transfers, in which order.

Nothing here reads files or knows about Flask or Twilio; `load.py` builds these objects and
`validate.py` checks them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from .frozen import frozen_map  # noqa: F401  (re-exported: callers import it from here)

if TYPE_CHECKING:
    from .clock import Clock
    from .hours import Hours
    from .speech import Spelling

# The keys a telephone keypad sends.
DTMF = frozenset("0123456789*#")


class NodeKind(StrEnum):
    MENU = "menu"  # prompts, then wait for a key
    MESSAGE = "message"  # prompts, then go on to `next` without waiting
    TRANSFER = "transfer"  # announce, then <Dial> a voice number
    END = "end"  # prompts, then hang up


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    key: str
    say_voice: str  # "" where Twilio has no <Say> voice for this language
    say_language: str
    tts: Mapping[str, Mapping[str, str]]
    tts_fallback: str
    words: Mapping[str, str]  # how to say "+", "*", "#", "or", "from Mexico" in this language
    # Ordered written -> spoken pairs applied to every text before audio or <Say> speaks it.
    pronounce: tuple[tuple[str, str], ...] = ()
    # The offline voice misreads numbers of two or more digits: they must be written out.
    write_out_numbers: bool = False
    # languages.yaml `misread`: written forms the voice must never be given (validation
    # refuses them in spoken words), and espeak-ng phoneme strings that betray a misreading
    # (tests read every prompt's phonemes: ivr/audio/phonemes.py).
    misread_words: tuple[str, ...] = ()
    misread_phonemes: tuple[str, ...] = ()
    # languages.yaml `spell`: how a web address is spelled out loud (its `addresses` are
    # turned into pronunciations: said as words, then letter by letter).
    spelling: Spelling = field(default=None, compare=False)  # type: ignore[assignment]
    months: tuple[str, ...] = ()  # January .. December in this language
    date_pattern: str = "{day} {month} {year}"
    # How this language says when a closed office opens (languages.yaml `clock`, clock.py).
    clock: Clock = field(default=None, compare=False)  # type: ignore[assignment]
    # Wording a reviewer looks at (ivr/content/wording.py): words callers should not hear, verbs
    # that state a policy in the present tense, and the [prompt id, word] pairs a reviewer read
    # and kept.
    avoid: tuple[str, ...] = ()
    present_tense: tuple[str, ...] = ()
    cleared: tuple[tuple[str, str], ...] = ()
    # Words that put the verb after them in the past (Kreyòl "te", "t"): no present tense there.
    past_markers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.clock is None:
            from .clock import Clock

            object.__setattr__(self, "clock", Clock())
        if self.spelling is None:
            from .speech import Spelling

            object.__setattr__(self, "spelling", Spelling())

    @property
    def has_say_voice(self) -> bool:
        return bool(self.say_voice and self.say_language)

    @property
    def preview_voice(self) -> str:
        """The model of this language's cloud voice when every cloud voice it has is one Google
        offers only in preview (``tts.<engine>.preview: true``, or a model named "...preview..."),
        else "". The console says so: such a voice may change or be withdrawn."""
        cloud = [v for engine, v in self.tts.items() if engine != "espeak"]
        preview = [
            v for v in cloud if v.get("preview") is True or "preview" in str(v.get("model_name"))
        ]
        if not cloud or len(preview) != len(cloud):
            return ""
        return str(preview[0].get("model_name") or preview[0].get("name") or "preview")


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str
    updated: str  # ISO date the flyer says it was last updated


@dataclass(frozen=True)
class PhoneNumber:
    id: str
    e164: str
    channels: frozenset[str]  # "voice", "whatsapp"
    dial_from: str  # "anywhere", "mexico" or "us", as the flyer says
    org: str
    label: str
    source: str
    decision: str = ""  # why an ambiguous flyer entry was read this way
    hours: Hours | None = None  # opening hours in its own time zone (hours.py); None: unknown
    # Why this number is our reading, not the flyer's (e.g. a country code the flyer leaves out
    # that staff have not confirmed by calling): staff see it marked "not verified".
    unverified: str = ""

    @property
    def voice(self) -> bool:
        return "voice" in self.channels

    @property
    def whatsapp(self) -> bool:
        return "whatsapp" in self.channels


@dataclass(frozen=True)
class Organization:
    id: str
    name: str
    region: str
    helps: str
    sources: tuple[str, ...]
    numbers: tuple[str, ...]
    links: tuple[str, ...] = ()
    decision: str = ""


@dataclass(frozen=True)
class Option:
    key: str
    prompt: str  # prompt id that announces this option (it must name the key)
    goto: str


@dataclass(frozen=True)
class Node:
    id: str
    kind: NodeKind
    prompts: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()
    announce: tuple[str, ...] = ()  # global key names announced after the options
    next: str | None = None  # MESSAGE: where the call goes on
    repeat: str | None = None  # MENU: the node the repeat key replays (default: itself)
    number: str | None = None  # TRANSFER: the directory number dialled
    situation: str | None = None  # marks the first node of a caller situation's guidance
    # Marks the first node of a reference page (organizations by city, news): measured by the
    # walk like a situation, but reached through help rather than from the main menu.
    reference: str | None = None
    checked: str | None = None  # ISO date the facts of this section were last checked
    # The section's own contact numbers (directory ids): the walk times the first of them.
    contacts: tuple[str, ...] = ()

    def option(self, key: str) -> Option | None:
        return next((o for o in self.options if o.key == key), None)


@dataclass(frozen=True)
class Flow:
    keys: Mapping[str, str]  # global function -> key: repeat, main_menu, help, end_call
    retries: int  # re-prompts after silence or a wrong key before the caller is helped
    timeout: int  # seconds of silence after a prompt that count as no input
    language_prompt: str  # each language's prompt id announcing itself in the language menu
    after_language: str
    main: str
    help: str
    exhausted: str  # where a caller goes who could not choose after all re-prompts
    prompts: Mapping[str, str]  # shared prompt ids: wrong_key, no_input, transfer outcomes ...
    nodes: Mapping[str, Node]

    def key_function(self, key: str) -> str | None:
        return next((name for name, k in self.keys.items() if k == key), None)


@dataclass(frozen=True)
class ContentPack:
    version: str
    languages: tuple[Language, ...]
    sources: Mapping[str, Source]
    organizations: Mapping[str, Organization]
    numbers: Mapping[str, PhoneNumber]
    flow: Flow
    _texts: Mapping[str, Mapping[str, str]] = field(repr=False)
    # The authored text, before placeholders are expanded: what staff edit.
    _raw_texts: Mapping[str, Mapping[str, str]] = field(repr=False)
    # The same prompts as _texts with the language's pronunciation list applied.
    _spoken: Mapping[str, Mapping[str, str]] = field(default_factory=dict, repr=False)
    # Spoken words before numbers are expanded: what validation checks for misread words.
    _spoken_raw: Mapping[str, Mapping[str, str]] = field(default_factory=dict, repr=False)

    def language(self, code: str) -> Language | None:
        return next((lang for lang in self.languages if lang.code == code), None)

    @property
    def default_language(self) -> Language:
        return self.languages[0]

    def texts(self, lang: str) -> Mapping[str, str]:
        """Every prompt id -> the WRITTEN words in `lang` (placeholders expanded): what the
        console, captions and text messages show."""
        return self._texts[lang]

    def spoken(self, lang: str) -> Mapping[str, str]:
        """Every prompt id -> the SPOKEN words in `lang`: the written ones with the language's
        pronunciation list applied. Audio is made from these, the audio manifest records
        them, and <Say> reads them."""
        return self._spoken.get(lang) or self._texts[lang]

    def spoken_unexpanded(self, lang: str) -> Mapping[str, str]:
        return self._spoken_raw.get(lang, {})

    def section_checked(self, node_or_section: str) -> str | None:
        """The ISO date a section's facts were last checked, by node id or situation name."""
        node = self.flow.nodes.get(node_or_section)
        if node is None:
            node = self.flow.nodes.get(self.situations().get(node_or_section, ""))
        return node.checked if node is not None else None

    def raw_texts(self, lang: str) -> Mapping[str, str]:
        return self._raw_texts[lang]

    def text(self, lang: str, prompt_id: str) -> str:
        return self._texts[lang][prompt_id]

    def spoken_text(self, lang: str, prompt_id: str) -> str:
        return self.spoken(lang)[prompt_id]

    def prompt_ids(self) -> frozenset[str]:
        return frozenset(self._texts[self.default_language.code])

    def situations(self) -> dict[str, str]:
        """situation name -> the node where its guidance starts."""
        return {n.situation: n.id for n in self.flow.nodes.values() if n.situation}

    def references(self) -> dict[str, str]:
        """reference page name -> the node where it starts."""
        return {n.reference: n.id for n in self.flow.nodes.values() if n.reference}
