"""Roles: speaker, editor, administrator. Every console route is tried with every role (found by
walking the app's URL map, so a route added later is covered without editing the walk, and one
nobody gave a role is refused to everyone but administrators); pages show only the buttons the
role may use; administrators manage the accounts in the console (audit-logged, destructive
changes confirmed first, never the last administrator); phone PINs; the upgrade."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from werkzeug.exceptions import HTTPException

from ivr import create_app
from ivr.console import roles
from ivr.console.account_rules import AccountError, LastAdministrator
from ivr.console.accounts import StaffAccounts
from ivr.console.phone_pins import LINE_PIN_FAILURES
from ivr.console.sessions import FAILURES_ALLOWED
from ivr.db import Database, schema
from ivr.db.migrate import upgrade

PASSWORD = "correct horse battery"
SPEAKER, EDITOR, ADMIN, PUBLIC = "speaker", "editor", "administrator", "public"

# Who may use each endpoint under /admin, written out here on its own (not read from
# roles.py), so the walk checks the server against a table a reviewer can read. A new route
# fails the walk until someone decides its role here and in roles.ENDPOINT_ROLES.
EXPECTED = {
    "console.login": PUBLIC,
    "console.static": PUBLIC,
    "console.choose_language": PUBLIC,
    # every account
    "console.logout": SPEAKER,
    "console.home": SPEAKER,
    "console.find": SPEAKER,
    "console.coverage": SPEAKER,
    "console.prompt": SPEAKER,
    "console.audio_file": SPEAKER,
    "console.flow": SPEAKER,
    "console.directory": SPEAKER,
    "console.sections": SPEAKER,
    "console.versions": SPEAKER,
    "console.audit": SPEAKER,
    "console.my_password": SPEAKER,
    "needs.page": SPEAKER,
    "needs.export": SPEAKER,
    "console.destinations": SPEAKER,  # opening hours and checks: read
    "console.hours": SPEAKER,
    "console.callbacks": SPEAKER,  # callback totals only
    "console.organization": SPEAKER,  # one organization's page in the directory
    # the recording session: recording, one's own PIN, publishing one's own takes (everyone's
    # takes need an editor: checked in the view, tests/test_voices_console.py)
    "console.studio_home": SPEAKER,
    "console.studio_pin": SPEAKER,
    "console.studio_session": SPEAKER,
    "console.studio_prompts": SPEAKER,
    "console.studio_take": SPEAKER,
    "console.studio_take_audio": SPEAKER,
    "console.studio_keep": SPEAKER,
    "console.studio_again": SPEAKER,
    "console.studio_skip": SPEAKER,
    "console.studio_publish": SPEAKER,
    # editors and administrators
    "console.save_text": EDITOR,
    "console.rebuild": EDITOR,
    "console.rebuild_stale": EDITOR,
    "console.mark_reviewed": EDITOR,
    "console.upload_recording": EDITOR,
    "console.draft": EDITOR,
    "console.draft_audio": EDITOR,
    "console.publish_draft": EDITOR,
    "console.restore_audio": EDITOR,
    "console.save_number": EDITOR,
    "console.save_organization": EDITOR,
    "console.drafts": EDITOR,
    "console.save_text_draft": EDITOR,
    "console.text_draft": EDITOR,
    "console.draft_speech": EDITOR,
    "console.publish_text_draft": EDITOR,
    "console.discard_text_draft": EDITOR,
    "console.mark_checked": EDITOR,
    "console.undo_version": EDITOR,
    "console.undo_preview": EDITOR,  # the question before undoing one change
    "console.save_hours": EDITOR,
    "console.check_destinations": EDITOR,
    # administrators only
    "console.restore_preview": ADMIN,
    "console.restore_version": ADMIN,
    "console.restore_installed": ADMIN,
    "console.restore_installed_preview": ADMIN,
    "console.callback_limits": ADMIN,
    "console.accounts": ADMIN,
    "console.add_account": ADMIN,
    "console.reset_password": ADMIN,
    "console.change_role": ADMIN,
    "console.disable_account": ADMIN,
    "console.enable_account": ADMIN,
    "console.phone_pin": ADMIN,
}
RANK = {SPEAKER: 0, EDITOR: 1, ADMIN: 2}


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def make_app(tmp_path, database_url: str = ""):
    env = {"TWILIO_AUTH_TOKEN": "t", "SECRET_KEY": "s" * 32, "DATA_DIR": str(tmp_path)}
    if database_url:
        env["DATABASE_URL"] = database_url
    return create_app({"ENV": env, "TESTING": True})


def staffed(app):
    """ana (the first account: an administrator), eddie (an editor), sara (a speaker)."""
    accounts = app.extensions["staff"]
    accounts.clock = Clock()
    for name, role in (("ana", None), ("eddie", EDITOR), ("sara", SPEAKER)):
        accounts.add(name, PASSWORD, role)
        accounts.set_language(name, "en")
    return app


@pytest.fixture
def app(tmp_path, database_url):
    return staffed(make_app(tmp_path, database_url))


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


class Browser:
    """A logged-in staffer: ``post`` adds the session's CSRF token."""

    def __init__(self, app, name: str, password: str = PASSWORD) -> None:
        self.app, self.name = app, name
        self.client = app.test_client()
        self.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        self.login = self.client.post(
            "/admin/login",
            data={
                "name": name,
                "password": password,
                "csrf_token": csrf_of(self.get("/admin/login").get_data(as_text=True)),
            },
        )
        with self.client.session_transaction() as session:
            self.csrf = session.get("csrf_token", "")

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict | None = None, **kwargs):
        return self.client.post(path, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)

    def open(self, path: str, method: str, **kwargs):
        return self.client.open(path, method=method, data={"csrf_token": self.csrf}, **kwargs)


def text(response) -> str:
    """A page's words, as read (tags left out)."""
    words = re.sub(r"<[^>]+>", "", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", html.unescape(words))


def admin_rules(app):
    return [r for r in app.url_map.iter_rules() if r.rule.startswith("/admin")]


def fill(rule, values: dict | None = None) -> str:
    defaults = {"lang": "es", "filename": "console.css", "name": "sara"}
    defaults.update(values or {})
    return rule.build({a: defaults.get(a, "x") for a in rule.arguments})[1]


def audit_lines(app) -> list[tuple[str, str, str, str]]:
    return [
        (e.who, e.action, e.what, e.summary)
        for e in app.extensions["publisher"].audit_log()
        if e.action.startswith("account_")
    ]


# -- every route, every role ------------------------------------------------------------------


@pytest.fixture
def walk_app(tmp_path):
    return staffed(make_app(tmp_path))


def test_every_console_route_is_allowed_or_refused_by_role_as_the_table_says(walk_app):
    app = walk_app
    rules = admin_rules(app)
    endpoints = {r.endpoint for r in rules}
    assert endpoints == set(EXPECTED), (
        "a console route without a decided role: add it to roles.ENDPOINT_ROLES and to "
        f"EXPECTED here: {sorted(endpoints ^ set(EXPECTED))}"
    )
    browsers = {
        role: Browser(app, name)
        for role, name in ((ADMIN, "ana"), (EDITOR, "eddie"), (SPEAKER, "sara"))
    }
    # The guard is what is under test: every view answers "reached" (no change is made).
    for endpoint in endpoints:
        app.view_functions[endpoint] = lambda **_: "reached"
    seen = []
    for rule in rules:
        url = fill(rule)
        expected = EXPECTED[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for role, browser in browsers.items():
                response = browser.open(url, method)
                body = response.get_data(as_text=True)
                if expected == PUBLIC or RANK[role] >= RANK[expected]:
                    assert (response.status_code, body) == (200, "reached"), (role, method, url)
                else:
                    assert response.status_code == 403, (role, method, url)
                    assert f'data-needs-role="{expected}"' in body, (role, method, url)
                seen.append((role, method, rule.endpoint, response.status_code))
    refused = {(role, e) for role, _, e, status in seen if status == 403}
    assert (SPEAKER, "console.save_text") in refused and (
        EDITOR,
        "console.save_text",
    ) not in refused
    assert (EDITOR, "console.restore_version") in refused and (
        ADMIN,
        "console.accounts",
    ) not in refused
    assert not {e for role, e in refused if e.startswith("needs.")}  # the counts: everyone
    assert len(seen) >= 3 * len(EXPECTED)


def test_a_console_page_nobody_gave_a_role_is_for_administrators_only(tmp_path):
    app = staffed(make_app(tmp_path))
    # Any blueprint, any page under /admin: the safe default applies to all of them.
    app.add_url_rule(
        "/admin/added-later", "added_later", lambda: "reached", methods=["GET", "POST"]
    )
    assert roles.required("added_later") == ADMIN
    for name, allowed in (("ana", True), ("eddie", False), ("sara", False)):
        browser = Browser(app, name)
        for method in ("GET", "POST"):
            response = browser.open("/admin/added-later", method)
            assert response.status_code == (200 if allowed else 403), (name, method)
    # ... and anonymous requests still go to the login first.
    assert app.test_client().get("/admin/").status_code == 302


def test_a_refusal_says_which_role_can_do_it_in_the_staffers_language(walk_app):
    sara = Browser(walk_app, "sara")
    response = sara.post("/admin/prompts/es/x/text", {"text": "hola"})
    assert response.status_code == 403
    assert "Only editors and administrators can do this. Your account is: speaker." in text(
        response
    )
    eddie = Browser(walk_app, "eddie")
    refused = text(eddie.post("/admin/versions/1/restore"))
    assert "Only administrators can do this. Your account is: editor." in refused
    as_json = eddie.post("/admin/accounts", headers={"Accept": "application/json"})
    assert as_json.status_code == 403 and as_json.json["needs_role"] == ADMIN
    walk_app.extensions["staff"].set_language("sara", "es")
    spanish = text(sara.post("/admin/prompts/es/x/text", {"text": "hola"}))
    assert "Solo los editores y los administradores pueden hacer esto." in spanish
    assert "Su cuenta es: locutor." in spanish


class Targets(HTMLParser):
    """Every form action (and button formaction) and link in a page's header and main."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self.form_method = "GET"

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.form_method = (a.get("method") or "get").upper()
            if a.get("action"):
                self.found.append((self.form_method, a["action"]))
        elif tag == "button" and a.get("formaction"):
            self.found.append((self.form_method, a["formaction"]))
        elif tag == "a" and a.get("href"):
            self.found.append(("GET", a["href"]))
        elif tag in ("div",) and a.get("data-upload"):
            self.found.append(("POST", a["data-upload"]))


def test_pages_show_only_the_buttons_and_links_the_role_may_use(walk_app):
    app = walk_app
    publisher = app.extensions["publisher"]
    pack = publisher.pack()
    prompt = next(p for p in sorted(pack.raw_texts("es")) if "{" not in pack.raw_texts("es")[p])
    words = pack.raw_texts("es")[prompt]
    publisher.set_text("es", prompt, f"Uno. {words}", author="ana")
    publisher.set_text("es", prompt, f"Dos. {words}", author="ana")
    publisher.save_text_draft("es", prompt, f"Tres. {words}", author="ana")
    pages = [
        "/admin/",
        "/admin/coverage",
        f"/admin/prompts/es/{prompt}",
        "/admin/directory",
        "/admin/sections",
        "/admin/versions",
        "/admin/audit",
        "/admin/flow",
        "/admin/search?q=a",
        "/admin/needs/",
        "/admin/password",
        "/admin/drafts",
        "/admin/accounts",
    ]
    adapter = app.url_map.bind("localhost")
    offered: dict[str, set[str]] = {}
    for role, name in ((SPEAKER, "sara"), (EDITOR, "eddie"), (ADMIN, "ana")):
        browser = Browser(app, name)
        offered[role] = set()
        for page in pages:
            response = browser.get(page)
            if RANK[role] < RANK[EXPECTED[adapter.match(urlsplit(page).path)[0]]]:
                assert response.status_code == 403, (role, page)
                continue
            assert response.status_code == 200, (role, page)
            parser = Targets()
            parser.feed(response.get_data(as_text=True))
            for method, target in parser.found:
                parts = urlsplit(target)
                if parts.netloc or not parts.path.startswith("/admin"):
                    continue
                try:
                    endpoint = adapter.match(parts.path, method=method)[0]
                except HTTPException:
                    continue  # a link to something that is not there (tested elsewhere)
                offered[role].add(endpoint)
                assert RANK[role] >= RANK.get(EXPECTED[endpoint], 0), (role, page, target)
    # The pages really offered the actions to those who may use them.
    assert {"console.save_text", "console.undo_preview", "console.drafts"} <= offered[EDITOR]
    assert {"console.restore_preview", "console.accounts", "console.change_role"} <= offered[ADMIN]
    assert {"console.prompt", "console.my_password", "needs.page"} <= offered[SPEAKER]


# -- accounts in the console ------------------------------------------------------------------


def test_an_administrator_adds_an_account_who_must_choose_their_own_password(app):
    ana = Browser(app, "ana")
    page = ana.post("/admin/accounts", {"name": "Luis", "role": SPEAKER})
    assert page.status_code == 200
    temporary = re.search(r'id="temporary-password">([^<]+)<', page.get_data(as_text=True))[1]
    assert len(temporary) >= 12
    account = app.extensions["staff"].get("luis")
    assert account.role == SPEAKER and account.password_temporary

    luis = Browser(app, "luis", temporary)
    assert luis.login.status_code == 302
    assert luis.get("/admin/").location.endswith("/admin/password")  # every page, until...
    assert luis.post("/admin/prompts/es/x/text").status_code == 403
    form = {"current": temporary, "new": "my own long password", "repeat": "my own long password"}
    wrong = luis.post("/admin/password", {**form, "repeat": "something else entirely"})
    # A new account reads the console in Spanish until its owner switches.
    assert wrong.status_code == 422 and "Las dos contraseñas nuevas no son iguales" in text(wrong)
    done = luis.post("/admin/password", form)
    assert done.status_code == 302
    assert luis.get("/admin/").status_code == 200  # the same browser goes on
    assert not app.extensions["staff"].get("luis").password_temporary
    assert Browser(app, "luis", "my own long password").login.status_code == 302
    assert audit_lines(app)[:2] == [
        ("luis", "account_password", "account luis", "new password"),
        ("ana", "account_add", "account luis", "role: speaker"),
    ]
    again = ana.post("/admin/accounts", {"name": "luis", "role": EDITOR})
    assert again.status_code == 422 and "already an account" in text(again)
    bad = ana.post("/admin/accounts", {"name": "Luis Pérez", "role": EDITOR})
    assert bad.status_code == 422 and "lowercase letters" in text(bad)


def test_the_accounts_page_lists_name_role_language_last_seen_and_turned_off(app):
    Browser(app, "eddie")
    app.extensions["staff"].disable("eddie")
    ana = Browser(app, "ana")
    page = text(ana.get("/admin/accounts"))
    assert re.search(r"ana you Administrator · English · last seen \d", page)
    assert re.search(r"eddie turned off Editor · English · last seen \d", page)
    assert re.search(r"sara Speaker · English · never logged in · no phone PIN", page)


def test_turning_an_account_off_is_confirmed_first_and_ends_its_sessions(app):
    ana, eddie = Browser(app, "ana"), Browser(app, "eddie")
    assert eddie.get("/admin/").status_code == 200

    preview = ana.post("/admin/accounts/eddie/disable")
    assert preview.status_code == 200
    assert "is logged out at once" in text(preview)
    assert eddie.get("/admin/").status_code == 200  # nothing happened yet

    done = ana.post("/admin/accounts/eddie/disable", {"confirm": "yes"})
    assert done.status_code == 302
    assert eddie.get("/admin/").status_code == 302  # the open session ended
    again = Browser(app, "eddie")
    assert again.login.status_code == 403 and "turned off" in text(again.login)
    assert ("ana", "account_disable", "account eddie", "turned off") in audit_lines(app)

    ana.post("/admin/accounts/eddie/enable")
    assert Browser(app, "eddie").login.status_code == 302
    assert audit_lines(app)[0] == ("ana", "account_enable", "account eddie", "turned on")


def test_a_new_temporary_password_ends_the_old_one_and_its_sessions(app):
    ana, sara = Browser(app, "ana"), Browser(app, "sara")
    page = ana.post("/admin/accounts/sara/password")
    temporary = re.search(r'id="temporary-password">([^<]+)<', page.get_data(as_text=True))[1]
    assert sara.get("/admin/").status_code == 302
    assert Browser(app, "sara").login.status_code == 401  # the old password
    fresh = Browser(app, "sara", temporary)
    assert fresh.get("/admin/").location.endswith("/admin/password")
    assert audit_lines(app)[0] == (
        "ana",
        "account_password_reset",
        "account sara",
        "temporary password",
    )


def test_a_role_change_applies_at_the_next_page_and_a_downgrade_is_confirmed_first(app):
    ana, eddie = Browser(app, "ana"), Browser(app, "eddie")
    assert eddie.get("/admin/accounts").status_code == 403

    up = ana.post("/admin/accounts/eddie/role", {"role": ADMIN})
    assert up.status_code == 302
    assert eddie.get("/admin/accounts").status_code == 200

    preview = ana.post("/admin/accounts/eddie/role", {"role": SPEAKER})
    assert preview.status_code == 200 and "can no longer" in text(preview)
    assert "manage accounts" in text(preview) and "publish" in text(preview)
    assert app.extensions["staff"].get("eddie").role == ADMIN  # not yet

    ana.post("/admin/accounts/eddie/role", {"role": SPEAKER, "confirm": "yes"})
    assert eddie.get("/admin/accounts").status_code == 403
    assert eddie.post("/admin/prompts/es/x/text").status_code == 403
    assert eddie.get("/admin/coverage").status_code == 200
    assert audit_lines(app)[:2] == [
        ("ana", "account_role", "account eddie", "administrator → speaker"),
        ("ana", "account_role", "account eddie", "editor → administrator"),
    ]
    audit = text(ana.get("/admin/audit"))
    assert "ana changed the role of an account: Account eddie" in audit
    assert "administrator → speaker" in audit


def test_the_last_administrator_cannot_demote_or_turn_off_themselves(app):
    ana = Browser(app, "ana")
    refused = ana.post(
        "/admin/accounts/ana/role", {"role": EDITOR, "confirm": "yes"}, follow_redirects=True
    )
    assert "This is the last administrator" in text(refused)
    refused = ana.post("/admin/accounts/ana/disable", {"confirm": "yes"}, follow_redirects=True)
    assert "This is the last administrator" in text(refused)
    accounts = app.extensions["staff"]
    assert accounts.get("ana").role == ADMIN and not accounts.get("ana").disabled
    with pytest.raises(LastAdministrator):
        accounts.set_role("ana", SPEAKER)
    with pytest.raises(LastAdministrator):
        accounts.remove("ana")
    assert not [line for line in audit_lines(app) if line[1] in ("account_role", "account_disable")]

    ana.post("/admin/accounts/eddie/role", {"role": ADMIN})  # now there are two
    ana.post("/admin/accounts/ana/role", {"role": EDITOR, "confirm": "yes"})
    assert accounts.get("ana").role == EDITOR
    assert ana.get("/admin/accounts").status_code == 403
    # A turned-off administrator does not count: eddie is the last active one.
    accounts.set_role("ana", ADMIN)
    accounts.disable("ana")
    with pytest.raises(LastAdministrator):
        accounts.disable("eddie")


def test_phone_pins_are_made_shown_once_checked_and_limited_like_passwords(app):
    accounts = app.extensions["staff"]
    ana = Browser(app, "ana")
    page = ana.post("/admin/accounts/sara/pin", {"action": "make"})
    pin = re.search(r'id="phone-pin">(\d+)<', page.get_data(as_text=True))[1]
    assert len(pin) == 6
    assert accounts.check_pin(pin) == "sara"
    assert pin not in text(ana.get("/admin/accounts"))  # shown once
    assert "phone PIN set" in text(ana.get("/admin/accounts"))
    with app.extensions["db"].connect() as conn:
        stored = conn.execute(sa.select(schema.staff.c.phone_pin_hash)).scalars().all()
    assert [s for s in stored if s] and all(pin not in (s or "") for s in stored)
    assert audit_lines(app)[0] == ("ana", "account_pin", "account sara", "phone PIN set")

    # Chosen PINs (the CLI): 4-8 digits, not too easy, never another account's.
    for bad in ("123", "123456789", "12a4", "1111", "1234", "9876"):
        with pytest.raises(AccountError):
            accounts.set_pin("eddie", bad)
    assert accounts.set_pin("eddie", "2580") == "2580"
    with pytest.raises(AccountError, match="Another staff account has that PIN"):
        accounts.set_pin("ana", "2580")
    assert accounts.check_pin("2580") == "eddie"

    # Wrong PINs: a caller is locked after FAILURES_ALLOWED, the whole line after more.
    assert accounts.check_pin("0000", caller_key="abc") is None
    for _ in range(FAILURES_ALLOWED - 1):
        accounts.check_pin("0000", caller_key="abc")
    assert accounts.check_pin(pin, caller_key="abc") is None  # locked: not even checked
    assert accounts.pin_wait("abc") > 0
    assert accounts.check_pin(pin, caller_key="other") == "sara"
    for _ in range(LINE_PIN_FAILURES):
        accounts.check_pin("0000")
    assert accounts.pin_wait() > 0 and accounts.check_pin(pin) is None
    accounts.clock.now += accounts.pin_wait() + 1
    assert accounts.check_pin(pin) == "sara"

    # A turned-off account's PIN does nothing; a removed PIN neither.
    accounts.disable("eddie")
    assert accounts.check_pin("2580") is None
    ana.post("/admin/accounts/sara/pin", {"action": "clear"})
    assert accounts.check_pin(pin) is None and not accounts.get("sara").has_pin
    assert audit_lines(app)[0] == ("ana", "account_pin_clear", "account sara", "phone PIN removed")


def test_pins_are_keyed_with_the_secret_key(tmp_path):
    app = staffed(make_app(tmp_path))
    pin = app.extensions["staff"].set_pin("sara")
    # The same database read with another SECRET_KEY knows no PIN.
    assert StaffAccounts(app.extensions["db"], pin_key="a different key").check_pin(pin) is None
    assert StaffAccounts(app.extensions["db"], pin_key="s" * 32).check_pin(pin) == "sara"
    with pytest.raises(AccountError, match="SECRET_KEY"):
        StaffAccounts(app.extensions["db"]).set_pin("sara")


# -- the command line -------------------------------------------------------------------------


def test_the_cli_makes_the_first_account_an_administrator_and_others_editors(tmp_path):
    app = make_app(tmp_path)
    runner = app.test_cli_runner()

    def run(*args, stdin: str = PASSWORD + "\n"):
        result = runner.invoke(args=["staff", *args], input=stdin)
        assert result.exit_code == 0, result.output
        return result.output

    assert "created as administrator (the first account always is)" in run(
        "add", "ana", "--password-stdin", "--role", "speaker"
    )
    assert "created as editor" in run("add", "eddie", "--password-stdin")
    assert "created as speaker" in run("add", "sara", "--password-stdin", "--role", "speaker")
    run("role", "eddie", "administrator")
    listing = run("list")
    assert re.search(r"ana\tadministrator", listing) and re.search(r"sara\tspeaker", listing)
    pin = re.search(r": (\d{6})$", run("pin", "sara").strip())[1]
    assert app.extensions["staff"].check_pin(pin) == "sara"
    run("disable", "sara")
    assert "turned off" in run("list")
    run("role", "ana", "editor")
    last = runner.invoke(args=["staff", "role", "eddie", "speaker"])
    assert last.exit_code == 1 and "last administrator" in last.output
    lines = audit_lines(app)
    assert {who for who, *_ in lines} == {"command line"}
    assert ("command line", "account_role", "account eddie", "editor → administrator") in lines


# -- the upgrade ------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'hotline.sqlite3'}")
        yield database
        database.close()
        return
    server = request.getfixturevalue("postgres_server")
    name = server.new_database(empty=True)
    database = Database(server.url(name))
    try:
        yield database
    finally:
        database.close()
        server.drop(name)


def test_existing_accounts_become_administrators_and_new_ones_editors(empty_database):
    database = empty_database
    with database.begin() as conn:
        upgrade(conn, "0001")
    with database.begin() as conn:
        for name in ("old1", "old2"):
            conn.execute(
                sa.text("INSERT INTO staff (name, password_hash, created) VALUES (:n, 'x', 1.0)"),
                {"n": name},
            )
    database.upgrade()
    with database.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        assert compare_metadata(context, schema.metadata) == []
        rows = conn.execute(sa.select(schema.staff.c.name, schema.staff.c.role)).all()
    assert sorted(rows) == [("old1", ADMIN), ("old2", ADMIN)]
    accounts = StaffAccounts(database, pin_key="k")
    assert accounts.add("nueva", PASSWORD).role == EDITOR
    assert not accounts.get("old1").disabled and accounts.get("old1").last_seen is None


def test_garbage_in_the_account_forms_is_refused_in_words_never_a_500(walk_app):
    ana = Browser(walk_app, "ana")
    for name, role, words in (
        ("a" * 500, EDITOR, "lowercase letters"),
        ("x\x00y\r\nz", EDITOR, "lowercase letters"),
        ("pedro", "root", "Choose one of the roles"),
    ):
        response = ana.post("/admin/accounts", {"name": name, "role": role})
        assert response.status_code == 422 and words in text(response), name
    assert ana.post("/admin/accounts/eddie/role", {"role": "root"}).status_code == 302
    assert walk_app.extensions["staff"].get("eddie").role == EDITOR
    for bad in ("no-such-one", "A%20B", "x" * 300, "%0d%0a"):
        assert ana.post(f"/admin/accounts/{bad}/disable").status_code == 404, bad
        assert ana.post(f"/admin/accounts/{bad}/pin").status_code == 404, bad
    assert [name for name, *_ in audit_lines(walk_app)] == []  # nothing was changed
