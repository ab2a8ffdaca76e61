"""The console page "What callers need": what the privacy-safe counts say, over a date range.

Four charts, drawn here as SVG (nothing is fetched from the internet; the console's security
policy allows no outside script or style): situations chosen per language and day, transfer
outcomes per organization, where callers give up, texts sent. A CSV export gives the same
totals.

Small numbers must not point at a person, on the page (tables, chart labels, bar sizes) and in
the CSV alike: every count is shown through :func:`shown` (0, "<5" for 1 to 4, and from 5 on
rounded to the nearest 5). Hiding the small cells alone would not do: "answered 19" minus
"Spanish 14" gave the hidden other languages away. Rounding every number, totals included,
leaves each shown number uncertain by up to 2 either way, so a difference of shown numbers
is uncertain by 4 or more and never tells a hidden cell (tests/test_needs_privacy.py tries).

A blueprint of its own at /admin/needs (``init_app(app)``, from ``create_app``) behind the
console's login, linked from the console's navigation.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    has_app_context,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup, escape

from ..content.model import ContentPack, NodeKind
from ..counts import read_counts

bp = Blueprint("needs", __name__, url_prefix="/admin/needs", template_folder="templates")

SUPPRESS_BELOW = 5
ROUND_TO = 5
DEFAULT_DAYS = 30
MAX_DAYS = 366
CSP = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"
# Distinct to people with the common colour-vision deficiencies (Okabe-Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#666666", "#000")
OUTCOMES = ("completed", "busy", "no-answer", "failed", "canceled", "other", "hung_up")


def _(text: str, **values: Any) -> str:
    """flask_babel.gettext when the console has set up Flask-Babel, else the English text.
    Strings are marked with `_` so the console's catalogs extract them."""
    if has_app_context() and "babel" in current_app.extensions:
        from flask_babel import gettext

        return gettext(text, **values)
    return text % values if values else text


# -- from count rows to what the page shows ------------------------------------------------------


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


def place_name(pack: ContentPack, node_id: str) -> str:
    """A node as staff know it: the situation or page it belongs to."""
    if node_id == "language":
        return _("Choosing a language")
    node = pack.flow.nodes.get(node_id)
    if node is None:
        return node_id
    names = {n: name for name, n in {**pack.situations(), **pack.references()}.items()}
    if node.id == pack.flow.main:
        return _("Main menu")
    if node.id == pack.flow.help:
        return _("Help")
    if node.repeat in names:
        return _("After the information: %(name)s", name=names[node.repeat])
    if node.repeat:
        return _("After the information: %(name)s", name=node.repeat)
    if node.kind is NodeKind.TRANSFER and node.number in pack.numbers:
        org = _org_name(pack, pack.numbers[node.number].org)
        return _("While calling %(org)s", org=org)
    return node_id


# -- SVG -------------------------------------------------------------------------------------


# -- what may be shown -------------------------------------------------------------------------


def rounded(count: int) -> int:
    """From SUPPRESS_BELOW on, the nearest multiple of ROUND_TO (7 -> 5, 8 -> 10)."""
    return (count + ROUND_TO // 2) // ROUND_TO * ROUND_TO


def shown(count: int) -> str:
    """A count as anyone may see it: "0", "<5" for 1 to 4, else rounded to the nearest 5."""
    if count <= 0:
        return "0"
    if count < SUPPRESS_BELOW:
        return f"<{SUPPRESS_BELOW}"
    return str(rounded(count))


def drawn(count: int) -> float:
    """A bar's size: the shown number (half of SUPPRESS_BELOW for "<5"), never the count."""
    if count <= 0:
        return 0.0
    if count < SUPPRESS_BELOW:
        return SUPPRESS_BELOW / 2
    return float(rounded(count))


def _svg(width: int, height: int, label: str, body: Sequence[str]) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-label="{escape(label)}" class="chart">'
        f"<title>{escape(label)}</title>{''.join(body)}</svg>"
    )


def grouped_bars(
    label: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[int]]]
) -> Markup:
    """Vertical bars: one group per category (a day), one bar per series (a language)."""
    width, height, left, bottom, top = 900, 300, 50, 60, 20
    top_value = max([drawn(v) for _, values in series for v in values] + [SUPPRESS_BELOW])
    plot_w, plot_h = width - left - 10, height - top - bottom
    group_w = plot_w / max(len(categories), 1)
    bar_w = max(group_w * 0.8 / max(len(series), 1), 1)
    body = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" '
        'stroke="#333"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" font-size="12">'
        f"{top_value:g}</text>",
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" font-size="12">0</text>',
    ]
    every = max(1, len(categories) // 10)
    for i, category in enumerate(categories):
        x0 = left + i * group_w + group_w * 0.1
        for s, (name, values) in enumerate(series):
            value = values[i]
            if not value:
                continue
            h = plot_h * drawn(value) / top_value
            body.append(
                f'<rect x="{x0 + s * bar_w:.1f}" y="{top + plot_h - h:.1f}" '
                f'width="{bar_w:.1f}" height="{h:.1f}" fill="{PALETTE[s % len(PALETTE)]}">'
                f"<title>{escape(category)} · {escape(name)}: {escape(shown(value))}</title></rect>"
            )
        if i % every == 0:
            body.append(
                f'<text x="{x0:.1f}" y="{top + plot_h + 16}" font-size="11">'
                f"{escape(category[5:])}</text>"
            )
    x = left
    for s, (name, _values) in enumerate(series):
        body.append(
            f'<rect x="{x}" y="{height - 22}" width="14" height="14" '
            f'fill="{PALETTE[s % len(PALETTE)]}"/>'
            f'<text x="{x + 20}" y="{height - 10}" font-size="13">{escape(name)}</text>'
        )
        x += _legend_width(name)
    return _svg(width, height, label, body)


def _legend_width(name: str) -> int:
    return 40 + int(len(name) * 7.5)  # a 13 px system font, generously


def stacked_rows(
    label: str,
    rows: Sequence[tuple[str, Sequence[tuple[str, int]]]],
    parts: Sequence[str] = (),
) -> Markup:
    """Horizontal bars, one per row (an organization, a place), split into `parts` (each part
    keeps its colour whichever rows have it)."""
    width, row_h, left = 900, 28, 330
    found = list(dict.fromkeys(name for _, values in rows for name, _ in values))
    everyone = list(dict.fromkeys([*parts, *found]))
    colour = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(everyone)}
    parts = [name for name in everyone if name in found]
    top_value = max([drawn(sum(v for _, v in values)) for _, values in rows] + [SUPPRESS_BELOW])
    height = 30 + row_h * len(rows) + (30 if len(parts) > 1 else 0)
    body = []
    for r, (name, values) in enumerate(rows):
        y = 10 + r * row_h
        body.append(
            f'<text x="{left - 8}" y="{y + 17}" text-anchor="end" font-size="13">'
            f"{escape(name)}</text>"
        )
        x = float(left)
        total = sum(v for _, v in values)
        # The parts split the shown total's length (sizes never tell a count).
        length = (width - left - 60) * drawn(total) / top_value
        sizes = sum(drawn(v) for _, v in values) or 1
        for part, value in values:
            w = length * drawn(value) / sizes
            if value:
                body.append(
                    f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" '
                    f'fill="{colour[part]}"><title>{escape(name)} · {escape(part)}: '
                    f"{escape(shown(value))}</title></rect>"
                )
            x += w
        body.append(
            f'<text x="{x + 6:.1f}" y="{y + 17}" font-size="13">{escape(shown(total))}</text>'
        )
    if len(parts) > 1:
        y, x = 20 + row_h * len(rows), 10
        for part in parts:
            body.append(
                f'<rect x="{x}" y="{y}" width="14" height="14" fill="{colour[part]}"/>'
                f'<text x="{x + 20}" y="{y + 12}" font-size="13">{escape(part)}</text>'
            )
            x += _legend_width(part)
    return _svg(width, height, label, body)


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


def charts(needs: Needs) -> dict[str, Markup]:
    days = [d.isoformat() for d in needs.days]
    by_lang = [
        (name, [sum(c[(d, code)] for c in needs.situations.values()) for d in needs.days])
        for code, name in needs.languages
    ]
    names = outcome_names()
    transfers = [
        (org, [(names[o], outcomes[o]) for o in OUTCOMES if outcomes[o]])
        for org, outcomes in sorted(
            needs.transfers.items(), key=lambda kv: (-drawn(sum(kv[1].values())), kv[0])
        )
    ]
    # In order of the shown numbers (the exact ones would tell which of two "<5" is larger).
    places = sorted(needs.gave_up.items(), key=lambda kv: (-drawn(kv[1]), kv[0]))[:15]
    gave_up = [(place, [(_("calls"), n)]) for place, n in places]
    text_kinds = (
        ("sent", _("sent")),
        ("failed", _("could not be sent")),
        ("over_quota", _("refused: 3 already that day")),
    )
    texts = [
        (label, [needs.texts.get(d, Counter())[kind] for d in days]) for kind, label in text_kinds
    ]
    return {
        "situations": grouped_bars(_("Situations chosen per day, by language"), days, by_lang),
        "transfers": stacked_rows(
            _("Transfers per organization, by outcome"),
            transfers,
            [names[o] for o in OUTCOMES],
        ),
        "gave_up": stacked_rows(_("Where callers hung up"), gave_up),
        "texts": grouped_bars(_("Text messages per day"), days, texts),
    }


# -- CSV ---------------------------------------------------------------------------------------


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


# -- the pages -----------------------------------------------------------------------------------


def _engine():
    db = current_app.extensions.get("db")
    if db is not None:
        return db.engine
    counts = current_app.extensions.get("counts")
    return counts.engine if counts is not None else None


def date_range() -> tuple[date, date]:
    """?start=YYYY-MM-DD&end=YYYY-MM-DD; the last 30 days by default, at most a year."""
    today = datetime.now(UTC).date()

    def parse(name: str, default: date) -> date:
        try:
            return date.fromisoformat(request.args.get(name, ""))
        except ValueError:
            return default

    end = parse("end", today)
    start = parse("start", end - timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        start, end = end, start
    return max(start, end - timedelta(days=MAX_DAYS - 1)), end


def _rows(start: date, end: date) -> list[Any]:
    counts = current_app.extensions.get("counts")
    if counts is not None:
        counts.flush()  # this worker's latest totals, so the page is up to date
    engine = _engine()
    return read_counts(engine, start, end) if engine is not None else []


@bp.before_request
def staff_only() -> Response | None:
    from .web import bad_query

    if (refused := bad_query()) is not None:
        return refused
    if not g.get("staff_user"):
        return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
    return None


@bp.after_request
def headers(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Content-Security-Policy", CSP)
    return response


@bp.get("/")
def page() -> str:
    start, end = date_range()
    pack = current_app.extensions["content"].current()
    needs = summarize(_rows(start, end), pack, start, end)
    return render_template(
        "console/needs.html",
        start=start,
        end=end,
        needs=needs,
        charts=charts(needs),
        outcome_names=outcome_names(),
        outcomes=OUTCOMES,
        shown=shown,
        _=_,
    )


@bp.get("/counts.csv")
def export() -> Response:
    start, end = date_range()
    body = csv_text(_rows(start, end))
    name = f"what-callers-need_{start.isoformat()}_{end.isoformat()}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def init_app(app: Flask) -> None:
    """Register the page at /admin/needs (after the console, whose login it uses)."""
    if bp.name not in app.blueprints:
        app.register_blueprint(bp)


__all__ = ["bp", "csv_text", "init_app", "shown", "summarize", "suppressed"]
