"""The call flow: a picture (Graphviz) whose parts open their prompts, and the same flow as a
list, for screen readers, small screens and reading the words in one language."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, request, url_for
from flask_babel import get_locale

from ...content.model import ContentPack
from .. import phones
from ..common import live_names, live_pack
from ..flowsvg import FILL, FONT_SIZE, FlowUnavailable, flow_svg
from ..names import Namer
from ..web import bp


@bp.get("/flow")
def flow() -> str:
    pack = live_pack()
    names = live_names()
    lang = _lang(pack, request.args.get("lang") or names.lang)
    try:
        svg = flow_svg(
            pack, names, lambda nid: url_for("console.coverage", node=nid), str(get_locale())
        )
    except FlowUnavailable:
        current_app.logger.exception("graphviz could not draw the flow")
        svg = None
    return render_template(
        "console/flow/flow.html",
        pack=pack,
        svg=svg,
        fill=FILL,
        font_size=FONT_SIZE,
        lang=lang,
        outline=_outline(pack, names, lang),
    )


def _outline(pack: ContentPack, names: Namer, lang: str) -> list[dict[str, Any]]:
    """The same flow as a list, for screen readers, small screens and reading the words."""
    texts = pack.texts(lang)
    out = []
    for node in pack.flow.nodes.values():
        number = pack.numbers.get(node.number or "")
        out.append(
            {
                "id": node.id,
                "title": names.title(node.id),
                "says": [texts[p] for p in node.prompts if p in texts],
                "options": [
                    (o.key, texts.get(o.prompt, ""), o.goto, names.title(o.goto))
                    for o in node.options
                ],
                "next": (node.next, names.title(node.next)) if node.next else None,
                "transfer": (
                    f"{names.organization(number.id)}, {phones.pretty(number.e164)}"
                    if number
                    else None
                ),
            }
        )
    return out


def _lang(pack: ContentPack, code: str | None) -> str:
    if code and pack.language(code):
        return code
    return pack.default_language.code
