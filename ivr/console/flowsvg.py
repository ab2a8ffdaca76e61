"""The call flow as an SVG picture, drawn on the server from the live pack (no JS, no Graphviz).

Layout: a node's column is its distance (in key presses or "then") from the language menu;
nodes keep the order in which their parents list them. Edges to a later column are drawn as
curves labelled with the key; edges back (a "hear the numbers" message returning to its menu,
"9 repeats") are written inside the node as "then: ..." instead, so the picture stays readable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from ..content.model import ContentPack, Node, NodeKind

BOX_W, BOX_H = 230, 62
COL_GAP, ROW_GAP = 90, 18
PAD = 20
CHAR_W = 7.0  # rough width of a 13px sans-serif character, for cutting labels to fit
LANGUAGE_MENU = "(language menu)"

FILL = {
    "language": "#ede9fe",
    NodeKind.MENU: "#dbeafe",
    NodeKind.MESSAGE: "#dcfce7",
    NodeKind.TRANSFER: "#fde68a",
    NodeKind.END: "#e5e7eb",
}


@dataclass
class Box:
    id: str
    title: str
    subtitle: str
    kind: object
    column: int = 0
    row: int = 0
    back: list[str] = field(default_factory=list)  # targets drawn as text, not as lines

    @property
    def x(self) -> int:
        return PAD + self.column * (BOX_W + COL_GAP)

    @property
    def y(self) -> int:
        return PAD + self.row * (BOX_H + ROW_GAP)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str  # the key, or "then"
    hint: str  # the option's words, for the tooltip


def _cut(text: str, width: int = BOX_W - 16) -> str:
    most = int(width / CHAR_W)
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def _edges(pack: ContentPack, lang: str) -> list[Edge]:
    flow = pack.flow
    texts = pack.texts(lang)
    edges = [Edge(LANGUAGE_MENU, flow.after_language, "key", "after the caller picks a language")]
    for node in flow.nodes.values():
        for option in node.options:
            edges.append(Edge(node.id, option.goto, option.key, texts.get(option.prompt, "")))
        if node.next:
            edges.append(Edge(node.id, node.next, "then", ""))
    help_key = flow.keys.get("help")
    if help_key and flow.help in flow.nodes:
        edges.append(Edge(flow.main, flow.help, help_key, "help, from any menu"))
    return [e for e in edges if e.target in flow.nodes]


def _describe(pack: ContentPack, node: Node, lang: str) -> tuple[str, str]:
    texts = pack.texts(lang)
    if node.kind is NodeKind.TRANSFER and node.number in pack.numbers:
        number = pack.numbers[node.number]
        org = pack.organizations.get(number.org)
        return f"Transfer: {org.name if org else number.org}", number.e164
    first = node.prompts[0] if node.prompts else (node.options[0].prompt if node.options else "")
    if node.kind is NodeKind.MENU:
        title = f"Menu: {node.id}" if node.id != pack.flow.main else "Main menu"
        count = len(node.options)
        return title, f"{count} option{'s' if count != 1 else ''}"
    if node.situation:
        return f"Guidance: {node.situation}", texts.get(first, "")
    if node.kind is NodeKind.END:
        return "End of call", texts.get(first, "")
    return node.id.replace("_", " "), texts.get(first, "")


def layout(pack: ContentPack, lang: str) -> tuple[dict[str, Box], list[Edge]]:
    """Boxes with their column and row, and the edges drawn as lines."""
    edges = _edges(pack, lang)
    outgoing: dict[str, list[Edge]] = {}
    for edge in edges:
        outgoing.setdefault(edge.source, []).append(edge)
    boxes = {
        LANGUAGE_MENU: Box(LANGUAGE_MENU, "Language menu", "caller picks a language", "language")
    }
    order = [LANGUAGE_MENU]
    depth = {LANGUAGE_MENU: 0}
    queue = [LANGUAGE_MENU]
    while queue:  # breadth first: a node's column is its shortest distance from the start
        current = queue.pop(0)
        for edge in outgoing.get(current, []):
            if edge.target not in depth:
                depth[edge.target] = depth[current] + 1
                order.append(edge.target)
                queue.append(edge.target)
    # Nodes only reachable through global keys (none today) still get a place, last.
    last = max(depth.values()) + 1
    for nid in pack.flow.nodes:
        if nid not in depth:
            depth[nid] = last
            order.append(nid)
    rows: dict[int, int] = {}
    for nid in order:
        if nid not in boxes:
            title, subtitle = _describe(pack, pack.flow.nodes[nid], lang)
            boxes[nid] = Box(nid, title, subtitle, pack.flow.nodes[nid].kind)
        box = boxes[nid]
        box.column = depth[nid]
        box.row = rows.get(box.column, 0)
        rows[box.column] = box.row + 1
    drawn = []
    for edge in edges:
        if depth[edge.target] > depth[edge.source]:
            drawn.append(edge)
        else:
            note = (
                f"then back to {edge.target}"
                if edge.label == "then"
                else (f"{edge.label} → {edge.target}")
            )
            boxes[edge.source].back.append(note)
    return boxes, drawn


def flow_svg(pack: ContentPack, lang: str, link: Callable[[str], str]) -> Markup:
    """Inline SVG of the flow; `link(node_id)` is where clicking a node goes."""
    boxes, edges = layout(pack, lang)
    width = PAD * 2 + (max(b.column for b in boxes.values()) + 1) * (BOX_W + COL_GAP)
    height = PAD * 2 + (max(b.row for b in boxes.values()) + 1) * (BOX_H + ROW_GAP)
    out = [
        f'<svg class="flow" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="group" '
        f'aria-label="Call flow picture">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#52606d"/></marker></defs>',
    ]
    for edge in edges:
        a, b = boxes[edge.source], boxes[edge.target]
        x1, y1 = a.x + BOX_W, a.y + BOX_H / 2
        x2, y2 = b.x, b.y + BOX_H / 2
        mid = (x1 + x2) / 2
        out.append(
            f'<g class="edge"><title>{escape(edge.label)}: {escape(edge.hint)}</title>'
            f'<path d="M{x1},{y1} C{mid},{y1} {mid},{y2} {x2 - 2},{y2}" fill="none" '
            f'stroke="#52606d" stroke-width="1.5" marker-end="url(#arrow)"/>'
            f'<circle cx="{x2 - 22}" cy="{y2}" r="10" fill="#fff" stroke="#52606d"/>'
            f'<text x="{x2 - 22}" y="{y2 + 4}" font-size="11" text-anchor="middle" '
            f'font-weight="700">{escape(edge.label if len(edge.label) <= 2 else "→")}</text></g>'
        )
    for box in boxes.values():
        target = link(box.id)
        extra = ", ".join(box.back)
        out.append(
            f'<a href="{escape(target)}" class="node" data-node="{escape(box.id)}">'
            f"<title>{escape(box.title)}: {escape(box.subtitle)}</title>"
            f'<rect x="{box.x}" y="{box.y}" width="{BOX_W}" height="{BOX_H}" rx="8" '
            f'fill="{FILL.get(box.kind, "#fff")}" stroke="#1f2933" stroke-width="1.5"/>'
            f'<text x="{box.x + 8}" y="{box.y + 19}" font-size="13" font-weight="700" '
            f'fill="#111">{escape(_cut(box.title))}</text>'
            f'<text x="{box.x + 8}" y="{box.y + 37}" font-size="12" fill="#1f2933">'
            f"{escape(_cut(box.subtitle))}</text>"
            f'<text x="{box.x + 8}" y="{box.y + 54}" font-size="11" fill="#52606d">'
            f"{escape(_cut(extra))}</text></a>"
        )
    out.append("</svg>")
    return Markup("".join(out))
