"""The "What callers need" CSV export: the same totals as the page, every count rounded as the
page shows it, with plain column names and values in the staffer's language.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable
from typing import Any

from ..content.model import ContentPack
from .needs_counts import _, _org_name, _titles, language_label, outcome_names, place_name
from .needs_rounding import shown


def suppressed(count: int) -> str:
    """The CSV's cell: the same as the page shows (:func:`shown`)."""
    return shown(count)


def _cell(value: str) -> str:
    # A spreadsheet must not run a cell as a formula.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def csv_text(rows: Iterable[Any]) -> str:
    totals: Counter = Counter()
    for day, lang, node, event, detail, count in rows:
        totals[(day.isoformat(), lang, node, event, detail)] += count
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["day", "language", "node", "event", "detail", "count"])
    for key in sorted(totals):
        writer.writerow([_cell(v) for v in key] + [suppressed(totals[key])])
    return out.getvalue()


def _event_words(event: str, detail: str) -> tuple[str, str]:
    """A count's event and detail in plain words: ("transfer", "busy")."""
    outcomes = outcome_names()
    words = {
        "call_answered": _("call answered"),
        "call_ended": _("call ended"),
        "language_chosen": _("language chosen"),
        "menu_offered": _("menu played"),
        "menu_reply": _("caller answered the menu"),
        "chosen": _("option chosen"),
        "repeated": _("heard it again"),
        "helped_after_silence": _("offered help after no valid key"),
        "ended_by_key": _("ended the call with a key"),
        "transfer_started": _("transfer started"),
        "sms_sent": _("text message sent"),
        "sms_failed": _("text message could not be sent"),
        "sms_over_quota": _("text message refused: 3 already that day"),
    }
    replies = {
        "silence": _("pressed nothing"),
        "invalid": _("a key that does nothing"),
        "wrong_key": _("a key that does nothing"),
        "key": _("a key"),
    }
    if event.startswith("transfer_") and event.removeprefix("transfer_") in outcomes:
        return _("transfer: %(outcome)s", outcome=outcomes[event.removeprefix("transfer_")]), ""
    if event == "call_ended":
        return words[event], outcomes.get(detail, detail)
    return words.get(event, event.replace("_", " ")), replies.get(detail, "")


def plain_csv(text: str, pack: ContentPack) -> str:
    """The CSV with plain column names and values in the staffer's language (day, language,
    part of the call, what happened, organization or answer, count), the ids after them as
    extra columns for anyone who needs them. Columns it does not know are kept as they are."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return text
    header, body = rows[0], rows[1:]
    col = {name: i for i, name in enumerate(header)}
    ids = ("day", "language", "node", "event", "detail", "count")
    if not all(name in col for name in ids):
        return text
    titles = _titles(pack)
    languages = {lang.code: language_label(lang.code, lang.name) for lang in pack.languages}
    extra = [name for name in header if name not in ids]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            _("Day"),
            _("Language"),
            _("Part of the call"),
            _("What happened"),
            _("Organization or answer"),
            _("Count"),
            *extra,
            _("language code"),
            _("part id"),
            _("event id"),
            _("detail id"),
        ]
    )
    for row in body:
        lang, node, event, detail = (row[col[k]] for k in ("language", "node", "event", "detail"))
        raw_node = node.lstrip("'")  # _cell() guards formulas with a quote
        if raw_node in pack.flow.nodes or raw_node == "language":
            part = place_name(pack, raw_node)
            if event == "chosen" and titles is not None and raw_node in pack.flow.nodes:
                part = titles.title(raw_node)
        else:
            part = node
        what, answer = _event_words(event, detail)
        if detail in pack.organizations:
            answer = _org_name(pack, detail)
        writer.writerow(
            [
                row[col["day"]],
                languages.get(lang, lang),
                _cell(part),
                what,
                _cell(answer or detail),
                row[col["count"]],
                *(row[col[name]] for name in extra),
                lang,
                node,
                event,
                detail,
            ]
        )
    return out.getvalue()
