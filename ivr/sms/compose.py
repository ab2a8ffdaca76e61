"""The text message a caller can ask for: one page's contacts, in the caller's language.

Which contacts a page (a situation's guidance, or an organizations-by-city page) gives is read
from the pack itself, never listed twice: the numbers its prompts speak (``{number:id}`` and
``{slow:id}`` placeholders, and every number of ``{from:org}``, in the order they are spoken),
then the numbers its menu transfers to. A text is read alone, later, maybe by someone else, so
each line names the organization in the caller's language and says where to dial the number
from (the directory's ``dial_from``; a WhatsApp line as a ``https://wa.me/<digits>`` link), in
E.164; an organization's web address is added when the page spells it out to the caller; the
last line is the date the call said for these facts (the page's `checked` date) and that things
may have changed. The header names no topic ("Numbers you asked for"). The few fixed words are
in prompts/sms.yaml.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from ..content.load import dial_parts
from ..content.model import ContentPack, NodeKind
from ..content.speech import DIAL_PLACEHOLDER, PLACEHOLDER
from .gsm import MAX_SEGMENTS, fold_to_gsm7, is_gsm7, segments

WORDS_FILE = "sms.yaml"


class SmsWordsError(ValueError):
    """prompts/sms.yaml is missing, unreadable or lacks a field for a language."""


@dataclass(frozen=True)
class Words:
    header: str
    whatsapp: str
    info_of: str  # "... {date} ..., and that it may have changed"
    date: str  # "{day} ... {month} ... {year}"
    months: tuple[str, ...]
    fold_accents: bool = False
    # Where to dial from, by directory `dial_from` (anywhere, mexico, us), and "or".
    dial_from: Mapping[str, str] = field(default_factory=dict)
    or_word: str = "or"
    # A number's or an organization's name as callers of this language hear it, where the
    # directory's name (staff's, in English) is not that (number id first, then organization).
    names: Mapping[str, str] = field(default_factory=dict)

    def written_date(self, iso: str) -> str:
        day = date.fromisoformat(iso)
        return self.date.format(day=day.day, month=self.months[day.month - 1], year=day.year)


def load_words(content_dir: Path | str) -> dict[str, Words]:
    """Every language's fixed words from `content_dir`/sms.yaml."""
    path = Path(content_dir) / WORDS_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SmsWordsError(f"{WORDS_FILE}: {exc}") from exc
    words = {}
    for lang, item in data.items():
        try:
            months = tuple(str(m) for m in item["months"])
            if len(months) != 12:
                raise SmsWordsError(f"{WORDS_FILE}: {lang}.months must name 12 months")
            words[str(lang)] = Words(
                header=str(item["header"]),
                whatsapp=str(item["whatsapp"]),
                info_of=str(item["info_of"]),
                date=str(item["date"]),
                months=months,
                fold_accents=bool(item.get("fold_accents", False)),
                dial_from={str(k): str(v) for k, v in (item.get("dial_from") or {}).items()},
                or_word=str(item.get("or", "or")),
                names={str(k): str(v) for k, v in (item.get("names") or {}).items()},
            )
        except (KeyError, TypeError) as exc:
            raise SmsWordsError(f"{WORDS_FILE}: {lang} lacks {exc}") from exc
    return words


class WordsFile:
    """load_words(content_dir), read again only when the file changes (one stat a call)."""

    def __init__(self, content_dir: Path | str) -> None:
        self.path = Path(content_dir) / WORDS_FILE
        self._stamp: tuple[int, int] | None = None
        self._words: dict[str, Words] = {}

    def __call__(self) -> dict[str, Words]:
        try:
            stat = self.path.stat()
        except OSError as exc:
            raise SmsWordsError(f"{WORDS_FILE}: {exc}") from exc
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            self._words, self._stamp = load_words(self.path.parent), stamp
        return self._words


@dataclass(frozen=True)
class Page:
    """A page that can be sent: where it starts, its menu, the prompts it speaks, its numbers."""

    start: str
    menu: str
    prompts: tuple[str, ...]
    transfers: tuple[str, ...]  # number ids its menu (and connect submenus) dial
    checked: tuple[str, ...] = ()  # the dates its sections say (flow.yaml `checked`)


def textable_pages(pack: ContentPack) -> dict[str, Page]:
    """Every page whose menu repeats it (a guidance or a city page), by its first node."""
    nodes = pack.flow.nodes
    return {
        menu.repeat: page
        for menu in nodes.values()
        if menu.kind is NodeKind.MENU and menu.repeat in nodes
        for page in [_page(pack, menu.repeat)]
        if page is not None
    }


def page_for(pack: ContentPack, node_id: str) -> Page | None:
    """The page `node_id` starts, or whose menu it is (a caller pressing the key sits there)."""
    node = pack.flow.nodes.get(node_id)
    if node is None:
        return None
    if node.kind is NodeKind.MENU and node.repeat:
        return _page(pack, node.repeat)
    return _page(pack, node_id)


def _page(pack: ContentPack, start: str) -> Page | None:
    nodes = pack.flow.nodes
    prompts: list[str] = []
    checked: list[str] = []
    node, seen = nodes[start], set()
    while node.kind is NodeKind.MESSAGE and node.id not in seen and node.next in nodes:
        seen.add(node.id)
        prompts += node.prompts
        checked += [node.checked] if node.checked else []
        node = nodes[node.next]
    if node.kind is not NodeKind.MENU or node.repeat != start:
        return None
    menu = node
    transfers: list[str] = []
    for option in menu.options:
        target = nodes.get(option.goto)
        if target is None:
            continue
        if target.kind is NodeKind.MESSAGE and target.next == menu.id:
            prompts += target.prompts  # "the numbers, slowly"
        elif target.kind is NodeKind.TRANSFER and target.number:
            transfers.append(target.number)
        elif target.kind is NodeKind.MENU and not target.repeat:  # "call one of these"
            for sub in target.options:
                dial = nodes.get(sub.goto)
                if dial is not None and dial.kind is NodeKind.TRANSFER and dial.number:
                    transfers.append(dial.number)
    return Page(start, menu.id, tuple(prompts), tuple(transfers), tuple(checked))


def page_numbers(pack: ContentPack, page: Page, lang: str) -> list[str]:
    """Number ids in the order the page speaks them, then the ones it only transfers to."""
    raw = pack.raw_texts(lang)
    ids: list[str] = []
    for pid in page.prompts:
        text = raw.get(pid, "")
        said = [(m.start(), [m.group("id")]) for m in PLACEHOLDER.finditer(text)]
        said += [
            (m.start(), dial_parts(pack.organizations, pack.numbers, m.group("id"), None))
            for m in DIAL_PLACEHOLDER.finditer(text)
        ]
        for _, parts in sorted(said):
            ids += [part for part in parts if not part.startswith("label:")]
    ids += page.transfers
    return [nid for nid in dict.fromkeys(ids) if nid in pack.numbers]


def label(pack: ContentPack, words: Words, number_id: str) -> str:
    """The name a text gives a number: sms.yaml `names` (by number, then organization) in the
    caller's language, else the directory's organization name."""
    org = pack.numbers[number_id].org
    return words.names.get(number_id) or words.names.get(org) or pack.organizations[org].name


def wa_link(e164: str) -> str:
    return "https://wa.me/" + re.sub(r"\D", "", e164)


def _spelled(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _spoken_links(links: tuple[str, ...], spoken: str) -> list[str]:
    """The web addresses (as written in the directory) that the page spells out to callers:
    the name of its site and the last part of its path (or, without a path, every name of its
    host) appear in the spoken words. An organization's name said aloud is not enough."""
    found: dict[str, str] = {}
    for link in links:
        url = link.split()[0] if link.split() else ""
        match = re.match(r"https?://([^/\s]+)(/\S*)?$", url)
        if not match:
            continue  # "Community center ...": a street address, not a web link
        labels = [p for p in match.group(1).lower().split(".") if p != "www"]
        path = (match.group(2) or "").strip("/")
        if path and len(labels) >= 2:
            wanted = [_spelled(labels[-2]), _spelled(path.rsplit("/", 1)[-1])]
        else:
            wanted = [_spelled(p) for p in labels[:-1]]
        if wanted and all(w and w in spoken for w in wanted):
            found[url] = wanted[-1]
    # ".../alotrolado" is not spelled out where only ".../alotroladoasiloinfo" is.
    return [
        url
        for url, key in found.items()
        if not any(
            other != key and key in other and spoken.count(key) == spoken.count(other)
            for other in found.values()
        )
    ]


@dataclass(frozen=True)
class Message:
    body: str
    segments: int
    gsm7: bool
    number_ids: tuple[str, ...]
    dropped: tuple[str, ...] = ()  # which kinds of lines did not fit: "links", "header"


def compose(pack: ContentPack, words: Mapping[str, Words], node_id: str, lang: str) -> Message:
    """The text for the page at (or whose menu is) `node_id`, in `lang`.

    KeyError when the page gives no number, or `lang` has no words in sms.yaml."""
    page = page_for(pack, node_id)
    if page is None:
        raise KeyError(f"{node_id!r} is not a page with contacts")
    w = words[lang]
    ids = page_numbers(pack, page, lang)
    if not ids:
        raise KeyError(f"{node_id!r} gives no number")
    spoken = _spelled(" ".join(pack.raw_texts(lang).get(pid, "") for pid in page.prompts))
    # One line per organization and way to reach it, in the order the page says them.
    lines: dict[tuple[str, str], list[str]] = {}
    for nid in ids:
        number = pack.numbers[nid]
        name = label(pack, w, nid)
        if number.voice:
            where = w.dial_from.get(number.dial_from, "")
            lines.setdefault((name, where), []).append(number.e164)
        if number.whatsapp:
            lines.setdefault((name, w.whatsapp), []).append(wa_link(number.e164))
    contact_lines = [
        f"{name}{', ' + where if where else ''}: {f' {w.or_word} '.join(found)}"
        for (name, where), found in lines.items()
    ]
    orgs = dict.fromkeys(pack.numbers[nid].org for nid in ids)
    links = [url for org in orgs for url in _spoken_links(pack.organizations[org].links, spoken)]
    # The date the call said for these facts (the oldest, where the page says two); a page
    # without one falls back to the oldest flyer its numbers come from. Never newer than it is.
    dates = sorted(page.checked) or sorted(
        pack.sources[pack.numbers[nid].source].updated
        for nid in ids
        if pack.numbers[nid].source in pack.sources
    )
    date_line = [w.info_of.format(date=w.written_date(dates[0]))] if dates else []
    header = [w.header]
    dropped: list[str] = []

    def build() -> str:
        text = "\n".join(header + contact_lines + links + date_line)
        return fold_to_gsm7(text) if w.fold_accents else text

    body = build()
    # The date is never left out: a number without its date would read as today's.
    for kind in ("links", "header"):
        while segments(body) > MAX_SEGMENTS:
            part = {"links": links, "header": header}[kind]
            if not part:
                break
            part.pop()  # the last web address first
            if kind not in dropped:
                dropped.append(kind)
            body = build()
    return Message(body, segments(body), is_gsm7(body), tuple(ids), tuple(dropped))
