"""Rules for ``flow.yaml``, the shape of the call: global keys, menus and their options, every
node reachable and leading somewhere (no dead end, no circle of messages), and dated sections."""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import Problem
from ..files import FLOW
from ..model import DTMF, ContentPack, NodeKind

GLOBAL_FUNCTIONS = ("repeat", "main_menu", "help", "end_call")
MAX_OPTIONS = 5
# Shared prompts the engine needs; "checked" (the dated-section pattern, with {date}) and
# "facts_old" are needed once a section carries a `checked` date (check_sections).
SHARED_PROMPTS = (
    "wrong_key",
    "no_input",
    "transfer_busy",
    "transfer_completed",
    "error",
    "goodbye",
    "restart",
)


def check_flow(pack: ContentPack) -> Iterator[Problem]:
    flow = pack.flow
    keys = dict(flow.keys)
    for name in GLOBAL_FUNCTIONS:
        if keys.get(name) not in DTMF:
            yield Problem(
                FLOW,
                f"keys.{name}",
                "must be one key of 0-9, * or #",
                "global_key_invalid",
                {"function": name},
            )
    if len(set(keys.values())) != len(keys):
        yield Problem(FLOW, "keys", "two functions share one key", "global_key_shared")
    if flow.retries < 0 or flow.timeout < 1:
        yield Problem(
            FLOW, "retries", "retries must be >= 0 and timeout >= 1 second", "retries_invalid"
        )
    for name in ("after_language", "main", "help", "exhausted"):
        target = getattr(flow, name)
        if target not in flow.nodes:
            yield Problem(
                FLOW,
                name,
                f"points to unknown node {target!r}",
                "node_unknown",
                {"node": target},
            )
    for name in SHARED_PROMPTS:
        if name not in flow.prompts:
            yield Problem(
                FLOW, f"prompts.{name}", "is missing", "shared_prompt_missing", {"name": name}
            )
    for node in flow.nodes.values():
        yield from _check_node(pack, node)
    yield from _check_reachable(pack)
    yield from _check_message_loops(pack)


def _check_node(pack: ContentPack, node) -> Iterator[Problem]:
    flow = pack.flow
    key = f"nodes.{node.id}"
    if node.kind is NodeKind.MENU:
        if not node.options:
            yield Problem(
                FLOW, key, "dead end: a menu needs options", "menu_no_options", {"node": node.id}
            )
        if len(node.options) > MAX_OPTIONS:
            yield Problem(
                FLOW,
                key,
                f"{len(node.options)} options; at most {MAX_OPTIONS}",
                "menu_too_many_options",
                {"node": node.id, "count": len(node.options), "limit": MAX_OPTIONS},
            )
        expected = [str(i) for i in range(1, len(node.options) + 1)]
        if [o.key for o in node.options] != expected:
            yield Problem(
                FLOW,
                f"{key}.options",
                f"keys must be {', '.join(expected)} in order",
                "option_keys_order",
                {"node": node.id, "keys": expected},
            )
        for i, opt in enumerate(node.options):
            if opt.goto not in flow.nodes:
                yield Problem(
                    FLOW,
                    f"{key}.options[{i}].goto",
                    f"unknown node {opt.goto!r}",
                    "node_unknown",
                    {"node": opt.goto},
                )
        for name in node.announce:
            if name not in flow.keys:
                yield Problem(
                    FLOW,
                    f"{key}.announce",
                    f"unknown global key {name!r}",
                    "global_key_unknown",
                    {"function": name},
                )
        if node.repeat and node.repeat not in flow.nodes:
            yield Problem(
                FLOW,
                f"{key}.repeat",
                f"unknown node {node.repeat!r}",
                "node_unknown",
                {"node": node.repeat},
            )
    elif node.kind is NodeKind.MESSAGE:
        if not node.next:
            yield Problem(
                FLOW, key, "dead end: a message needs `next`", "message_no_next", {"node": node.id}
            )
        elif node.next not in flow.nodes:
            yield Problem(
                FLOW,
                f"{key}.next",
                f"unknown node {node.next!r}",
                "node_unknown",
                {"node": node.next},
            )
    elif node.kind is NodeKind.TRANSFER:
        num = pack.numbers.get(node.number or "")
        if num is None:
            yield Problem(
                FLOW,
                f"{key}.number",
                f"unknown directory number {node.number!r}",
                "number_unknown",
                {"number": node.number},
            )
        elif not num.voice:
            yield Problem(
                FLOW,
                f"{key}.number",
                f"{node.number} ({num.e164}) takes no voice calls",
                "transfer_not_voice",
                {"number": node.number, "e164": num.e164},
            )
    if node.kind is not NodeKind.MENU and node.options:
        yield Problem(
            FLOW,
            f"{key}.options",
            f"a {node.kind.value} cannot have options",
            "options_not_menu",
            {"node": node.id, "kind": node.kind.value},
        )


def _successors(pack: ContentPack, node) -> list[str]:
    flow = pack.flow
    nxt = [o.goto for o in node.options] + [n for n in (node.next, node.repeat) if n]
    if node.kind is NodeKind.MENU:
        nxt += [flow.main, flow.help, flow.exhausted]
    return [n for n in nxt if n in flow.nodes]


def reachable_nodes(pack: ContentPack) -> set[str]:
    flow = pack.flow
    todo = [n for n in (flow.after_language, flow.main, flow.help, flow.exhausted) if n]
    seen: set[str] = set()
    while todo:
        nid = todo.pop()
        if nid in seen or nid not in flow.nodes:
            continue
        seen.add(nid)
        todo.extend(_successors(pack, flow.nodes[nid]))
    return seen


def _check_reachable(pack: ContentPack) -> Iterator[Problem]:
    reached = reachable_nodes(pack)
    for nid in pack.flow.nodes:
        if nid not in reached:
            yield Problem(
                FLOW,
                f"nodes.{nid}",
                "unreachable: no option or next leads here",
                "node_unreachable",
                {"node": nid},
            )


def _check_message_loops(pack: ContentPack) -> Iterator[Problem]:
    nodes = pack.flow.nodes
    for start in nodes.values():
        seen, node = set(), start
        while node.kind is NodeKind.MESSAGE and node.next in nodes:
            if node.id in seen:
                yield Problem(
                    FLOW,
                    f"nodes.{start.id}",
                    "messages lead in a circle, never a menu",
                    "message_loop",
                    {"node": start.id},
                )
                break
            seen.add(node.id)
            node = nodes[node.next]


def check_sections(pack: ContentPack) -> Iterator[Problem]:
    """Dated sections say their date; a section's own contacts are directory numbers."""
    flow = pack.flow
    dated = [n for n in flow.nodes.values() if n.checked]
    if dated:
        for name in ("checked", "facts_old"):
            if name not in flow.prompts:
                yield Problem(
                    FLOW,
                    f"prompts.{name}",
                    "is missing (sections carry `checked` dates)",
                    "shared_prompt_missing",
                    {"name": name},
                )
    for node in flow.nodes.values():
        for nid in node.contacts:
            if nid not in pack.numbers:
                yield Problem(
                    FLOW,
                    f"nodes.{node.id}.contacts",
                    f"unknown directory number {nid!r}",
                    "number_unknown",
                    {"number": nid, "node": node.id},
                )
        if node.checked and not node.prompts:
            yield Problem(
                FLOW,
                f"nodes.{node.id}.checked",
                "a dated section needs prompts to say it after",
                "checked_without_prompts",
                {"node": node.id},
            )
