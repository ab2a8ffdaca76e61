"""Staff console login: accounts from the CLI only, sessions, CSRF, throttling, and every /admin
route refusing anonymous requests (found by walking the app's URL map, so new routes are
covered without editing this file)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ivr import create_app
from ivr.console.web import PUBLIC_ENDPOINTS

PASSWORD = "correct horse battery"


class Clock:
    """Time the login throttle sees; tests move it instead of sleeping."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class Refuser:
    """Stands in for the Publisher: any call means a request got past the guard."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattr__(self, name: str):
        def call(*args, **kwargs):
            self.calls.append(name)
            raise AssertionError(f"publisher.{name} reached")

        return call


def make_app(tmp_path, **env):
    base = {"TWILIO_AUTH_TOKEN": "t", "SECRET_KEY": "s" * 32, "DATA_DIR": str(tmp_path)}
    base.update(env)
    return create_app({"ENV": {k: v for k, v in base.items() if v is not None}, "TESTING": True})


# Rules of the pages themselves (redirects, headers, CSRF, which routes are public) are the
# same whatever stores the accounts: these run on the embedded SQLite only, the accounts,
# sessions and lockouts on SQLite and PostgreSQL.
ON_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def app(tmp_path, database_url):
    app = make_app(tmp_path, DATABASE_URL=database_url or None)
    app.extensions["staff"].clock = Clock()
    app.extensions["staff"].add("maria", PASSWORD)
    return app


@pytest.fixture
def client(app):
    app.extensions["staff"].set_language("maria", "en")  # her account reads English
    client = app.test_client()
    # These tests read the English wording; tests/test_console_i18n.py covers Spanish.
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def csrf(client, path: str = "/admin/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def login(client, name: str = "maria", password: str = PASSWORD, **environ):
    token = csrf(client)
    return client.post(
        "/admin/login",
        data={"name": name, "password": password, "csrf_token": token, "next": ""},
        environ_base=environ,
    )


def fill(rule) -> str:
    """A concrete URL for a rule, with real ids where the view would otherwise act."""
    values = {
        "lang": "es",
        "prompt_id": "safety.notice",
        "draft_id": "d1",
        "number_id": "kind",
        "org_id": "kind",
        "version_id": "1",
        "name": "safety.notice.000000000000.wav",
        "filename": "console.css",
    }
    return rule.build({a: values.get(a, "x") for a in rule.arguments})[1]


def admin_rules(app):
    return [r for r in app.url_map.iter_rules() if r.rule.startswith("/admin")]


# -- accounts from the command line --------------------------------------------------------------


def test_staff_add_asks_twice_and_the_account_can_log_in(tmp_path):
    app = make_app(tmp_path)
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["staff", "add", "Jose"], input="a long password\na long password\n"
    )
    assert result.exit_code == 0, result.output
    assert "'jose' created" in result.output
    assert "jose" in runner.invoke(args=["staff", "list"]).output
    assert login(app.test_client(), "jose", "a long password").status_code == 302


def test_staff_add_refuses_short_passwords_and_duplicate_names(tmp_path):
    app = make_app(tmp_path)
    runner = app.test_cli_runner()
    short = runner.invoke(args=["staff", "add", "ana", "--password-stdin"], input="short\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    ok = runner.invoke(args=["staff", "add", "ana", "--password-stdin"], input="0123456789ab\n")
    assert ok.exit_code == 0
    again = runner.invoke(args=["staff", "add", "ana", "--password-stdin"], input="0123456789ab\n")
    assert again.exit_code == 1 and "already" in again.output


def test_passwords_are_stored_as_scrypt_hashes_only(app):
    import sqlalchemy as sa

    from ivr.db.schema import staff

    with app.extensions["db"].connect() as db:
        query = sa.select(staff.c.password_hash).where(staff.c.name == "maria")
        stored = db.execute(query).scalar_one()
    assert stored.startswith("scrypt:") and PASSWORD not in stored


def test_passwd_ends_old_sessions_and_remove_ends_the_account(app, client):
    login(client)
    assert client.get("/admin/").status_code == 200
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["staff", "passwd", "maria", "--password-stdin"], input="another long one\n"
    )
    assert result.exit_code == 0, result.output
    assert client.get("/admin/").status_code == 302  # the old session no longer counts
    assert login(client, password="another long one").status_code == 302
    assert client.get("/admin/").status_code == 200
    assert runner.invoke(args=["staff", "remove", "maria"]).exit_code == 0
    assert client.get("/admin/").status_code == 302
    assert "maria" not in runner.invoke(args=["staff", "list"]).output


def test_there_is_no_account_until_one_is_made(tmp_path):
    app = make_app(tmp_path)
    assert app.extensions["staff"].list() == []
    for name, password in [("admin", "admin"), ("admin", ""), ("staff", "password")]:
        assert login(app.test_client(), name, password).status_code == 401


# -- logging in and out --------------------------------------------------------------------------


def test_login_opens_the_console_and_logout_closes_it(client):
    response = client.get("/admin/coverage?lang=es")
    assert response.status_code == 302
    assert "/admin/login?next=/admin/coverage?lang%3Des" in response.location
    token = csrf(client)
    response = client.post(
        "/admin/login",
        data={"name": "Maria", "password": PASSWORD, "csrf_token": token, "next": "/admin/flow"},
    )
    assert response.status_code == 302 and response.location == "/admin/flow"
    page = client.get("/admin/").get_data(as_text=True)
    assert "Logged in as maria" in page
    out = client.post("/admin/logout", data={"csrf_token": csrf(client, "/admin/")})
    assert out.status_code == 302
    assert client.get("/admin/").status_code == 302


def test_a_wrong_password_says_so_without_saying_which_part_was_wrong(client):
    wrong_password = login(client, password="not the password")
    wrong_name = login(client, name="nobody")
    assert wrong_password.status_code == wrong_name.status_code == 401
    message = "That name and password do not match"
    assert message in wrong_password.get_data(as_text=True)
    assert message in wrong_name.get_data(as_text=True)


@ON_SQLITE
def test_login_never_redirects_to_another_site(client):
    token = csrf(client)
    for target in ("https://evil.example/", "//evil.example/admin", "/simulator"):
        response = client.post(
            "/admin/login",
            data={"name": "maria", "password": PASSWORD, "csrf_token": token, "next": target},
        )
        assert response.location == "/admin/", target
        client.post("/admin/logout", data={"csrf_token": csrf(client, "/admin/")})
        token = csrf(client)


@ON_SQLITE
def test_the_session_cookie_is_httponly_samesite_and_secure_outside_development(client, tmp_path):
    cookie = login(client).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    dev = make_app(tmp_path / "dev", HOTLINE_ENV="development", TWILIO_AUTH_TOKEN=None)
    dev.extensions["staff"].add("maria", PASSWORD)
    cookie = login(dev.test_client()).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_production_without_secret_key_refuses_to_log_anyone_in(tmp_path):
    app = make_app(tmp_path, SECRET_KEY=None)
    client = app.test_client()
    page = client.get("/admin/login")
    assert page.status_code == 503
    assert "SECRET_KEY" in page.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    assert client.post("/admin/login", data={"name": "a", "password": "b"}).status_code == 400


# -- slowing down guessing -----------------------------------------------------------------------


def test_repeated_failures_lock_the_account_with_a_growing_wait(app, client):
    clock = app.extensions["staff"].clock
    for _ in range(5):
        assert login(client, password="guess").status_code == 401
    locked = login(client)  # even the right password waits now
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) == 30
    assert "Wait 30 seconds" in locked.get_data(as_text=True)
    clock.now += 31
    assert login(client, password="guess").status_code == 401  # 6th failure: 60 s
    assert int(login(client).headers["Retry-After"]) == 60
    clock.now += 61
    for _ in range(4):  # 7th to 10th failures: 2, 4, 8, 15 (the longest) minutes
        assert login(client, password="guess").status_code == 401
        clock.now += int(login(client).headers["Retry-After"]) + 1
    assert login(client, password="guess").status_code == 401
    longest = login(client)
    assert longest.headers["Retry-After"] == "900"
    assert "Wait about 15 minutes" in longest.get_data(as_text=True)
    clock.now += 901
    assert login(client).status_code == 302  # the right password after the wait


def test_failures_from_one_address_lock_that_address_for_every_name(app, client):
    app.extensions["staff"].add("jose", PASSWORD)
    attacker = {"REMOTE_ADDR": "203.0.113.9"}
    for name in ("a1", "a2", "a3", "a4", "a5"):
        assert login(client, name=name, password="x", **attacker).status_code == 401
    assert login(client, name="jose", **attacker).status_code == 429
    # Somebody else, elsewhere, logs in as usual.
    assert login(app.test_client(), name="jose", REMOTE_ADDR="198.51.100.7").status_code == 302


# -- every /admin route refuses anonymous requests -----------------------------------------------


@ON_SQLITE
def test_every_admin_route_refuses_an_anonymous_request(app):
    refuser = Refuser()
    app.extensions["publisher"] = refuser
    client = app.test_client()
    rules = admin_rules(app)
    assert len(rules) >= 15  # the walk really found the console
    checked = []
    for rule in rules:
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = fill(rule)
        for method in sorted(rule.methods - {"OPTIONS", "HEAD"}):
            response = client.open(url, method=method, data={"text": "hacked"})
            if method == "GET":
                assert response.status_code == 302, url
                assert response.location.startswith("/admin/login"), url
            else:
                assert response.status_code == 401, (method, url)
            checked.append((method, rule.endpoint))
    assert refuser.calls == []
    assert {e for _, e in checked} >= {
        "console.save_text",
        "console.upload_recording",
        "console.restore_version",
        "console.save_number",
    }


@ON_SQLITE
def test_every_area_is_listed_and_serves_its_pages_from_the_guarded_blueprint(app):
    """A module in areas/ missing from AREAS would serve nothing; each listed area's pages are
    console.* endpoints, so the guard (and the walk above) covers them."""
    from ivr.console import areas

    folder = Path(areas.__file__).parent
    modules = {f"{areas.__name__}.{p.stem}" for p in folder.glob("*.py") if p.stem != "__init__"}
    assert modules and modules <= set(areas.AREAS)
    owner = {e: view.__module__ for e, view in app.view_functions.items()}
    for module in areas.AREAS:
        endpoints = [e for e, m in owner.items() if m == module]
        assert endpoints, module
        assert all(e.startswith("console.") for e in endpoints), module


@ON_SQLITE
def test_only_the_login_form_its_stylesheet_and_the_language_switch_are_public(app):
    # The switch only keeps a choice in the session, so the login form can be read in Spanish.
    assert PUBLIC_ENDPOINTS == {"console.login", "console.static", "console.choose_language"}
    client = app.test_client()
    with client.get("/admin/static/console.css") as css:
        assert css.status_code == 200
    assert client.get("/admin/static/../templates/console/base.html").status_code == 404


@ON_SQLITE
def test_a_post_without_the_csrf_token_is_refused(app, client):
    refuser = Refuser()
    real, app.extensions["publisher"] = app.extensions["publisher"], refuser
    login(client)
    for rule in admin_rules(app):
        if "POST" in rule.methods and rule.endpoint != "console.login":
            response = client.post(fill(rule), data={"text": "x", "csrf_token": "forged"})
            assert response.status_code == 400, rule.rule
            assert client.post(fill(rule), data={"text": "x"}).status_code == 400
    assert refuser.calls == []
    app.extensions["publisher"] = real  # the coverage page reads review marks through it
    # Still logged in: the logout without a token was refused too.
    assert client.get("/admin/coverage").status_code == 200


@ON_SQLITE
def test_login_itself_needs_the_csrf_token(client):
    response = client.post("/admin/login", data={"name": "maria", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


@ON_SQLITE
def test_the_browser_phone_opens_to_logged_in_staff_outside_development(client):
    assert client.get("/simulator").status_code == 404
    login(client)
    assert client.get("/simulator").status_code == 200


@ON_SQLITE
def test_webhooks_and_audio_never_touch_the_staff_session(client):
    # Twilio sends no cookies: no session is read, so cached audio carries no Vary: Cookie.
    response = client.get("/audio/es/none.000000000000.wav")
    assert "Cookie" not in response.headers.get("Vary", "")
    assert "Set-Cookie" not in response.headers


@ON_SQLITE
def test_console_pages_are_not_cached_framed_or_open_to_other_scripts(client):
    login(client)
    headers = client.get("/admin/").headers
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in headers["Content-Security-Policy"]


def test_logging_out_ends_the_session_on_the_server_so_a_copied_cookie_stops_working(app):
    browser, thief = app.test_client(), app.test_client()
    login(browser)
    cookie = browser.get_cookie(app.config["SESSION_COOKIE_NAME"])
    thief.set_cookie(cookie.key, cookie.value)
    assert thief.get("/admin/").status_code == 200

    browser.post("/admin/logout", data={"csrf_token": csrf(browser, "/admin/")})

    assert thief.get("/admin/").status_code == 302


def test_a_session_idle_longer_than_staff_idle_minutes_ends(tmp_path, database_url):
    app = make_app(tmp_path, DATABASE_URL=database_url or None, STAFF_IDLE_MINUTES="30")
    clock = app.extensions["staff"].clock = Clock()
    app.extensions["staff"].add("maria", PASSWORD)
    client = app.test_client()
    login(client)

    clock.now += 29 * 60
    assert client.get("/admin/").status_code == 200  # each request keeps it alive
    clock.now += 29 * 60
    assert client.get("/admin/").status_code == 200
    clock.now += 31 * 60
    assert client.get("/admin/").status_code == 302


def test_the_session_token_alone_is_in_the_cookie_and_only_its_hash_in_the_database(app, client):
    import sqlalchemy as sa

    from ivr.db.schema import staff_sessions

    login(client)
    with client.session_transaction() as session:
        token = session["session"]
        assert set(session) == {"session", "csrf_token", "_permanent"}
    with app.extensions["db"].connect() as db:
        stored = db.execute(sa.select(staff_sessions.c.id, staff_sessions.c.name)).all()
    assert [name for _, name in stored] == ["maria"] and token not in stored[0][0]
    assert app.extensions["staff"].session_user(token).name == "maria"


def test_each_account_keeps_its_console_language(app):
    accounts = app.extensions["staff"]
    assert accounts.get("maria").language == "es"

    accounts.set_language("maria", "en")

    assert accounts.get("maria").language == "en"
    with pytest.raises(ValueError, match="not 'fr'"):
        accounts.set_language("maria", "fr")
