"""Time to guidance: seconds of audio a first-time caller hears before their situation's guidance.

A first-time caller does not know the menus: at each one they listen until their option is
announced, then press its key at once (barge-in cuts the rest). The clock runs from answer to
the first word of the situation's guidance, and on to the first of the situation's own
contact numbers (flow.yaml `contacts`). <Play> lasts as long as its audio; <Say> is
estimated at `events.SAY_WORDS_PER_SECOND`. Within one prompt, the number starts where it
starts in the spoken words, by their characters: the share of the prompt's characters said
before it. Digits said one by one with pauses take longer per character than words, so this
places a number a little later than the audio does (measured on the committed espeak-ng audio:
"None of these. Write to ... at <number>" starts its number at 41% of the audio, 61% of the
characters): the time a caller waits is never understated.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..content import ContentPack, NodeKind, Option
from ..content.speech import speak_number
from . import events as ev
from .captions import prompt_of
from .emulator import Call
from .media import MediaLibrary
from .transport import Transport
from .waits import HANG_UP, DialResult, DialWait, GatherWait, HangUp, Press

Caption = Callable[[ev.Prompt], str]


@dataclass(frozen=True)
class Guidance:
    situation: str  # or the name of a reference page (see `reference`)
    lang: str
    keys: str
    seconds: float | None  # None: the guidance was never heard
    problem: str = ""
    # What the caller heard before the guidance, and for how long: where the seconds go.
    heard: tuple[tuple[str, float], ...] = ()
    # A reference page (organizations by city, news) rather than a caller's situation: measured
    # and reported, but the 30 s aim is for situations.
    reference: bool = False
    # Seconds from answer to the first of the situation's own contact numbers, and which.
    contact_seconds: float | None = None
    contact: str = ""


def _norm(text: str) -> str:
    return " ".join(text.split())


def plan(pack: ContentPack, lang: str, target: str) -> list[tuple[str, str]] | None:
    """(key, the words announcing it) for each menu on the shortest way to node `target`."""
    flow = pack.flow
    language = pack.language(lang)
    start = [(language.key, pack.text(lang, flow.language_prompt))]
    queue = deque([(flow.after_language, start)])
    seen = {flow.after_language}
    while queue:
        node_id, steps = queue.popleft()
        if node_id == target:
            return steps
        node = flow.nodes[node_id]
        nexts = [(node.next, steps)] if node.kind is NodeKind.MESSAGE and node.next else []
        for option in node.options:
            nexts.append((option.goto, [*steps, (option.key, pack.text(lang, option.prompt))]))
        if "help" in node.announce:
            # Reference pages hang off help, which menus announce as a global key, not an option.
            words = pack.text(lang, "keys.help")
            nexts.append((flow.help, [*steps, (flow.keys["help"], words)]))
        for following, route in nexts:
            if following not in seen:
                seen.add(following)
                queue.append((following, route))
    return None


def first_prompt(pack: ContentPack, node_id: str) -> str:
    """The prompt id of the first words a caller hears on arriving at a node."""
    node = pack.flow.nodes[node_id]
    if node.prompts:
        return node.prompts[0]
    return node.options[0].prompt  # a menu without an introduction starts with its options


def transfer_after(pack: ContentPack, node_id: str) -> Option | None:
    """The first transfer offered by the menu that follows a guidance node."""
    node = pack.flow.nodes[node_id]
    menu = pack.flow.nodes[node.next] if node.kind is NodeKind.MESSAGE and node.next else node
    return next(
        (o for o in menu.options if pack.flow.nodes[o.goto].kind is NodeKind.TRANSFER), None
    )


def contact_forms(pack: ContentPack, lang: str, node_id: str) -> dict[str, str]:
    """The words that say each of a section's own numbers -> the number id."""
    plus = pack.language(lang).words.get("plus", "+")
    forms = {}
    for nid in pack.flow.nodes[node_id].contacts:
        e164 = pack.numbers[nid].e164
        forms[_norm(speak_number(e164, plus))] = nid
        forms[_norm(speak_number(e164, plus, slow=True))] = nid
    return forms


def _spoken_words(pack: ContentPack, prompt: ev.Prompt, written: str) -> str:
    """The words a <Play> of a prompt of the pack speaks (pronunciations applied), when its
    caption is that prompt's written text; else the caption (a <Say> speaks its caption)."""
    named = prompt_of(prompt.url) if isinstance(prompt, ev.Play) and prompt.url else None
    if named is not None and pack.language(named[0]) is not None:
        lang, prompt_id = named
        if _norm(pack.texts(lang).get(prompt_id, "")) == written:
            return _norm(pack.spoken(lang)[prompt_id])
    return written


def first_contact(
    pack: ContentPack, lang: str, node_id: str, prompts, caption: Caption
) -> tuple[str, float | None]:
    """(number id, seconds from answer) where the first own contact number starts."""
    forms = contact_forms(pack, lang, node_id)
    for prompt in prompts:
        words = _spoken_words(pack, prompt, _norm(caption(prompt)))
        found = [(words.find(form), nid) for form, nid in forms.items() if form in words]
        if found:
            at, nid = min(found)
            share = at / max(1, len(words))
            return nid, round(prompt.at + prompt.seconds * share, 1)
    return "", None


class FirstTimeCaller:
    """Listens at each menu until the planned option is announced, then presses its key."""

    def __init__(self, steps: list[tuple[str, str]], caption: Caption, patience: int = 2) -> None:
        self.steps = list(steps)
        self.caption = caption
        self.patience = patience  # silences allowed where the option is not announced
        self.problem = ""

    def press(self, gather: GatherWait, transcript: ev.Transcript) -> Press | None | HangUp:
        if not self.steps:
            return HANG_UP  # arrived: the guidance is in this gather's prompts
        key, announced = self.steps[0]
        elapsed = 0.0
        for prompt in gather.prompts:
            elapsed += prompt.seconds
            if _norm(self.caption(prompt)) == _norm(announced):
                self.steps.pop(0)
                return Press(key, barge_in_at=elapsed)
        if self.patience == 0:
            self.problem = f"the option for key {key} is never announced: {announced!r}"
            return HANG_UP
        self.patience -= 1
        return None

    def dial(self, dial: DialWait, transcript: ev.Transcript) -> DialResult | HangUp:
        return HANG_UP


def time_to_guidance(
    pack: ContentPack,
    transport: Transport,
    url: str,
    *,
    caption: Caption,
    auth_token: str = "",
    media: MediaLibrary | None = None,
) -> list[Guidance]:
    """One row per situation and language, in the pack's order, then the reference pages."""
    rows = []
    targets = [(name, node, False) for name, node in pack.situations().items()]
    targets += [(name, node, True) for name, node in pack.references().items()]
    for name, node_id, reference in targets:
        for language in pack.languages:
            row = _measure(
                pack, language.code, name, node_id, transport, url, caption, auth_token, media
            )
            rows.append(replace(row, reference=reference))
    return rows


def _measure(
    pack: ContentPack,
    lang: str,
    situation: str,
    node_id: str,
    transport: Transport,
    url: str,
    caption: Caption,
    auth_token: str,
    media: MediaLibrary | None,
) -> Guidance:
    steps = plan(pack, lang, node_id)
    if steps is None:
        return Guidance(situation, lang, "", None, "no path from the language menu")
    keys = " ".join(key for key, _ in steps)
    first_words = _norm(pack.text(lang, first_prompt(pack, node_id)))
    caller = FirstTimeCaller(steps, caption)
    transcript = Call(transport, url, auth_token=auth_token, media=media).run(caller)
    before: list[tuple[str, float]] = []
    prompts = transcript.prompts
    for i, prompt in enumerate(prompts):
        if _norm(caption(prompt)) == first_words:
            contact, seconds = first_contact(pack, lang, node_id, prompts[i:], caption)
            return Guidance(
                situation,
                lang,
                keys,
                round(prompt.at, 1),
                heard=tuple(before),
                contact_seconds=seconds,
                contact=contact,
            )
        if prompt.heard:
            before.append((caption(prompt), prompt.heard))
    problem = caller.problem or "the guidance was never heard"
    if transcript.errors:
        problem = transcript.errors[0].message
    return Guidance(situation, lang, keys, None, problem)
