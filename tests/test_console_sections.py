"""Staff see how old each section's facts are and can mark them checked today: a published,
audit-logged change whose date callers hear."""

from __future__ import annotations

from test_console_pages import app, staff  # noqa: F401  (fixtures)

from ivr.console.sections import hotline_today


def dated(app) -> list[str]:  # noqa: F811
    pack = app.extensions["content"].current()
    return [node_id for node_id, node in pack.flow.nodes.items() if node.checked]


def test_every_dated_section_is_listed_with_its_age_and_the_old_facts_warning(app, staff):  # noqa: F811
    page = staff.get("/admin/sections").get_data(as_text=True)

    for node_id in dated(app):
        assert f'id="section-{node_id}"' in page
    assert "Checked on May 10, 2021" in page
    assert "Callers also hear that things may have changed." in page  # 2021 is long ago
    assert "mpp_active" not in page.split('id="sections"')[1].split("<h2>")[1]  # a name, no id


def test_checked_today_publishes_the_new_date_and_says_who_did_it(app, staff):  # noqa: F811
    section = dated(app)[0]
    with app.test_request_context():
        today = hotline_today()

    response = staff.post(f"/admin/sections/{section}/checked", follow_redirects=True)

    page = response.get_data(as_text=True)
    assert "was checked on" in page and "go back a version" in page
    publisher = app.extensions["publisher"]
    assert publisher.pack().section_checked(section) == today.isoformat()
    entry = publisher.audit_log(1)[0]
    assert (entry.who, entry.action) == ("maria", "mark_checked")
    card = page.split(f'id="section-{section}"')[1].split("</li>")[0]
    assert "may have changed" not in card and "0 days ago" in card


def test_a_part_of_the_call_without_a_date_is_refused_and_nothing_is_published(app, staff):  # noqa: F811
    response = staff.post("/admin/sections/main/checked", follow_redirects=True)

    assert "has no date to update" in response.get_data(as_text=True)
    assert app.extensions["publisher"].versions() == []


def test_the_dates_page_speaks_spanish(app, staff):  # noqa: F811
    staff.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    staff.post("/admin/language", data={"lang": "es"})

    page = staff.get("/admin/sections").get_data(as_text=True)

    assert "Fechas de la información" in page and "Revisado hoy" in page
