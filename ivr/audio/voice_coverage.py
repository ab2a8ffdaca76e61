"""How much of what callers hear is a human voice: per language, the share of call seconds.

A prompt counts by how often callers hear it and how long it lasts. How often comes from the
privacy-safe counts (ivr/counts.py: menus offered, options chosen, transfers, per language)
where a language has any; before there are counts, from the paths of a walk through the flow
(:func:`walk_weights`): every caller hears the language menu and the main menu, then picks
each main option alike, then each option of the menu they reach, and so on
for a few menus. How long is the duration of the audio callers are played, or, where they
hear a voice reading (no current audio), an estimate from the words.

A prompt's human part is the whole of a staff recording, less the seconds a spliced prompt
still says in the computer voice (its numbers, before the language has digit clips). Nothing
else is human: computer voices of every kind count as machine.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..content.load import COUNTRY_VARIANTS
from ..content.model import ContentPack, NodeKind
from ..flow import LANGUAGE_MENU, CallState, Input, Step, enter, next_step
from .manifest import Entry, Manifest

#: Menus deep a walking caller goes after the main menu.
WALK_DEPTH = 3
#: Weight of a prompt no walk reaches (a wrong key, an error): rare, but heard sometimes.
FLOOR = 0.01
#: Words a voice reads per second, for prompts callers hear without audio (ivr/sim/events.py).
WORDS_PER_SECOND = 2.5

_WALKS: dict[str, dict[str, float]] = {}


def walk_weights(pack: ContentPack) -> dict[str, float]:
    """Prompt id -> expected plays per call, from the walk (the same in every language)."""
    found = _WALKS.get(pack.version)
    if found is not None:
        return found
    weights: dict[str, float] = defaultdict(float)
    flow = pack.flow
    weights[flow.language_prompt] += 1.0
    language = pack.default_language
    first = next_step(pack, CallState(), Input(digits=language.key))
    _walk(pack, first, 1.0, 0, weights)
    result = _spread_variants(pack, weights)
    if len(_WALKS) > 8:
        _WALKS.clear()
    _WALKS[pack.version] = result
    return result


def _walk(
    pack: ContentPack, step: Step, weight: float, depth: int, weights: dict[str, float]
) -> None:
    for prompt in step.prompts:
        weights[prompt.id] += weight
    flow = pack.flow
    if step.redirect is not None:
        _walk(pack, next_step(pack, step.redirect, Input()), weight, depth, weights)
    elif step.dial_action is not None and depth <= WALK_DEPTH:
        # A transfer: half get through, half hear it was busy and the number to call.
        for status in ("completed", "busy"):
            after = next_step(pack, step.dial_action, Input(dial_status=status))
            _walk(pack, after, weight / 2, depth + 1, weights)
    elif step.gather is not None and depth < WALK_DEPTH:
        node = flow.nodes.get(step.gather.node)
        if node is None or node.kind is not NodeKind.MENU:
            return
        keys = [option.key for option in node.options]
        if "help" in node.announce and depth == 0:
            keys.append(flow.keys["help"])  # from the main menu, some callers ask for help
        for key in keys:
            after = next_step(pack, step.gather, Input(digits=key))
            _walk(pack, after, weight / len(keys), depth + 1, weights)


def _spread_variants(pack: ContentPack, weights: Mapping[str, float]) -> dict[str, float]:
    """A prompt with variants by caller country is heard in one of them: shared alike."""
    ids = pack.prompt_ids()
    out: dict[str, float] = {}
    for pid in ids:
        base = pid
        for suffix in COUNTRY_VARIANTS.values():
            base = base.removesuffix(suffix)
        variants = [base] + [base + s for s in COUNTRY_VARIANTS.values() if base + s in ids]
        out[pid] = weights.get(base, 0.0) / len(variants) if base in weights else 0.0
    return {pid: max(weight, FLOOR) for pid, weight in out.items()}


def counts_weights(
    pack: ContentPack, lang: str, rows: Iterable[tuple[Any, str, str, str, str, int]]
) -> dict[str, float] | None:
    """Prompt id -> plays, from the counts rows (day, lang, node, event, detail, count);
    None when the language has no counts yet."""
    flow = pack.flow
    events: dict[tuple[str, str], int] = defaultdict(int)
    details: dict[tuple[str, str, str], int] = defaultdict(int)
    offered_languages = 0
    for _day, row_lang, node, event, detail, n in rows:
        if node == LANGUAGE_MENU and event == "menu_offered":
            offered_languages += n
        if row_lang != lang:
            continue
        events[(node, event)] += n
        details[(node, event, detail)] += n
    chosen = sum(n for (node, event), n in events.items() if event == "language_chosen")
    if not chosen:
        return None
    plays: dict[str, float] = defaultdict(float)
    plays[flow.language_prompt] += offered_languages or chosen
    # Message nodes: entered when chosen, replayed, or (the first) after the language menu;
    # a message's visits carry on to the message after it.
    entered: dict[str, float] = defaultdict(float)
    for (node, event), n in events.items():
        if event in ("chosen", "repeated"):
            entered[node] += n
    entered[flow.after_language] += chosen
    for node_id in list(entered):
        seen = set()
        node = flow.nodes.get(node_id)
        visits = entered[node_id]
        while node is not None and node.kind is NodeKind.MESSAGE and node.id not in seen:
            seen.add(node.id)
            _node_plays(pack, lang, node.id, visits, plays)
            node = flow.nodes.get(node.next or "")
    for node in flow.nodes.values():
        if node.kind is NodeKind.MENU:
            offered = events.get((node.id, "menu_offered"), 0)
            _node_plays(pack, lang, node.id, offered, plays)
        elif node.kind is NodeKind.TRANSFER:
            _node_plays(pack, lang, node.id, events.get((node.id, "transfer_started"), 0), plays)
            done = events.get((node.id, "transfer_completed"), 0)
            failed = sum(
                n
                for (where, event), n in events.items()
                if where == node.id
                and event.startswith("transfer_")
                and event not in ("transfer_started", "transfer_completed")
            )
            plays[flow.prompts.get("transfer_completed", "")] += done
            plays[flow.prompts.get("transfer_busy", "")] += failed
            if node.number:
                plays[f"number.{node.number}"] += done + failed
    shared = {
        "no_input": sum(
            n for (_, e, d), n in details.items() if e == "menu_reply" and d == "silence"
        ),
        "wrong_key": sum(
            n for (_, e, d), n in details.items() if e == "menu_reply" and d == "invalid"
        ),
        "goodbye": sum(n for (_, e), n in events.items() if e == "ended_by_key"),
        "text_sent": sum(n for (_, e), n in events.items() if e == "sms_sent"),
        "text_failed": sum(n for (_, e), n in events.items() if e == "sms_failed"),
        "text_over_quota": sum(n for (_, e), n in events.items() if e == "sms_over_quota"),
    }
    for name, n in shared.items():
        if name in flow.prompts:
            plays[flow.prompts[name]] += n
    return _spread_variants(pack, plays)


def _node_plays(
    pack: ContentPack, lang: str, node_id: str, visits: float, plays: dict[str, float]
) -> None:
    if not visits:
        return
    step = (
        enter(pack, lang, node_id)
        if pack.flow.nodes[node_id].kind is not NodeKind.MESSAGE
        else None
    )
    node = pack.flow.nodes[node_id]
    if step is None:  # a message alone (its chain is walked by the caller)
        ids = list(node.prompts)
        if node.checked:
            ids.insert(1, f"checked.{node.id}")
    else:
        ids = [p.id for p in step.prompts]
    for pid in ids:
        plays[pid] += visits


# -- the share of call time ----------------------------------------------------------------------


@dataclass(frozen=True)
class VoiceCoverage:
    """One language: how much of the call time is a human voice."""

    lang: str
    share: float  # 0..1 of weighted call seconds
    human_seconds: float  # weighted (per call)
    call_seconds: float  # weighted (per call)
    prompts: int
    human_prompts: int  # prompts callers hear in a human voice (wholly or with computer numbers)
    computer_numbers: int  # human prompts whose numbers are still the computer voice
    weighted_by: str  # "counts" | "walk"
    draft_voice: bool  # the language's computer voice is only a draft (no real voice exists)
    by_prompt: dict[str, tuple[float, float, float]] = field(default_factory=dict, repr=False)
    # prompt id -> (weight, seconds, human share)

    @property
    def percent(self) -> float:
        return round(100 * self.share, 1)


def human_share(entry: Entry | None) -> float:
    """How much of an entry's audio is a person's voice (0 for computer audio)."""
    if entry is None or not entry.staff_recorded:
        return 0.0
    try:
        computer = float(entry.source.get("computer_seconds", 0) or 0)
    except (TypeError, ValueError):
        computer = 0.0
    if entry.duration <= 0:
        return 1.0
    return max(0.0, min(1.0, 1.0 - computer / entry.duration))


def estimate_seconds(text: str) -> float:
    return round(len(text.split()) / WORDS_PER_SECOND, 2)


def voice_coverage(
    pack: ContentPack,
    lang: str,
    manifest: Manifest | None,
    weights: Mapping[str, float],
    weighted_by: str,
    present: Callable[[Entry], bool] = lambda entry: True,
    human: Callable[[str, Entry | None], float | None] | None = None,
) -> VoiceCoverage:
    """The coverage of ``lang``. ``present`` says whether an entry's file exists; ``human``
    may override a prompt's human share (the recording session's "once published" figure)."""
    language = pack.language(lang)
    if language is None:
        raise KeyError(f"unknown language {lang!r}")
    total = spoken_human = 0.0
    humans = computer_numbers = 0
    detail: dict[str, tuple[float, float, float]] = {}
    for pid, text in pack.spoken(lang).items():
        weight = weights.get(pid, FLOOR)
        entry = manifest.get(lang, pid) if manifest is not None else None
        current = entry is not None and entry.speaks(text) and present(entry)
        seconds = entry.duration if current and entry is not None else estimate_seconds(text)
        share = human_share(entry) if current else 0.0
        if human is not None:
            override = human(pid, entry if current else None)
            if override is not None:
                share = override
        if share > 0:
            humans += 1
            computer_numbers += share < 0.999
        total += weight * seconds
        spoken_human += weight * seconds * share
        detail[pid] = (weight, seconds, share)
    return VoiceCoverage(
        lang=lang,
        share=spoken_human / total if total else 0.0,
        human_seconds=round(spoken_human, 2),
        call_seconds=round(total, 2),
        prompts=len(detail),
        human_prompts=humans,
        computer_numbers=computer_numbers,
        weighted_by=weighted_by,
        draft_voice=not language.has_say_voice,
        by_prompt=detail,
    )


def weights_for(
    pack: ContentPack, lang: str, rows: Iterable[tuple[Any, str, str, str, str, int]] | None
) -> tuple[dict[str, float], str]:
    """The counts' weights where the language has counts, else the walk's; and which."""
    if rows is not None:
        counted = counts_weights(pack, lang, rows)
        if counted is not None:
            return counted, "counts"
    return walk_weights(pack), "walk"
