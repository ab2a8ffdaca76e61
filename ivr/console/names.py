"""Names staff recognise: each prompt and each part of the call named by where callers hear it
("Main menu – option 4", "Child without parents: hear the phone numbers slowly"), derived
from the flow and the pack's own words, in the staffer's language. Ids stay for developers.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask_babel import get_locale, gettext, ngettext

from ..content.model import ContentPack, Node, NodeKind
from .i18n import language_name

LANGUAGE_MENU = "(language menu)"

# "Niño o niña sin papás: oprima 4." -> "Niño o niña sin papás" (the option without its key).
_KEY_TAIL = re.compile(r"\s*[,:]\s*\S+\s+\S+\.?\s*$")
# "Para noticias de la frontera" -> "noticias de la frontera": options often start "To …".
_LEAD = re.compile(r"^(para|to|for|pou)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Place:
    """Where callers hear a prompt: a readable name and the node to open in the flow."""

    name: str
    node: str | None


def option_words(text: str) -> str:
    """An option's words without the key it names, first letter kept."""
    cut = _KEY_TAIL.sub("", text).strip()
    return cut or text


def _topic_words(text: str) -> str:
    words = _LEAD.sub("", option_words(text))
    return words[:1].upper() + words[1:]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


class Namer:
    """Titles of nodes and names of prompts for one pack, in one interface language."""

    def __init__(self, pack: ContentPack, ui: str):
        self.pack = pack
        flow = pack.flow
        # Words of the pack in the staffer's language when the line speaks it, else the first.
        self.lang = ui if pack.language(ui) else pack.default_language.code
        self.texts = pack.texts(self.lang)
        self.reached_by: dict[str, tuple[Node, str]] = {}  # node -> (menu, option prompt)
        self.used_by: dict[str, list[tuple[Node, str]]] = {}  # option prompt -> (menu, key)
        for node in flow.nodes.values():
            for option in node.options:
                self.used_by.setdefault(option.prompt, []).append((node, option.key))
        for start in (flow.main, flow.help, *flow.nodes):  # the main menu's words win
            node = flow.nodes.get(start)
            for option in node.options if node else ():
                self.reached_by.setdefault(option.goto, (node, option.prompt))
        self._titles: dict[str, str] = {}

    # -- parts of the call ---------------------------------------------------------------

    def title(self, node_id: str) -> str:
        if node_id not in self._titles:
            self._titles[node_id] = ""  # a guard against loops in odd flows
            self._titles[node_id] = self._title(node_id)
        return self._titles[node_id] or node_id

    def topic(self, node_id: str) -> str:
        """What a part of the call is about ("Child without parents"), menus included."""
        node = self.pack.flow.nodes.get(node_id)
        if node is not None and node.kind is NodeKind.MENU and node.repeat:
            return self.topic(node.repeat)
        return self.title(node_id)

    def _title(self, node_id: str) -> str:
        flow = self.pack.flow
        if node_id == LANGUAGE_MENU:
            return gettext("Language menu")
        node = flow.nodes[node_id]
        if node_id == flow.main:
            return gettext("Main menu")
        if node_id == flow.help:
            return gettext("Help menu")
        if node_id == flow.after_language:
            return gettext("First message, after the language")
        if node.kind is NodeKind.TRANSFER and node.number in self.pack.numbers:
            return gettext("Transfer to %(org)s", org=self.organization(node.number))
        if node.kind is NodeKind.MENU and node.repeat:
            return gettext("%(topic)s – menu", topic=self.topic(node.repeat))
        if node.kind is NodeKind.END:
            return gettext("End of the call")
        if node_id in self.reached_by:
            menu, prompt = self.reached_by[node_id]
            words = self.texts.get(prompt, "")
            if len(self.used_by.get(prompt, ())) > 1:  # "hear the numbers slowly" in many menus
                return f"{self.topic(menu.id)}: {_lower_first(_LEAD.sub('', option_words(words)))}"
            if words:
                return _topic_words(words)
        return node.situation or node.reference or node_id.replace("_", " ")

    def city(self, region: str) -> str:
        """A directory region as callers hear it in the organizations-by-city menu
        ("Tijuana y San Diego"), never its id ("tijuana")."""
        if region in self.pack.flow.nodes:
            return self.title(region)
        known = {"mexico": gettext("Mexico")}
        return known.get(region, region.replace("_", " ").capitalize())

    def situation(self, name: str) -> str:
        """A situation ("active MPP case" in flow.yaml) as the main menu says it in the
        staffer's language ("MPP, Quédate en México, caso activo")."""
        node = self.pack.situations().get(name)
        return self.title(node) if node else name

    def organization(self, number_id: str) -> str:
        number = self.pack.numbers[number_id]
        org = self.pack.organizations.get(number.org)
        return org.name if org else number.org

    # -- prompts ---------------------------------------------------------------------------

    def place(self, prompt_id: str) -> Place:
        base, cut, where = prompt_id.rpartition(".from-")
        if cut and where in ("mx", "us"):  # the words said to callers calling from there
            found = self.place(base)
            name = (
                gettext("%(name)s, for callers in Mexico", name=found.name)
                if where == "mx"
                else gettext("%(name)s, for callers in the United States", name=found.name)
            )
            return Place(name, found.node)
        flow = self.pack.flow
        if prompt_id == flow.language_prompt:
            return Place(gettext("Language menu: each language offers itself"), LANGUAGE_MENU)
        if prompt_id.startswith("keys."):
            name = prompt_id.removeprefix("keys.")
            key = flow.keys.get(name, "?")
            return Place(
                gettext("Every menu: key %(key)s, %(what)s", key=key, what=_key_use(name)),
                flow.main,
            )
        shared = {pid: name for name, pid in flow.prompts.items()}
        if prompt_id in shared:
            return Place(_shared(shared[prompt_id]), None)
        if prompt_id.startswith("number."):
            number_id = prompt_id.removeprefix("number.")
            if number_id in self.pack.numbers:
                number = self.pack.numbers[number_id]
                return Place(
                    gettext(
                        "Phone number of %(org)s (%(label)s), said slowly",
                        org=self.organization(number_id),
                        label=number.label,
                    ),
                    None,
                )
        for node in flow.nodes.values():
            if prompt_id in node.prompts:
                return Place(self._said_by(node, prompt_id), node.id)
        uses = self.used_by.get(prompt_id)
        if uses:
            menu, key = uses[0]
            if len(uses) == 1:
                name = gettext("%(menu)s – option %(key)s", menu=self.title(menu.id), key=key)
            else:
                name = ngettext(
                    "Option %(key)s in %(num)d menus, such as %(menu)s",
                    "Option %(key)s in %(num)d menus, such as %(menu)s",
                    len(uses),
                    key=key,
                    menu=self.title(menu.id),
                )
            return Place(name, menu.id)
        return Place(prompt_id, None)

    def _said_by(self, node: Node, prompt_id: str) -> str:
        title = self.title(node.id)
        if node.kind is NodeKind.TRANSFER:
            return gettext("%(title)s: what callers hear before the transfer", title=title)
        if node.kind is NodeKind.MENU:
            return gettext("%(title)s: introduction", title=title)
        if len(node.prompts) == 1:
            return title
        return gettext(
            "%(title)s, part %(n)d of %(total)d",
            title=title,
            n=node.prompts.index(prompt_id) + 1,
            total=len(node.prompts),
        )


def _key_use(name: str) -> str:
    uses = {
        "repeat": gettext("hear it again"),
        "main_menu": gettext("back to the main menu"),
        "help": gettext("help"),
        "end_call": gettext("end the call"),
    }
    return uses.get(name, name.replace("_", " "))


def _shared(name: str) -> str:
    names = {
        "wrong_key": gettext("Any menu: after a key that does nothing"),
        "no_input": gettext("Any menu: when the caller presses nothing"),
        "transfer_busy": gettext("After a transfer: the line was busy or did not answer"),
        "transfer_completed": gettext("After a transfer: the call has ended"),
        "error": gettext("When something goes wrong on the line"),
        "goodbye": gettext("Goodbye, at the end of the call"),
        "restart": gettext("Starting again from the main menu"),
    }
    return names.get(name, name.replace("_", " "))


# (pack version, interface language) -> Namer, newest last. Each holds its pack: a few only
# (the live version in both interface languages and the one before), not every version a
# long day of publishing made.
CACHED = 4
_cache: OrderedDict[tuple[str, str], Namer] = OrderedDict()
_lock = threading.Lock()


def namer(pack: ContentPack) -> Namer:
    """The Namer of this pack in the staffer's language (kept per pack version)."""
    ui = str(get_locale() or "es")
    key = (pack.version, ui)
    with _lock:
        found = _cache.get(key)
        if found is None or found.pack is not pack:
            found = _cache[key] = Namer(pack, ui)
        _cache.move_to_end(key)
        while len(_cache) > CACHED:
            _cache.popitem(last=False)
        return found


def audio_source(source: str, lang: str) -> str:
    """'tts:espeak:es-419@160wpm' -> 'Computer voice (Spanish)'; 'staff:ana' -> 'Recorded by
    ana'. The engine string stays for developers."""
    if source.startswith("staff:"):
        return gettext("Recorded by %(name)s", name=source.removeprefix("staff:") or "?")
    if source.startswith("tts:") or source.startswith("espeak") or source.startswith("google"):
        return gettext("Computer voice (%(language)s)", language=language_name(lang))
    return source
