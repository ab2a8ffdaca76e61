"""The console's pages for issue 18: callback totals, pause and limits; opening hours edited
like other directory data; check results and flags on the directory and the home page."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa

from ivr import create_app
from ivr.db import schema

PASSWORD = "correct horse battery"


@pytest.fixture
def app(tmp_path):
    env = {"HOTLINE_ENV": "development", "DATA_DIR": str(tmp_path)}
    app = create_app({"ENV": env, "TESTING": True})
    app.extensions["staff"].add("maria", PASSWORD)
    app.extensions["staff"].set_language("maria", "en")
    return app


def token(client, path: str = "/admin/") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


@pytest.fixture
def staff(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.post(
        "/admin/login",
        data={"name": "maria", "password": PASSWORD, "csrf_token": token(client, "/admin/login")},
    )
    csrf = token(client)
    original_post = client.post

    def post(path, data=None, **kwargs):
        return original_post(path, data={"csrf_token": csrf, **(data or {})}, **kwargs)

    client.post = post
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_pages_are_behind_the_login(app):
    client = app.test_client()
    for path in ("/admin/callbacks", "/admin/destinations", "/admin/destinations/kind/hours"):
        assert client.get(path).status_code == 302
    assert client.post("/admin/callbacks/limits", data={"paused": "1"}).status_code == 401


def test_callbacks_show_totals_only_and_an_administrator_can_pause_them(app, staff):
    service = app.extensions["callbacks"]
    service.missed_call("+526641234567", "+15558675310", time.time())
    service.missed_call("+526641234567", "+15558675310", time.time())
    page = text(staff.get("/admin/callbacks"))
    assert "Callbacks after a missed call" in page
    assert "1 callback is waiting or ringing now." in page
    assert "6641234567" not in page  # totals, never a number
    assert re.search(r'id="count-1-duplicate">1<', page)
    reply = staff.post(
        "/admin/callbacks/limits", {"paused": "1", "per_number_day": "1", "per_hour": "10"}
    )
    assert reply.status_code == 302
    limits = service.queue.limits()
    assert (limits.paused, limits.per_number_day, limits.per_hour) == (True, 1, 10)
    assert limits.updated_by == "maria"
    page = text(staff.get("/admin/callbacks"))
    assert "Callbacks are paused." in page and "Last changed by maria" in page
    staff.post("/admin/callbacks/limits", {"per_number_day": "lots", "per_hour": "10"})
    assert service.queue.limits().per_number_day == 1  # not a number: nothing changed


def test_every_transfer_number_is_listed_and_checks_can_be_asked_for(app, staff):
    page = text(staff.get("/admin/destinations"))
    assert page.count('class="card" id="number-') == 16
    assert "Opening hours: unknown (the transfer is always offered)." in page
    reply = staff.post("/admin/destinations/check")
    assert reply.status_code == 302
    assert "16 checks asked for." in text(staff.get("/admin/destinations"))
    with app.extensions["db"].connect() as conn:
        who = conn.execute(sa.select(schema.destination_checks.c.requested_by)).scalars().all()
    assert set(who) == {"console: maria"}


def test_opening_hours_are_edited_validated_and_published(app, staff):
    form = text(staff.get("/admin/destinations/aol_mx/hours"))
    assert 'value="America/Tijuana"' in form
    bad = staff.post(
        "/admin/destinations/aol_mx/hours",
        {"zone": "America/Tijuana", "place": "Tijuana", "known": "1", "mon": "9 to 5"},
    )
    assert bad.status_code == 422
    assert "is not an opening time" in text(bad)
    assert app.extensions["content"].current().numbers["aol_mx"].hours.weekly is None
    good = staff.post(
        "/admin/destinations/aol_mx/hours",
        {
            "zone": "America/Tijuana",
            "place": "Tijuana",
            "known": "1",
            "mon": "09:00-13:00, 14:00-17:00",
            "fri": "09:00-13:00",
            "closed": "2026-12-25",
            "open": "2026-12-26 10:00-14:00",
        },
    )
    assert good.status_code == 302
    hours = app.extensions["content"].current().numbers["aol_mx"].hours
    assert hours.weekly == {0: ((540, 780), (840, 1020)), 4: ((540, 780),)}
    entry = app.extensions["publisher"].audit_log(1)[0]
    assert (entry.who, entry.action) == ("maria", "set_hours")
    page = text(staff.get("/admin/destinations"))
    assert "Opening hours, Tijuana time:" in page and "09:00-13:00, 14:00-17:00" in page
    assert staff.get("/admin/destinations/aol_wa_mpp_active/hours").status_code == 404


def test_two_failed_checks_flag_the_number_on_the_directory_and_the_home_page(app, staff):
    now = time.time()
    rows = [
        ("human", now - 3 * 86400),
        ("busy", now - 2 * 86400),
        ("no_answer", now - 86400),
    ]
    with app.extensions["db"].begin() as conn:
        for result, at in rows:
            conn.execute(
                schema.destination_checks.insert().values(
                    number_id="kind",
                    e164="+12029189431",
                    requested=at,
                    requested_by="schedule",
                    placed=at,
                    finished=at + 30,
                    result=result,
                )
            )
    directory = text(staff.get("/admin/directory/kind"))  # the organization's own page
    assert directory.count("the last two test calls failed") == 1
    home = text(staff.get("/admin/"))
    assert "1 transfer number may not be answering" in home
    assert "KIND" in home and "last answered" in home
    page = text(staff.get("/admin/destinations"))
    assert "The last two checks failed." in page
