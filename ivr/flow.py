"""The flow engine: a pure function from (content pack, call state, caller input) to the next step.

No Flask, no Twilio, no files: everything hard about a call — re-prompts, repeat, main menu,
help, hanging up, transfer outcomes, a state from an old or forged URL — is decided here and
tested without a server. `ivr/twiml.py` turns a Step into TwiML; `ivr/voice.py` feeds it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from .content import ContentPack, Node, NodeKind
from .content.clock import spoken_opening
from .content.load import COUNTRY_VARIANTS, TWILIO_COUNTRIES
from .content.model import DTMF
from .content.opening import is_open, next_opening
from .content.speech import dial_placeholders, placeholders

LANGUAGE_MENU = "language"
ANSWERED = frozenset({"completed", "answered"})


@dataclass(frozen=True)
class CallState:
    """Everything the line remembers about a call, carried in the webhook URL."""

    lang: str | None = None
    node: str = LANGUAGE_MENU
    tries: int = 0
    ret: str | None = None  # the menu a transfer returns to


FACTS_MAX_AGE_DAYS = 180


@dataclass(frozen=True)
class Input:
    """What Twilio reported (keys pressed, no input, how a transfer ended, the caller's
    country), and the day it is: everything this one request knows besides the call state.

    `country` is Twilio's FromCountry ("MX", "US"): used to say the numbers to dial from
    there, for this request only; it is never put in a URL, a log or storage.
    """

    digits: str = ""
    dial_status: str | None = None
    country: str | None = None
    today: date | None = None  # None: no date known, so no section is called old
    facts_max_age_days: int = FACTS_MAX_AGE_DAYS
    # The text-message key (flow.yaml keys.text) is announced and accepted only for a caller
    # a text can reach (the webhook decides; the number itself never comes here). After the
    # webhook tried to send, `text_status` says how it went: sent | failed | over_quota.
    can_text: bool = False
    text_status: str | None = None
    # The instant of this request (timezone-aware), for destinations with opening hours
    # (directory.yaml `hours`). None: no time known, so every transfer is offered. The webhook
    # passes it, to the minute, only where the next step can reach a transfer with hours
    # (hours_sensitive), so other cached answers do not change every minute.
    now: datetime | None = None

    @property
    def dial_from(self) -> str | None:
        """'mexico' or 'us' (directory.yaml's words) for a caller there; else None."""
        return TWILIO_COUNTRIES.get((self.country or "").upper())

    @property
    def silent(self) -> bool:
        return self.digits == "" and self.dial_status is None

    @property
    def key(self) -> str | None:
        """The one key pressed; garbage (several keys, letters) is no valid key at all."""
        return self.digits if len(self.digits) == 1 and self.digits in DTMF else None


@dataclass(frozen=True)
class Prompt:
    lang: str
    id: str
    text: str  # the SPOKEN words (pronunciations applied): what audio and <Say> must speak


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


SILENCE = Input()


def _prompts(pack: ContentPack, lang: str, ids, inp: Input = SILENCE) -> tuple[Prompt, ...]:
    spoken = pack.spoken(lang)
    suffix = COUNTRY_VARIANTS.get(inp.dial_from or "", "")
    said = []
    for pid in ids:
        # A prompt with numbers "to call from ..." has a variant for the caller's country.
        chosen = pid + suffix if suffix and pid + suffix in spoken else pid
        said.append(Prompt(lang, chosen, spoken[chosen]))
    return tuple(said)


def shared(pack: ContentPack, lang: str, name: str) -> tuple[Prompt, ...]:
    return _prompts(pack, lang, [pack.flow.prompts[name]])


TEXT = "text"  # the global key function: these numbers by text message
TEXT_OUTCOMES = {"sent": "text_sent", "failed": "text_failed", "over_quota": "text_over_quota"}


def offers_text(pack: ContentPack, node: Node, inp: Input) -> bool:
    """This menu announces (and accepts) the text-message key to this caller."""
    return inp.can_text and TEXT in node.announce and TEXT in pack.flow.keys


def _menu_body(
    pack: ContentPack, lang: str, node: Node, inp: Input = SILENCE
) -> tuple[Prompt, ...]:
    announced = [n for n in node.announce if n != TEXT or offers_text(pack, node, inp)]
    ids = [o.prompt for o in node.options] + [f"keys.{name}" for name in announced]
    return _prompts(pack, lang, ids)


_SENSITIVE: dict[str, frozenset[str]] = {}


def text_sensitive(pack: ContentPack) -> frozenset[str]:
    """The nodes whose next step can depend on `Input.can_text`: the step from them can end
    at a menu that announces the text key. Elsewhere (the language menu, help, a transfer's
    "call one of these" menu) the webhook need not look at the caller's number at all."""
    found = _SENSITIVE.get(pack.version)
    if found is not None:
        return found
    flow = pack.flow
    announcing = {n.id for n in flow.nodes.values() if TEXT in n.announce}

    def lands(node_id: str | None) -> bool:
        seen: set[str] = set()
        node = flow.nodes.get(node_id or "")
        while node is not None and node.kind is NodeKind.MESSAGE and node.id not in seen:
            seen.add(node.id)
            node = flow.nodes.get(node.next or "")
        return node is not None and node.id in announcing

    sensitive = set()
    for node in flow.nodes.values():
        if node.kind is NodeKind.TRANSFER:
            hit = bool(announcing)  # it returns to the menu named in its URL
        elif node.kind is NodeKind.MENU:
            targets = [o.goto for o in node.options]
            targets += [node.id, node.repeat, flow.main, flow.help, flow.exhausted]
            hit = any(lands(t) for t in targets)
        else:
            hit = lands(node.id)
        if hit:
            sensitive.add(node.id)
    if len(_SENSITIVE) > 8:
        _SENSITIVE.clear()
    found = _SENSITIVE[pack.version] = frozenset(sensitive)
    return found


def text_request(pack: ContentPack, state: CallState, inp: Input) -> str | None:
    """The menu whose page the caller asks to get by text with this input, or None.

    The webhook sends it, then asks `next_step` again with `inp.text_status` set; the engine
    itself never sends anything."""
    if state.lang is None or pack.language(state.lang) is None or inp.text_status is not None:
        return None
    node = pack.flow.nodes.get(state.node)
    if node is None or node.kind is not NodeKind.MENU or inp.key is None:
        return None
    if pack.flow.key_function(inp.key) != TEXT or not offers_text(pack, node, inp):
        return None
    return node.id


def facts_are_old(checked: str, inp: Input) -> bool:
    """True when a section's facts were checked longer ago than the line allows."""
    if inp.today is None:
        return False
    return (inp.today - date.fromisoformat(checked)).days > inp.facts_max_age_days


def says_a_number(pack: ContentPack, lang: str, prompt_id: str) -> bool:
    text = pack.raw_texts(lang).get(prompt_id, "")
    return bool(placeholders(text) or dial_placeholders(text))


def _section_prompts(
    pack: ContentPack, lang: str, node: Node, inp: Input, old_said: bool = False
) -> tuple[Prompt, ...]:
    """A node's prompts. A dated section says its date right after its first prompt (its
    title), so the year comes before any number it gives; once the facts are old, that things
    may have changed follows the first prompt after the date that gives a number (the caller
    hears the contact first), or the date itself where none does. `old_said`: an earlier
    section of the same step already said it."""
    ids = list(node.prompts)
    if node.checked and ids and f"checked.{node.id}" in pack.spoken(lang):
        ids.insert(1, f"checked.{node.id}")
        if facts_are_old(node.checked, inp) and not old_said:
            after = next((i for i in range(2, len(ids)) if says_a_number(pack, lang, ids[i])), 1)
            ids.insert(after + 1, pack.flow.prompts["facts_old"])
    return _prompts(pack, lang, ids, inp)


def answer(pack: ContentPack, tries: int = 0) -> Step:
    """The first thing a caller hears: each language offering itself in its own words."""
    pid = pack.flow.language_prompt
    prompts = tuple(
        Prompt(lang.code, pid, pack.spoken_text(lang.code, pid)) for lang in pack.languages
    )
    return Step(prompts=prompts, gather=CallState(tries=tries), timeout=pack.flow.timeout)


def enter(
    pack: ContentPack,
    lang: str,
    node_id: str,
    before: tuple[Prompt, ...] = (),
    ret: str | None = None,
    inp: Input = SILENCE,
) -> Step:
    """Arrive at a node: say it, and chain through messages until something waits."""
    flow = pack.flow
    prompts = before
    node = flow.nodes[node_id]
    old = flow.prompts.get("facts_old")
    while node.kind is NodeKind.MESSAGE:
        prompts += _section_prompts(pack, lang, node, inp, any(p.id == old for p in prompts))
        node = flow.nodes[node.next]
    if node.kind is NodeKind.TRANSFER and closed_now(pack, node, inp):
        return _closed(pack, lang, node, prompts, ret, inp)
    prompts += _section_prompts(pack, lang, node, inp, any(p.id == old for p in prompts))
    if node.kind is NodeKind.MENU:
        prompts += _menu_body(pack, lang, node, inp)
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


OPENS_PROMPT = "hours.opens"  # the sentence saying when a closed office opens (made per call)


def closed_now(pack: ContentPack, node: Node, inp: Input) -> bool:
    """A transfer whose office is closed at ``inp.now``: never when the time or the hours
    are unknown (the flyers give none), so the line offers the transfer as it always did."""
    number = pack.numbers.get(node.number or "")
    if inp.now is None or number is None or number.hours is None:
        return False
    return is_open(number.hours, inp.now) is False


def _closed(
    pack: ContentPack,
    lang: str,
    node: Node,
    before: tuple[Prompt, ...],
    ret: str | None,
    inp: Input,
) -> Step:
    """The caller is not put through to a closed office: they hear that it is closed, when it
    opens (in their language, in the office's local time), then the number slowly, and go
    back to the menu they came from, which offers the text key where a text can reach them."""
    number = pack.numbers[node.number]
    said = before + shared(pack, lang, "closed")
    opening = next_opening(number.hours, inp.now)
    language = pack.language(lang)
    if opening is not None and language is not None and language.clock.complete:
        text = spoken_opening(language, opening, inp.now, number.hours.place)
        said += (Prompt(lang, OPENS_PROMPT, text),)
    said += shared(pack, lang, "closed_number")
    said += _prompts(pack, lang, [f"number.{_number_to_call(pack, node.number, inp)}"])
    back = ret if ret in pack.flow.nodes else None
    if back is None:
        return Step(said + shared(pack, lang, "goodbye"), hangup=True)
    return enter(pack, lang, back, said, inp=inp)


_HOURS_SENSITIVE: dict[str, frozenset[str]] = {}


def hours_sensitive(pack: ContentPack) -> frozenset[str]:
    """The nodes whose next step can depend on `Input.now`: from them the caller can reach a
    transfer whose number has opening hours (a menu option, through messages, or help's
    transfer after every re-prompt). Everywhere else the webhook leaves the time out."""
    found = _HOURS_SENSITIVE.get(pack.version)
    if found is not None:
        return found
    flow = pack.flow

    def timed(node_id: str | None) -> bool:
        seen: set[str] = set()
        node = flow.nodes.get(node_id or "")
        while node is not None and node.kind is NodeKind.MESSAGE and node.id not in seen:
            seen.add(node.id)
            node = flow.nodes.get(node.next or "")
        if node is None or node.kind is not NodeKind.TRANSFER:
            return False
        number = pack.numbers.get(node.number or "")
        return number is not None and number.hours is not None and number.hours.used

    help_node = flow.nodes.get(flow.help)
    help_transfers = [o.goto for o in help_node.options] if help_node else []
    sensitive = set()
    for node in flow.nodes.values():
        # A menu's key enters its option (or, in help after every re-prompt, help's transfer);
        # any other node is entered again, through its messages. A transfer node only ever
        # returns to the menu in its URL.
        targets: list[str | None] = [] if node.kind is NodeKind.TRANSFER else [node.id]
        if node.kind is NodeKind.MENU:
            targets += [o.goto for o in node.options]
            if node.id in (flow.help, flow.exhausted):
                targets += help_transfers
        if any(timed(t) for t in targets):
            sensitive.add(node.id)
    if timed(flow.after_language):
        sensitive.add(LANGUAGE_MENU)
    if len(_HOURS_SENSITIVE) > 8:
        _HOURS_SENSITIVE.clear()
    found = _HOURS_SENSITIVE[pack.version] = frozenset(sensitive)
    return found


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
        return enter(pack, lang, pack.flow.main, shared(pack, lang, "restart"), inp=inp)
    if node.kind is NodeKind.TRANSFER:
        return _after_transfer(pack, state, node, inp)
    if node.kind is not NodeKind.MENU:
        return enter(pack, lang, node.id, inp=inp)
    return _menu(pack, state, node, inp)


def _language_menu(pack: ContentPack, state: CallState, inp: Input) -> Step:
    key = inp.key
    chosen = next((lang for lang in pack.languages if lang.key == key), None)
    if chosen is not None:
        return enter(pack, chosen.code, pack.flow.after_language, inp=inp)
    if key == pack.flow.keys["end_call"]:
        return Step(hangup=True)
    if key in (pack.flow.keys["repeat"], pack.flow.keys["main_menu"]):
        return answer(pack, state.tries)
    if state.tries >= pack.flow.retries:
        # Callers who cannot press keys still get help: in the line's first language.
        return enter(pack, pack.default_language.code, pack.flow.after_language, inp=inp)
    return answer(pack, state.tries + 1)


def _menu(pack: ContentPack, state: CallState, node: Node, inp: Input) -> Step:
    lang, flow = state.lang, pack.flow
    key = inp.key
    function = flow.key_function(key) if key else None
    option = node.option(key) if key else None
    if option is not None:
        target = flow.nodes.get(option.goto)
        ret = node.id if target is not None and target.kind is NodeKind.TRANSFER else None
        return enter(pack, lang, option.goto, ret=ret, inp=inp)
    if function == "repeat":
        return enter(pack, lang, node.repeat or node.id, inp=inp)
    if function == "main_menu":
        return enter(pack, lang, flow.main, inp=inp)
    if function == "help":
        return enter(pack, lang, flow.help, inp=inp)
    if function == "end_call":
        return goodbye(pack, lang)
    if function == TEXT and offers_text(pack, node, inp):
        # How the text went (a webhook that did not try says "could not be sent"), then this
        # same menu again: the caller can still hear the numbers slowly or be transferred.
        outcome = TEXT_OUTCOMES.get(inp.text_status or "failed", "text_failed")
        return Step(
            shared(pack, lang, outcome) + _menu_body(pack, lang, node, inp),
            gather=CallState(lang, node.id),
            timeout=flow.timeout,
        )
    if state.tries >= flow.retries:
        if node.id in (flow.help, flow.exhausted):
            return _help_exhausted(pack, lang, inp)
        return enter(pack, lang, flow.exhausted, inp=inp)
    why = shared(pack, lang, "no_input" if inp.silent else "wrong_key")
    return Step(
        why + _menu_body(pack, lang, node, inp),
        gather=replace(state, tries=state.tries + 1),
        timeout=flow.timeout,
    )


def _help_exhausted(pack: ContentPack, lang: str, inp: Input = SILENCE) -> Step:
    """A caller who presses nothing even in help: connect them to a person, do not hang up."""
    help_node = pack.flow.nodes[pack.flow.help]
    transfer = next(
        (o.goto for o in help_node.options if pack.flow.nodes[o.goto].kind is NodeKind.TRANSFER),
        None,
    )
    if transfer is None:
        return goodbye(pack, lang)
    return enter(pack, lang, transfer, ret=None, inp=inp)


def _after_transfer(pack: ContentPack, state: CallState, node: Node, inp: Input) -> Step:
    lang = state.lang
    number_prompt = _prompts(pack, lang, [f"number.{_number_to_call(pack, node.number, inp)}"])
    outcome = "transfer_completed" if inp.dial_status in ANSWERED else "transfer_busy"
    said = shared(pack, lang, outcome) + number_prompt
    if inp.dial_status is None:
        said = ()  # not a transfer result: someone re-posted the URL; just go on
    ret = state.ret if state.ret in pack.flow.nodes else None
    if ret is None:
        return Step(said + shared(pack, lang, "goodbye"), hangup=True)
    return enter(pack, lang, ret, said, inp=inp)


def _number_to_call(pack: ContentPack, number_id: str, inp: Input) -> str:
    """The number a caller should dial themselves: the transfer's own, unless the flyer gives
    the organization another one for where the caller is (directory.yaml dial_from)."""
    number = pack.numbers[number_id]
    place = inp.dial_from
    if place is None or number.dial_from in ("anywhere", place):
        return number_id
    org = pack.organizations[number.org]
    local = [n for n in org.numbers if n in pack.numbers and pack.numbers[n].dial_from == place]
    return next((n for n in local if pack.numbers[n].voice), number_id)
