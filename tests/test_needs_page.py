"""The console page "What callers need": charts of the counts, and a CSV that hides small ones."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from ivr import create_app
from ivr.console import needs_counts, needs_csv

PASSWORD = "correct horse battery"
TODAY = datetime.now(UTC).date()


@pytest.fixture
def app(tmp_path):
    app = create_app(
        {"ENV": {"HOTLINE_ENV": "development", "DATA_DIR": str(tmp_path)}, "TESTING": True}
    )
    app.extensions["staff"].add("maria", PASSWORD)
    app.extensions["staff"].set_language("maria", "en")  # the words asserted below
    return app


@pytest.fixture
def staff(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # the words asserted below
    page = client.get("/admin/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/admin/login", data={"name": "maria", "password": PASSWORD, "csrf_token": csrf})
    return client


def add(app, lang, node, event, detail="", n=1):
    app.extensions["counts"].add(lang, node, event, detail, n)


def test_the_page_is_for_logged_in_staff_only(app):
    reply = app.test_client().get("/admin/needs/")
    assert reply.status_code == 302 and "/admin/login" in reply.headers["Location"]
    assert app.test_client().get("/admin/needs/counts.csv").status_code == 302


def test_the_page_draws_each_chart_as_svg_from_the_counts(app, staff):
    add(app, "", "", "call_answered", n=12)
    add(app, "es", "mpp_active", "chosen", n=7)
    add(app, "ht", "children", "chosen", n=3)
    add(app, "es", "t_kind", "transfer_started", "kind", n=4)
    add(app, "es", "t_kind", "transfer_busy", "kind", n=3)
    add(app, "es", "main", "menu_offered", n=9)
    add(app, "es", "main", "menu_reply", "key", n=6)
    add(app, "es", "mpp_active_menu", "sms_sent", n=2)
    reply = staff.get("/admin/needs/")
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200
    assert "script-src" not in reply.headers["Content-Security-Policy"]
    assert html.count("<svg") == 4
    assert "Calls answered: 10" in html
    # Situations and languages as the staffer reads them (English here), not flow.yaml's ids.
    assert "MPP, Remain in Mexico, active case" in html and "Child traveling alone" in html
    assert "active MPP case" not in html
    assert f"{TODAY.isoformat()} · Spanish: 5" in html  # the bar's own label
    assert "KIND (Kids in Need of Defense) · busy: &lt;5" in html
    assert "caller hung up while it rang: &lt;5" in html  # 4 rang, 3 reported
    assert "Main menu · calls: &lt;5" in html  # 9 played, 6 answered
    assert "sent: &lt;5" in html


def test_the_csv_shows_counts_rounded_and_under_five_as_less_than_five(app, staff):
    add(app, "es", "mpp_active", "chosen", n=8)
    add(app, "ht", "children", "chosen", n=3)
    add(app, "en", "t_kind", "transfer_failed", "kind", n=5)
    reply = staff.get("/admin/needs/counts.csv")
    assert reply.mimetype == "text/csv"
    assert "attachment" in reply.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(reply.get_data(as_text=True))))
    day = TODAY.isoformat()
    # Plain column names and words first, the ids after them.
    assert rows == [
        [
            "Day",
            "Language",
            "Part of the call",
            "What happened",
            "Organization or answer",
            "Count",
            "language code",
            "part id",
            "event id",
            "detail id",
        ],
        [
            day,
            "English",
            "While calling KIND (Kids in Need of Defense)",
            "transfer: failed",
            "KIND (Kids in Need of Defense)",
            "5",
            "en",
            "t_kind",
            "transfer_failed",
            "kind",
        ],
        [
            day,
            "Spanish",
            "MPP, Remain in Mexico, active case",
            "option chosen",
            "",
            "10",
            "es",
            "mpp_active",
            "chosen",
            "",
        ],
        [
            day,
            "Haitian Creole",
            "Child traveling alone",
            "option chosen",
            "",
            "<5",
            "ht",
            "children",
            "chosen",
            "",
        ],
    ]


def test_the_date_range_chooses_the_days(app, staff):
    add(app, "es", "mpp_active", "chosen", n=7)
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    reply = staff.get(f"/admin/needs/counts.csv?start={yesterday}&end={yesterday}")
    assert reply.get_data(as_text=True).count("\r\n") == 1  # the header only
    html = staff.get("/admin/needs/?start=garbage&end=2026-13-40").get_data(as_text=True)
    assert 'name="end" value="' + TODAY.isoformat() in html


def test_suppression_and_formula_cells():
    assert [needs_csv.suppressed(n) for n in (0, 1, 4, 5, 7, 8, 40)] == [
        "0", "<5", "<5", "5", "5", "10", "40"
    ]
    text = needs_csv.csv_text([(date(2026, 12, 1), "es", "=cmd", "chosen", "", 9)])
    assert "'=cmd" in text


def test_summary_turns_rows_into_what_staff_read(pack):
    day = date(2026, 12, 1)
    rows = [
        (day, "es", "waitlist", "chosen", "", 5),
        (day, "es", "waitlist_menu", "menu_offered", "", 5),
        (day, "es", "waitlist_menu", "menu_reply", "key", 2),
        (day, "", "language", "menu_offered", "", 4),
        (day, "", "language", "menu_reply", "silence", 4),
    ]
    summary = needs_counts.summarize(rows, pack, day, day)
    assert summary.situation_totals == {("on the asylum waitlist", "es"): 5}
    assert dict(summary.gave_up) == {"After the information: on the asylum waitlist": 3}


def test_staff_who_read_spanish_get_the_page_and_the_navigation_in_spanish(app, staff):
    add(app, "", "", "call_answered", n=3)
    app.extensions["staff"].set_language("maria", "es")
    page = staff.get("/admin/needs/").get_data(as_text=True)
    assert "Llamadas contestadas: &lt;5" in page
    assert '<a href="/admin/needs/">Lo que necesitan quienes llaman</a>' in page
