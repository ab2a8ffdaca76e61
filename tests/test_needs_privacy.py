"""Counts stay private on every page (issue #20, item 3): the tables, the charts' labels and
bar sizes, and the CSV never show a count from 1 to 4, and no hidden count can be worked out by
subtracting shown numbers (the red team's "answered 19 − Spanish 14")."""

from __future__ import annotations

import csv
import html
import io
import itertools
import re
from datetime import UTC, datetime

import pytest

from ivr import create_app
from ivr.console.needs_rounding import shown

PASSWORD = "correct horse battery"
TODAY = datetime.now(UTC).date().isoformat()


def could_be(text: str) -> range:
    """Every true count a shown number may stand for."""
    if text == "0":
        return range(0, 1)
    if text == "<5":
        return range(1, 5)
    value = int(text)
    return range(max(5, value - 2), value + 3)


def test_every_count_stands_for_several_and_a_difference_never_tells_a_small_one():
    assert [shown(n) for n in (0, 1, 4, 5, 7, 8, 12, 13, 19)] == [
        "0", "<5", "<5", "5", "5", "10", "10", "15", "20"
    ]
    for part in range(5, 200):
        for hidden in range(1, 5):
            total = part + hidden
            possible = {
                t - p
                for t in could_be(shown(total))
                for p in could_be(shown(part))
                if 1 <= t - p <= 4
            }
            assert hidden in possible and len(possible) >= 2, (total, part, possible)


@pytest.fixture
def app(tmp_path):
    app = create_app(
        {"ENV": {"HOTLINE_ENV": "development", "DATA_DIR": str(tmp_path)}, "TESTING": True}
    )
    app.extensions["staff"].add("maria", PASSWORD)
    app.extensions["staff"].set_language("maria", "en")
    return app


@pytest.fixture
def staff(app):
    client = app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/admin/login", data={"name": "maria", "password": PASSWORD, "csrf_token": token})
    return client


def test_the_red_teams_subtraction_finds_nothing(app, staff):
    counts = app.extensions["counts"]
    # 19 calls: 14 chose a situation in Spanish, 3 in Kreyòl, 2 in English.
    counts.add("", "", "call_answered", n=19)
    for lang, n in (("es", 14), ("ht", 3), ("en", 2)):
        counts.add(lang, "language", "language_chosen", n=n)
        counts.add(lang, "mpp_active", "chosen", n=n)
    counts.add("es", "t_kind", "transfer_started", "kind", n=6)
    counts.add("es", "t_kind", "transfer_completed", "kind", n=4)
    counts.add("es", "t_kind", "transfer_busy", "kind", n=2)

    page = staff.get("/admin/needs/").get_data(as_text=True)
    export = staff.get("/admin/needs/counts.csv").get_data(as_text=True)
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))

    # No exact count shows anywhere: not in words, not in a chart's labels or titles.
    answered = re.search(r"Calls answered: (\S+)", text)[1]
    spanish = re.search(rf"{TODAY} · Spanish: (\S+)", text)[1]
    kreyol = re.search(rf"{TODAY} · Haitian Creole: (\S+)", text)[1]
    english = re.search(rf"{TODAY} · English: (\S+)", text)[1]
    assert (answered, spanish, kreyol, english) == ("20", "15", "<5", "<5")
    values = re.findall(r" · [^:]+: (\S+)", text) + re.findall(r"<td>([^<]*)</td>", page)
    values += [answered] + [row[5] for row in csv.reader(io.StringIO(export))][1:]
    values += re.findall(r'font-size="1[23]">(\d+)</text>', page)  # axis tops, row totals
    assert values and not {"1", "2", "3", "4", "6", "14", "19"} & set(values), values
    # The bars' sizes are those of the shown numbers: Kreyòl's and English's bars are the
    # same height (a size would otherwise tell 3 from 2).
    bars = re.findall(r'height="([\d.]+)" fill="[^"]+"><title>' + TODAY + r" · ([^:]+):", page)
    heights = {name: height for height, name in bars}
    assert {"Spanish", "English"} <= set(heights)
    assert len({h for name, h in heights.items() if "Spanish" not in name}) == 1

    rows = list(csv.reader(io.StringIO(export)))[1:]
    # Day, language, part, what happened, detail, count, then the ids.
    cells = {(row[6], row[7], row[8]): row[5] for row in rows}
    assert cells[("", "", "call_answered")] == "20"
    assert cells[("es", "language", "language_chosen")] == "15"
    assert cells[("ht", "language", "language_chosen")] == "<5"

    # The subtraction: every true split that agrees with everything shown. Kreyòl and
    # English can each still be anything from 1 to 4.
    splits = [
        (es, ht, en)
        for total in could_be(answered)
        for es, ht, en in itertools.product(could_be(spanish), could_be(kreyol), could_be(english))
        if es + ht + en == total
    ]
    assert {ht for _, ht, _ in splits} == {1, 2, 3, 4}
    assert {en for _, _, en in splits} == {1, 2, 3, 4}


def test_a_table_row_with_one_small_cell_keeps_it_hidden(app, staff):
    counts = app.extensions["counts"]
    counts.add("es", "t_kind", "transfer_started", "kind", n=12)
    counts.add("es", "t_kind", "transfer_completed", "kind", n=9)
    counts.add("es", "t_kind", "transfer_busy", "kind", n=3)
    page = staff.get("/admin/needs/").get_data(as_text=True)
    row = re.search(r'<th scope="row">KIND[^<]*</th>(.*?)</tr>', page, re.S)[1]
    cells = [html.unescape(c) for c in re.findall(r"<td>([^<]*)</td>", row)]
    assert cells == ["10", "<5", "0", "0", "0", "0", "0"]
    # The chart's row total is the shown one (12 -> 10), and its bar parts carry shown labels.
    assert "KIND (Kids in Need of Defense) · answered: 10" in page
    assert "KIND (Kids in Need of Defense) · busy: &lt;5" in page
    assert re.search(r'font-size="14">10</text>', page)
