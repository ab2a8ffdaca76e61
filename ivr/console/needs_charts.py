"""The "What callers need" page's four charts, drawn here as SVG (nothing is fetched from the
internet; the console's security policy allows no outside script or style): situations chosen
per language and day, transfer outcomes per organization, where callers give up, texts sent.
Labels and bar sizes come from the rounded numbers only (``needs_rounding.py``).
"""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Sequence

from markupsafe import Markup, escape

from .needs_counts import OUTCOMES, Needs, _, language_label, outcome_names
from .needs_rounding import SUPPRESS_BELOW, drawn, shown

# Distinct to people with the common colour-vision deficiencies (Okabe-Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#666666", "#000")

# Charts are drawn at the width they are shown on a phone (main column of a 390 px screen),
# in CSS pixels, and never scaled up: their words are the size of the page's own text.
CHART_WIDTH = 360
FONT = 14  # px, like the page's small text
CHAR_WIDTH = 7.6  # px per character of a 14 px system font, generously


def _svg(width: int, height: int, label: str, body: Sequence[str]) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-label="{escape(label)}" class="chart">'
        f"<title>{escape(label)}</title>{''.join(body)}</svg>"
    )


def _text_lines(text: str, width: float) -> list[str]:
    return textwrap.wrap(text, max(8, int(width / CHAR_WIDTH))) or [""]


def _legend(
    names: Sequence[str], colours: Sequence[str], y: int, width: int
) -> tuple[list[str], int]:
    """Legend items left to right, on as many rows as they need; the SVG and its height."""
    body, x, row = [], 0.0, 0
    for name, colour in zip(names, colours, strict=True):
        wide = 24 + len(name) * CHAR_WIDTH
        if x and x + wide > width:
            x, row = 0.0, row + 1
        top = y + row * (FONT + 8)
        body.append(
            f'<rect x="{x:.0f}" y="{top}" width="14" height="14" fill="{colour}"/>'
            f'<text x="{x + 20:.0f}" y="{top + 12}" font-size="{FONT}">{escape(name)}</text>'
        )
        x += wide + 12
    return body, (row + 1) * (FONT + 8) if names else 0


def grouped_bars(
    label: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[int]]]
) -> Markup:
    """Vertical bars: one group per category (a day), one bar per series (a language)."""
    width, plot_h, left, top = CHART_WIDTH, 170, 34, 10
    top_value = max([drawn(v) for _, values in series for v in values] + [SUPPRESS_BELOW])
    plot_w = width - left - 4
    group_w = plot_w / max(len(categories), 1)
    bar_w = max(group_w * 0.8 / max(len(series), 1), 1)
    base = top + plot_h
    body = [
        f'<line x1="{left}" y1="{base}" x2="{width - 4}" y2="{base}" stroke="#333"/>',
        f'<text x="{left - 4}" y="{top + FONT - 2}" text-anchor="end" font-size="{FONT}">'
        f"{top_value:g}</text>",
        f'<text x="{left - 4}" y="{base}" text-anchor="end" font-size="{FONT}">0</text>',
    ]
    # A day label ("12-04") every few days, as many as fit without touching.
    every = max(1, -(-int(5 * CHAR_WIDTH + 6) // max(int(group_w), 1)))
    for i, category in enumerate(categories):
        x0 = left + i * group_w + group_w * 0.1
        for s, (name, values) in enumerate(series):
            value = values[i]
            if not value:
                continue
            h = plot_h * drawn(value) / top_value
            body.append(
                f'<rect x="{x0 + s * bar_w:.1f}" y="{base - h:.1f}" '
                f'width="{bar_w:.1f}" height="{h:.1f}" fill="{PALETTE[s % len(PALETTE)]}">'
                f"<title>{escape(category)} · {escape(name)}: {escape(shown(value))}</title></rect>"
            )
        if i % every == 0:
            body.append(
                f'<text x="{x0:.1f}" y="{base + FONT + 4}" font-size="{FONT}">'
                f"{escape(category[5:])}</text>"
            )
    names = [name for name, _values in series]
    legend, legend_h = _legend(
        names, [PALETTE[s % len(PALETTE)] for s in range(len(names))], base + FONT + 16, width
    )
    return _svg(width, base + FONT + 16 + legend_h, label, body + legend)


def _legend_width(name: str) -> int:
    return 40 + int(len(name) * CHAR_WIDTH)


def stacked_rows(
    label: str,
    rows: Sequence[tuple[str, Sequence[tuple[str, int]]]],
    parts: Sequence[str] = (),
) -> Markup:
    """Horizontal bars, one per row (an organization, a place), split into `parts` (each part
    keeps its colour whichever rows have it). Each row's name is written above its bar, on
    as many lines as it needs, so long names are never cut."""
    width, bar_h, line_h = CHART_WIDTH, 16, FONT + 4
    found = list(dict.fromkeys(name for _, values in rows for name, _ in values))
    everyone = list(dict.fromkeys([*parts, *found]))
    colour = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(everyone)}
    parts = [name for name in everyone if name in found]
    top_value = max([drawn(sum(v for _, v in values)) for _, values in rows] + [SUPPRESS_BELOW])
    bar_room = width - 50  # the total is written after the bar
    body = []
    y = 4
    for name, values in rows:
        for line in _text_lines(name, width):
            y += line_h
            body.append(f'<text x="0" y="{y - 4}" font-size="{FONT}">{escape(line)}</text>')
        x = 0.0
        total = sum(v for _, v in values)
        # The parts split the shown total's length (sizes never tell a count).
        length = bar_room * drawn(total) / top_value
        sizes = sum(drawn(v) for _, v in values) or 1
        for part, value in values:
            w = length * drawn(value) / sizes
            if value:
                body.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                    f'fill="{colour[part]}"><title>{escape(name)} · {escape(part)}: '
                    f"{escape(shown(value))}"
                    "</title></rect>"
                )
            x += w
        body.append(
            f'<text x="{x + 6:.1f}" y="{y + bar_h - 3}" font-size="{FONT}">'
            f"{escape(shown(total))}</text>"
        )
        y += bar_h + 10
    legend_h = 0
    if len(parts) > 1:
        legend, legend_h = _legend(parts, [colour[p] for p in parts], y + 4, width)
        body += legend
    return _svg(width, y + 4 + legend_h, label, body)


def charts(needs: Needs) -> dict[str, Markup]:
    days = [d.isoformat() for d in needs.days]
    by_lang = [
        (
            language_label(code, name),
            [sum(c[(d, code)] for c in needs.situations.values()) for d in needs.days],
        )
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
