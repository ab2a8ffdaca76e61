"""What the "What callers need" page may show of a count: every number goes through
:func:`shown` (or :func:`drawn` for a bar's size) before anyone sees it.

Small numbers must not point at a person, on the page (tables, chart labels, bar sizes) and in
the CSV alike: every count is shown through :func:`shown` (0, "<5" for 1 to 4, and from 5 on
rounded to the nearest 5). Hiding the small cells alone would not do: "answered 19" minus
"Spanish 14" gave the hidden other languages away. Rounding every number, totals included,
leaves each shown number uncertain by up to 2 either way, so a difference of shown numbers
is uncertain by 4 or more and never tells a hidden cell (tests/test_needs_privacy.py tries).
"""

from __future__ import annotations

SUPPRESS_BELOW = 5
ROUND_TO = 5


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
