"""From the privacy-safe count rows to what the "What callers need" page is about: the totals
(:func:`summarize`) and the names staff know the parts of a call, languages and transfer
outcomes by, in their own language.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import current_app, has_app_context, has_request_context

from ..content.model import ContentPack, NodeKind

OUTCOMES = ("completed", "busy", "no-answer", "failed", "canceled", "other", "hung_up")


def _(text: str, **values: Any) -> str:
    """flask_babel.gettext when the console has set up Flask-Babel, else the English text.
    Strings are marked with `_` so the console's catalogs extract them."""
    if has_app_context() and "babel" in current_app.extensions:
        from flask_babel import gettext

        return gettext(text, **values)
    return text % values if values else text


class _NoTitles:
    @staticmethod
    def situation(name: str) -> str:
        return name


@dataclass
class Needs:
    days: list[date]
    languages: list[tuple[str, str]]  # (code, name)
    situations: dict[str, Counter] = field(default_factory=dict)  # situation -> (day, lang)
    situation_totals: Counter = field(default_factory=Counter)  # (situation, lang)
    transfers: dict[str, Counter] = field(default_factory=dict)  # org name -> outcome
    gave_up: Counter = field(default_factory=Counter)  # place -> calls
    texts: dict[str, Counter] = field(default_factory=dict)  # day -> sent/failed/over_quota
    calls: int = 0


def summarize(rows: Iterable[Any], pack: ContentPack, start: date, end: date) -> Needs:
    """Totals for the page from `counts` rows (day, lang, node, event, detail, count)."""
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    needs = Needs(days, [(lang.code, lang.name) for lang in pack.languages])
    situations = {node: name for name, node in pack.situations().items()}
    offered: Counter = Counter()
    started: Counter = Counter()
    for day, lang, node, event, detail, count in rows:
        if event == "call_answered":
            needs.calls += count
        elif event == "chosen" and node in situations:
            needs.situations.setdefault(situations[node], Counter())[(day, lang)] += count
            needs.situation_totals[(situations[node], lang)] += count
        elif event in ("menu_offered", "transfer_started"):
            offered[node] += count
            if event == "transfer_started":
                started[(node, detail)] += count
        elif event == "menu_reply":
            offered[node] -= count
        elif event.startswith("transfer_"):
            offered[node] -= count
            started[(node, detail)] -= count
            org = _org_name(pack, detail)
            needs.transfers.setdefault(org, Counter())[event.removeprefix("transfer_")] += count
        elif event in ("sms_sent", "sms_failed", "sms_over_quota"):
            texts = needs.texts.setdefault(day.isoformat(), Counter())
            texts[event.removeprefix("sms_")] += count
    for (_node, org), count in started.items():
        if count > 0:
            needs.transfers.setdefault(_org_name(pack, org), Counter())["hung_up"] += count
    for node, count in offered.items():
        if count > 0:
            needs.gave_up[place_name(pack, node)] += count
    return needs


def _org_name(pack: ContentPack, org_id: str) -> str:
    org = pack.organizations.get(org_id)
    return org.name if org else org_id or "?"


def _titles(pack: ContentPack) -> Any:
    """The console's names of the parts of the call, in the staffer's language (as callers
    hear them: "MPP, Quédate en México, caso activo", "Tijuana y San Diego"), while a page is
    being made; None in plain code, which keeps the pack's own names."""
    if has_request_context() and "babel" in current_app.extensions:
        from .names import namer

        return namer(pack)
    return None


def language_label(code: str, name: str) -> str:
    """A line's language named in the staffer's language ("Criollo haitiano")."""
    if has_request_context() and "babel" in current_app.extensions:
        from .i18n import language_name

        found = language_name(code)
        return found[:1].upper() + found[1:] if found != code else name
    return name


def place_name(pack: ContentPack, node_id: str) -> str:
    """A node as staff know it: the situation or page it belongs to."""
    if node_id == "language":
        return _("Choosing a language")
    node = pack.flow.nodes.get(node_id)
    if node is None:
        return node_id
    titles = _titles(pack)
    names = {n: name for name, n in {**pack.situations(), **pack.references()}.items()}
    if node.id == pack.flow.main:
        return _("Main menu")
    if node.id == pack.flow.help:
        return _("Help")
    if node.repeat:
        about = titles.title(node.repeat) if titles else names.get(node.repeat, node.repeat)
        return _("After the information: %(name)s", name=about)
    if node.kind is NodeKind.TRANSFER and node.number in pack.numbers:
        org = _org_name(pack, pack.numbers[node.number].org)
        return _("While calling %(org)s", org=org)
    return titles.title(node_id) if titles else node_id


def outcome_names() -> dict[str, str]:
    return {
        "completed": _("answered"),
        "busy": _("busy"),
        "no-answer": _("no answer"),
        "failed": _("failed"),
        "canceled": _("cancelled"),
        "other": _("other"),
        "hung_up": _("caller hung up while it rang"),
    }
