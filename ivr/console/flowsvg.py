"""The call flow as an SVG picture, laid out by Graphviz (``dot``) from the live pack.

Why ``dot`` through subprocess and not the ``graphviz`` PyPI package: that package only writes
the DOT text and runs the same ``dot`` program; the program (Debian's ``graphviz``) is the real
dependency, and one ``subprocess.run`` says so plainly.

The picture is a tree read from left to right, so lines do not cross: each menu gets its own
box for every transfer it offers (the same organization may appear more than once), and ways
back (a "hear the numbers" message returning to its menu, key 9 repeating) are written inside
the box instead of drawn as lines. Boxes carry full names (see ``names.py``), never ids, and
link to their prompts. Pictures are cached per pack version and interface language.
"""

from __future__ import annotations

import re
import subprocess
import textwrap
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext, ngettext
from markupsafe import Markup

from ..content.model import ContentPack, NodeKind
from .names import LANGUAGE_MENU, Namer
from .phones import pretty

__all__ = ["LANGUAGE_MENU", "FILL", "flow_svg", "FlowUnavailable"]

FONT = "Arial"  # Graphviz measures with it; browsers have it or a metric twin (Liberation)
WRAP = 30  # characters per line inside a box
FILL = {
    "language": "#ede9fe",
    NodeKind.MENU: "#dbeafe",
    NodeKind.MESSAGE: "#dcfce7",
    NodeKind.TRANSFER: "#fde68a",
    NodeKind.END: "#e5e7eb",
}
TIMEOUT = 20  # seconds; dot lays this flow out in well under one
# Text size in the picture's own units. The page first shows the picture at its natural size
# (one unit, one CSS pixel), so on a phone the words are as big as the page's small text.
FONT_SIZE = 14
NOTE_SIZE = 13


class FlowUnavailable(RuntimeError):
    """Graphviz is missing or failed: the page shows the list instead, and says so."""


@dataclass
class _Box:
    key: str  # unique in the picture (a transfer appears once per menu offering it)
    node: str
    title: str
    lines: list[str] = field(default_factory=list)
    kind: object = None


def _esc(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _wrap(text: str, width: int = WRAP) -> list[str]:
    return textwrap.wrap(text, width) or [""]


def dot_source(pack: ContentPack, namer: Namer, link: Callable[[str], str]) -> str:
    """The DOT text of the flow (a tree from the language menu)."""
    flow = pack.flow
    depth = {LANGUAGE_MENU: 0}
    children: dict[str, list[tuple[str, str]]] = {}  # node -> [(label, target)]

    def outgoing(nid: str) -> list[tuple[str, str]]:
        if nid == LANGUAGE_MENU:
            return [(gettext("key"), flow.after_language)]
        node = flow.nodes[nid]
        out = [(o.key, o.goto) for o in node.options]
        if node.next:
            out.append((gettext("then"), node.next))
        if nid == flow.main and flow.keys.get("help") and flow.help in flow.nodes:
            out.append((flow.keys["help"], flow.help))
        return [(label, target) for label, target in out if target in flow.nodes]

    queue = [LANGUAGE_MENU]
    back: dict[str, list[str]] = {}
    while queue:  # breadth first: a node's place is its shortest way from the start
        current = queue.pop(0)
        for label, target in outgoing(current):
            kind = flow.nodes[target].kind
            if target not in depth or kind is NodeKind.TRANSFER:
                depth.setdefault(target, depth[current] + 1)
                children.setdefault(current, []).append((label, target))
                if kind is not NodeKind.TRANSFER:
                    queue.append(target)
            elif depth[target] <= depth[current]:
                note = (
                    gettext("then back to: %(title)s", title=namer.title(target))
                    if label == gettext("then")
                    else gettext("key %(key)s: %(title)s", key=label, title=namer.title(target))
                )
                back.setdefault(current, []).append(note)
            else:  # a second way into a later part (help's "organizations by city")
                children.setdefault(current, []).append((label, target))

    lines = [
        "digraph flow {",
        f'  graph [rankdir=LR, nodesep=0.18, ranksep=0.55, fontname="{FONT}", '
        'bgcolor="transparent"];',
        f'  node [shape=box, style="rounded,filled", fontname="{FONT}", fontsize={FONT_SIZE}, '
        'color="#1f2933", penwidth=1.3, margin="0.12,0.06"];',
        f'  edge [fontname="{FONT}", fontsize={FONT_SIZE}, color="#52606d", arrowsize=0.7];',
    ]
    boxes: dict[str, str] = {}

    def box(nid: str, key: str) -> str:
        if key in boxes:
            return boxes[key]
        name = f"n{len(boxes)}"
        boxes[key] = name
        if nid == LANGUAGE_MENU:
            kind, sub = "language", [gettext("the caller picks a language")]
        else:
            node = flow.nodes[nid]
            kind = node.kind
            if node.kind is NodeKind.TRANSFER and node.number in pack.numbers:
                sub = [pretty(pack.numbers[node.number].e164)]
            elif node.kind is NodeKind.MENU:
                sub = [ngettext("%(num)d option", "%(num)d options", len(node.options))]
            else:  # a count, not an excerpt: spoken numbers read badly cut short
                sub = [ngettext("%(num)d message", "%(num)d messages", len(node.prompts))]
        title = namer.title(nid)
        rows = [f"<B>{_esc(line)}</B>" for line in _wrap(title)]
        rows += [_esc(line) for line in sub]
        rows += [
            f'<FONT POINT-SIZE="{NOTE_SIZE}" COLOR="#3e4c59">{_esc(line)}</FONT>'
            for note in back.get(nid, [])
            for line in _wrap("↩ " + note)
        ]
        label = "<" + "<BR/>".join(rows) + ">"
        tooltip = _esc(title)
        start = ', class="flow-start"' if nid == LANGUAGE_MENU else ""
        lines.append(
            f'  {name} [label={label}, fillcolor="{FILL.get(kind, "#ffffff")}"{start}, '
            f'URL="{_esc(link(nid))}", target="_top", tooltip="{tooltip}", '
            f'id="node-{_esc(nid)}-{len(boxes)}"];'
        )
        return name

    def walk(nid: str, key: str, seen: set[str]) -> None:
        source = box(nid, key)
        for label, target in children.get(nid, []):
            target_key = (
                f"{target}@{nid}" if flow.nodes[target].kind is NodeKind.TRANSFER else target
            )
            if target_key in boxes and target_key != target:
                continue
            already = target_key in boxes
            dest = box(target, target_key)
            style = ', style="dashed"' if label == gettext("then") else ""
            lines.append(
                f"  {source} -> {dest} [label=<<B>{_esc(label)}</B>>{style}, "
                f'labeltooltip="{_esc(namer.title(target))}"];'
            )
            if not already and target not in seen:
                walk(target, target_key, seen | {target})

    walk(LANGUAGE_MENU, LANGUAGE_MENU, {LANGUAGE_MENU})
    lines.append("}")
    return "\n".join(lines)


# (pack version, interface language) -> picture, newest last. A few: the live version in
# both interface languages and the one before (each picture is a few hundred kB of SVG).
CACHED = 4
_cache: OrderedDict[tuple[str, str], Markup] = OrderedDict()
_lock = threading.Lock()


def flow_svg(pack: ContentPack, namer: Namer, link: Callable[[str], str], ui: str) -> Markup:
    """Inline SVG of the flow (cached per pack version and interface language).
    Raises FlowUnavailable when Graphviz cannot draw it."""
    key = (pack.version, ui)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    source = dot_source(pack, namer, link)
    try:
        result = subprocess.run(
            ["dot", "-Tsvg"],
            input=source.encode(),
            capture_output=True,
            timeout=TIMEOUT,
            check=True,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise FlowUnavailable(str(exc)) from exc
    svg = result.stdout.decode()
    svg = svg[svg.index("<svg") :]  # no XML prolog or doctype inside HTML
    # Its natural size in CSS pixels (Graphviz writes points: one unit each); the page zooms
    # it from there, keeping the viewBox.
    label = _esc(gettext("Call flow picture"))
    svg = re.sub(
        r'<svg width="([\d.]+)pt" height="([\d.]+)pt"',
        lambda m: (
            f'<svg class="flow" role="group" aria-label="{label}" '
            f'width="{m.group(1)}" height="{m.group(2)}"'
        ),
        svg,
        count=1,
    )
    # Graphviz draws a white page rectangle behind everything; the page has its own.
    svg = re.sub(r'<polygon fill="white" stroke="transparent"[^>]*/>', "", svg, count=1)
    picture = Markup(svg)
    with _lock:
        _cache[key] = picture
        while len(_cache) > CACHED:
            _cache.popitem(last=False)
    return picture
