"""The recording session's order: which clips a language's speaker records, and in what order.

A language's session is the list of clips (ivr/audio/splice.py) its prompts are made of, in
the order and weight callers hear them: the language menu and what follows it
(``flow.after_language``: the main menu), then each situation up to its contact number, then
every other prompt by how often callers hear it (the safety notice, said in every situation,
first among them) (ivr/audio/voice_coverage.py). The clips every number is made of (digits,
"plus", the words around numbers) come just before the first prompt that says a number.
A clip said in several prompts is recorded once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..audio import splice
from ..audio.voice_coverage import VoiceCoverage, walk_weights
from ..content.model import ContentPack, NodeKind
from ..content.speech import term_pattern
from ..flow import enter

NUMBERS_CODE = 0  # the code of the clips numbers are made of (9 then 0 on the phone)


@dataclass(frozen=True)
class Item:
    """One clip to record, where the session shows it."""

    clip: splice.Clip
    prompt_id: str  # the prompt it is first heard in
    code: int  # that prompt's code (NUMBERS_CODE for the number clips)
    position: int  # 1-based place in the session
    parts: tuple[splice.Part, ...]  # the prompt's score: where this clip and numbers go
    numbers: bool  # a clip numbers are made of
    notes: tuple[tuple[str, str], ...]  # pronunciation notes: (written, said as)


@dataclass
class Session:
    lang: str
    items: list[Item]
    prompts: list[str]  # prompt ids in session order
    codes: dict[int, str]  # code -> prompt id
    by_clip: dict[str, Item] = field(default_factory=dict)
    clips_of_prompt: dict[str, list[str]] = field(default_factory=dict)

    def item(self, clip_key: str) -> Item | None:
        return self.by_clip.get(clip_key)


@dataclass(frozen=True)
class Progress:
    """Where one language's session stands, for the console and the phone line."""

    lang: str
    prompts: int
    prompts_done: int  # every word of the prompt has a kept take
    clips: int
    clips_done: int
    drafts: int  # kept takes waiting to be published (all speakers)
    my_drafts: int  # ... of this speaker
    coverage: VoiceCoverage  # what callers hear now
    after_publishing: VoiceCoverage  # once the drafts are published
    digits_done: bool

    @property
    def percent_done(self) -> int:
        return round(100 * self.prompts_done / self.prompts) if self.prompts else 100


def prompt_codes(pack: ContentPack) -> dict[str, int]:
    """Prompt id -> its code (1, 2, ...: its place in the walk's session order), the same
    in every language; shown on the console and by `flask content codes`."""
    order = session_order(pack, pack.default_language.code, walk_weights(pack))
    return {pid: i for i, pid in enumerate(order, start=1)}


def session_order(pack: ContentPack, lang: str, weights: dict[str, float]) -> list[str]:
    """Prompt ids in the order a session records them (see the module docstring)."""
    flow = pack.flow
    ids = pack.prompt_ids()
    order: dict[str, None] = {flow.language_prompt: None}
    for prompt in enter(pack, lang, flow.after_language).prompts:
        order.setdefault(prompt.id)
    main = flow.nodes[flow.main]
    for option in main.options:
        if option.goto not in flow.nodes or flow.nodes[option.goto].kind is NodeKind.TRANSFER:
            continue
        for prompt in enter(pack, lang, option.goto).prompts:
            order.setdefault(prompt.id)
            if splice.has_number(splice.score(pack, lang, prompt.id)):
                break  # up to its number; the rest of the situation comes by weight
    rank = {pid: i for i, pid in enumerate(sorted(ids))}
    rest = sorted(ids - order.keys(), key=lambda pid: (-weights.get(pid, 0.0), rank[pid]))
    return [pid for pid in order if pid in ids] + rest


def build_session(pack: ContentPack, lang: str, weights: dict[str, float]) -> Session:
    language = pack.language(lang)
    if language is None:
        raise KeyError(f"unknown language {lang!r}")
    codes = prompt_codes(pack)
    prompts = session_order(pack, lang, weights)
    items: list[Item] = []
    seen: set[str] = set()
    numbers_done = False
    clips_of_prompt: dict[str, list[str]] = {}
    for pid in prompts:
        parts = splice.score(pack, lang, pid)
        clips_of_prompt[pid] = [c.key for c in splice.clips_of(parts)]
        if splice.has_number(parts) and not numbers_done:
            numbers_done = True
            for clip in splice.number_clips(pack, lang):
                if clip.key not in seen:
                    seen.add(clip.key)
                    items.append(Item(clip, pid, NUMBERS_CODE, len(items) + 1, parts, True, ()))
        for clip in splice.clips_of(parts):
            if clip.key in seen:
                continue
            seen.add(clip.key)
            notes = tuple(
                (written, said)
                for written, said in language.pronounce
                if term_pattern(written).search(clip.written)
            )
            items.append(Item(clip, pid, codes[pid], len(items) + 1, parts, False, notes))
    session = Session(
        lang,
        items,
        prompts,
        {code: pid for pid, code in codes.items()},
        clips_of_prompt=clips_of_prompt,
    )
    session.by_clip = {item.clip.key: item for item in items}
    return session
