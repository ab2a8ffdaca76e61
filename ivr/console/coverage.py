"""Which prompt has which audio, in every language: the data behind the coverage grid."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext

from ..audio.catalogue import AudioCatalogue
from ..content.model import ContentPack

# Status names staff filter by, in the order the counts show them.
STATUSES = {
    "staff": lazy_gettext("recorded by staff"),
    "tts": lazy_gettext("computer voice"),
    "stale": lazy_gettext("out of date"),
    "missing": lazy_gettext("no audio"),
}


@dataclass(frozen=True)
class Cell:
    lang: str
    prompt_id: str
    text: str
    status: str  # a key of STATUSES
    url: str | None  # the /audio URL callers hear; None when they hear <Say>
    voice: str  # "tts:espeak:es-419@160wpm", "staff:maria", "" when missing (for developers)

    @property
    def current(self) -> bool:
        return self.status in ("staff", "tts")


def _voice(source: dict) -> str:
    """The publisher's way of naming a source; ``names.audio_source`` says it in words."""
    if source.get("kind") == "staff":
        who = source.get("by") or source.get("author") or source.get("staff") or ""
        return f"staff:{who}"
    return f"tts:{source.get('engine', '?')}:{source.get('voice', '?')}"


def cell(pack: ContentPack, catalogue: AudioCatalogue, lang: str, prompt_id: str) -> Cell:
    text = pack.text(lang, prompt_id)
    spoken = pack.spoken_text(lang, prompt_id)  # audio speaks the pronunciations
    entry, state = catalogue.state(lang, prompt_id, spoken)
    if state == "missing":
        return Cell(lang, prompt_id, text, "missing", None, "")
    voice = _voice(dict(entry.source))
    if state == "stale":
        return Cell(lang, prompt_id, text, "stale", None, voice)
    status = "staff" if entry.staff_recorded else "tts"
    return Cell(lang, prompt_id, text, status, catalogue.url_for(lang, prompt_id, spoken), voice)


def prompt_order(pack: ContentPack) -> list[str]:
    """Prompt ids in the order a caller meets them, then shared ones, then spoken numbers."""
    flow = pack.flow
    seen: dict[str, None] = {flow.language_prompt: None}
    for node in flow.nodes.values():
        for pid in (*node.prompts, *(o.prompt for o in node.options)):
            seen.setdefault(pid)
    for pid in (*flow.prompts.values(), *(f"keys.{name}" for name in flow.keys)):
        seen.setdefault(pid)
    ids = pack.prompt_ids()
    rest = sorted(ids - seen.keys(), key=lambda p: (p.startswith("number."), p))
    return [p for p in seen if p in ids] + rest


def node_prompts(pack: ContentPack, node_id: str) -> list[str]:
    """The prompts a node speaks (its words, its options, the keys it announces)."""
    flow = pack.flow
    if node_id not in flow.nodes:
        return [flow.language_prompt]
    node = flow.nodes[node_id]
    ids = [*node.prompts, *(o.prompt for o in node.options)]
    ids += [f"keys.{name}" for name in node.announce]
    if node.number:
        ids.append(f"number.{node.number}")
    known = pack.prompt_ids()
    return [p for p in dict.fromkeys(ids) if p in known]


def grid(pack: ContentPack, catalogue: AudioCatalogue, prompt_ids: list[str]) -> list[list[Cell]]:
    langs = [language.code for language in pack.languages]
    return [[cell(pack, catalogue, lang, pid) for lang in langs] for pid in prompt_ids]


def counts(rows: list[list[Cell]]) -> dict[str, dict[str, int]]:
    """lang -> status -> how many prompts (over all rows given)."""
    out: dict[str, dict[str, int]] = {}
    for row in rows:
        for c in row:
            out.setdefault(c.lang, dict.fromkeys(STATUSES, 0))[c.status] += 1
    return out
