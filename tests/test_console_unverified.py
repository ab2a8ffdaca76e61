"""Staff see which numbers are our reading of a flyer, not confirmed (issue 17): HIAS's (811)
and (812) lines, which the flyer gives without a country code."""

from __future__ import annotations

import re

import pytest

from ivr import create_app

PASSWORD = "correct horse battery"


@pytest.fixture
def staff(tmp_path):
    app = create_app({"ENV": {"HOTLINE_ENV": "development", "DATA_DIR": str(tmp_path)}})
    app.extensions["staff"].add("maria", PASSWORD)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    page = client.get("/admin/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/admin/login", data={"name": "maria", "password": PASSWORD, "csrf_token": csrf})
    return client


def number_card(page: str, number_id: str) -> str:
    start = page.index(f'id="number-{number_id}"')
    return page[start : page.index("</form>", start)]


def test_the_directory_marks_the_unverified_numbers_with_the_reason(staff):
    # Each organization has its page (the directory is an index of them).
    page = staff.get("/admin/directory/hias_texas").get_data(as_text=True)
    for nid in ("hias_stx", "hias_laredo"):
        card = number_card(page, nid)
        assert '<span class="badge stale">Sin verificar</span>' in card
        assert "our reading" in card
    assert page.count("Sin verificar") == 2
    kind = staff.get("/admin/directory/kind").get_data(as_text=True)
    assert "Sin verificar" not in number_card(kind, "kind")
