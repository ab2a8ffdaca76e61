"""The flow engine: a pure function from (content pack, call state, caller input) to the next step.

No Flask, no Twilio, no files: everything hard about a call — re-prompts, repeat, main menu,
help, hanging up, transfer outcomes, a state from an old or forged URL — is decided here and
tested without a server. `ivr/twiml.py` turns a Step into TwiML; `ivr/voice.py` feeds it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .content import ContentPack, Node, NodeKind
from .content.model import DTMF

LANGUAGE_MENU = "language"
ANSWERED = frozenset({"completed", "answered"})


@dataclass(frozen=True)
class CallState:
    """Everything the line remembers about a call, carried in the webhook URL."""

    lang: str | None = None
    node: str = LANGUAGE_MENU
    tries: int = 0
    ret: str | None = None  # the menu a transfer returns to


@dataclass(frozen=True)
class Input:
    """What Twilio reported: keys pressed, no input, or how a transfer ended."""

    digits: str = ""
    dial_status: str | None = None

    @property
    def silent(self) -> bool:
        return self.digits == "" and self.dial_status is None

    @property
    def key(self) -> str | None:
        """The one key pressed; garbage (several keys, letters) is no valid key at all."""
        return self.digits if len(self.digits) == 1 and self.digits in DTMF else None


SILENCE = Input()


@dataclass(frozen=True)
class Prompt:
    lang: str
    id: str
    text: str


@dataclass(frozen=True)
class Dial:
    e164: str
    number_id: str
    org_name: str
    timeout: int = 30


@dataclass(frozen=True)
class Step:
    """What to say, then exactly one of: wait for a key, dial, go on, or hang up."""

    prompts: tuple[Prompt, ...] = ()
    gather: CallState | None = None
    dial: Dial | None = None
    dial_action: CallState | None = None
    redirect: CallState | None = None
    hangup: bool = False
    timeout: int = 5


def _prompts(pack: ContentPack, lang: str, ids) -> tuple[Prompt, ...]:
    texts = pack.texts(lang)
    return tuple(Prompt(lang, pid, texts[pid]) for pid in ids)


def shared(pack: ContentPack, lang: str, name: str) -> tuple[Prompt, ...]:
    return _prompts(pack, lang, [pack.flow.prompts[name]])


def _menu_body(pack: ContentPack, lang: str, node: Node) -> tuple[Prompt, ...]:
    ids = [o.prompt for o in node.options] + [f"keys.{name}" for name in node.announce]
    return _prompts(pack, lang, ids)


def answer(pack: ContentPack, tries: int = 0) -> Step:
    """The first thing a caller hears: each language offering itself in its own words."""
    pid = pack.flow.language_prompt
    prompts = tuple(Prompt(lang.code, pid, pack.text(lang.code, pid)) for lang in pack.languages)
    return Step(prompts=prompts, gather=CallState(tries=tries), timeout=pack.flow.timeout)


def enter(
    pack: ContentPack,
    lang: str,
    node_id: str,
    before: tuple[Prompt, ...] = (),
    ret: str | None = None,
) -> Step:
    """Arrive at a node: say it, and chain through messages until something waits."""
    flow = pack.flow
    prompts = before
    node = flow.nodes[node_id]
    while node.kind is NodeKind.MESSAGE:
        prompts += _prompts(pack, lang, node.prompts)
        node = flow.nodes[node.next]
    prompts += _prompts(pack, lang, node.prompts)
    if node.kind is NodeKind.MENU:
        prompts += _menu_body(pack, lang, node)
        return Step(prompts, gather=CallState(lang, node.id), timeout=flow.timeout)
    if node.kind is NodeKind.TRANSFER:
        number = pack.numbers[node.number]
        org = pack.organizations[number.org]
        return Step(
            prompts,
            dial=Dial(number.e164, number.id, org.name),
            dial_action=CallState(lang, node.id, ret=ret),
        )
    return Step(prompts + shared(pack, lang, "goodbye"), hangup=True)


def goodbye(pack: ContentPack, lang: str) -> Step:
    return Step(shared(pack, lang, "goodbye"), hangup=True)


def next_step(pack: ContentPack, state: CallState, inp: Input) -> Step:
    """The whole call logic. Any state, even one forged or from an older pack, gets a Step."""
    if state.lang is None or state.node == LANGUAGE_MENU:
        return _language_menu(pack, state, inp)
    if pack.language(state.lang) is None:
        return answer(pack)
    lang = state.lang
    node = pack.flow.nodes.get(state.node)
    if node is None:
        # An old URL after a content change, or a forged one: start again, politely.
        return enter(pack, lang, pack.flow.main, shared(pack, lang, "restart"))
    if node.kind is NodeKind.TRANSFER:
        return _after_transfer(pack, state, node, inp)
    if node.kind is not NodeKind.MENU:
        return enter(pack, lang, node.id)
    return _menu(pack, state, node, inp)


def _language_menu(pack: ContentPack, state: CallState, inp: Input) -> Step:
    key = inp.key
    chosen = next((lang for lang in pack.languages if lang.key == key), None)
    if chosen is not None:
        return enter(pack, chosen.code, pack.flow.after_language)
    if key == pack.flow.keys["end_call"]:
        return Step(hangup=True)
    if key in (pack.flow.keys["repeat"], pack.flow.keys["main_menu"]):
        return answer(pack, state.tries)
    if state.tries >= pack.flow.retries:
        # Callers who cannot press keys still get help: in the line's first language.
        return enter(pack, pack.default_language.code, pack.flow.after_language)
    return answer(pack, state.tries + 1)


def _menu(pack: ContentPack, state: CallState, node: Node, inp: Input) -> Step:
    lang, flow = state.lang, pack.flow
    key = inp.key
    function = flow.key_function(key) if key else None
    option = node.option(key) if key else None
    if option is not None:
        target = flow.nodes.get(option.goto)
        ret = node.id if target is not None and target.kind is NodeKind.TRANSFER else None
        return enter(pack, lang, option.goto, ret=ret)
    if function == "repeat":
        return enter(pack, lang, node.repeat or node.id)
    if function == "main_menu":
        return enter(pack, lang, flow.main)
    if function == "help":
        return enter(pack, lang, flow.help)
    if function == "end_call":
        return goodbye(pack, lang)
    if state.tries >= flow.retries:
        if node.id in (flow.help, flow.exhausted):
            return _help_exhausted(pack, lang)
        return enter(pack, lang, flow.exhausted)
    why = shared(pack, lang, "no_input" if inp.silent else "wrong_key")
    return Step(
        why + _menu_body(pack, lang, node),
        gather=replace(state, tries=state.tries + 1),
        timeout=flow.timeout,
    )


def _help_exhausted(pack: ContentPack, lang: str) -> Step:
    """A caller who presses nothing even in help: connect them to a person, do not hang up."""
    help_node = pack.flow.nodes[pack.flow.help]
    transfer = next(
        (
            o.goto
            for o in help_node.options
            if pack.flow.nodes[o.goto].kind is NodeKind.TRANSFER
        ),
        None,
    )
    if transfer is None:
        return goodbye(pack, lang)
    return enter(pack, lang, transfer, ret=None)


def _after_transfer(pack: ContentPack, state: CallState, node: Node, inp: Input) -> Step:
    lang = state.lang
    number_prompt = _prompts(pack, lang, [f"number.{node.number}"])
    outcome = "transfer_completed" if inp.dial_status in ANSWERED else "transfer_busy"
    said = shared(pack, lang, outcome) + number_prompt
    if inp.dial_status is None:
        said = ()  # not a transfer result: someone re-posted the URL; just go on
    ret = state.ret if state.ret in pack.flow.nodes else None
    if ret is None:
        return Step(said + shared(pack, lang, "goodbye"), hangup=True)
    return enter(pack, lang, ret, said)
