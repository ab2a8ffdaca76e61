"""The console in the staffer's language: every word translated to Spanish, dates in the
hotline's time zone, prompts named by where callers hear them, refusals in plain words, phone
numbers read the way people write them, and search that ignores case and accents."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from babel.util import pathmatch

from ivr import create_app
from ivr.console import phones
from ivr.console.i18n import when
from ivr.console.names import namer
from ivr.console.problems import plain
from ivr.console.search import fold, search
from ivr.content.errors import Problem

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = ROOT / "ivr" / "translations"
PASSWORD = "correct horse battery"


@pytest.fixture
def app(tmp_path):
    app = create_app(
        {"ENV": {"HOTLINE_ENV": "development", "DATA_DIR": str(tmp_path)}, "TESTING": True}
    )
    app.extensions["staff"].add("maria", PASSWORD)
    return app


def csrf(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def log_in(client) -> str:
    client.post(
        "/admin/login",
        data={"name": "maria", "password": PASSWORD, "csrf_token": csrf(client, "/admin/login")},
    )
    return csrf(client, "/admin/")


# -- the catalogs ----------------------------------------------------------------------------------


def singular(message) -> str:
    return message if isinstance(message, str) else message[0]


def source_words() -> set[str]:
    """Every word the console's code and templates ask to translate (as `pybabel extract`)."""
    with open(ROOT / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None}
    found = extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords)
    return {singular(message) for _file, _line, message, _comments, _context in found}


def test_babel_reads_every_template_including_each_areas_folder():
    """A template in an area's own folder (templates/console/<area>/) is read for words too: a
    word there that babel.cfg does not reach would never be translated, and no test would say."""
    with open(ROOT / "babel.cfg") as cfg:
        method_map, _options = parse_mapping_cfg(cfg)
    templates = [
        path.relative_to(ROOT).as_posix()
        for folder in ("ivr/console/templates", "ivr/sim/templates")
        for path in (ROOT / folder).rglob("*.html")
    ]
    unread = [
        t for t in templates if not any(m == "jinja2" and pathmatch(p, t) for p, m in method_map)
    ]
    assert any("/console/prompts/" in t for t in templates)
    assert unread == []


def strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, list | tuple) else [message.string]


def test_every_word_of_the_console_has_a_spanish_translation():
    with open(CATALOGS / "es" / "LC_MESSAGES" / "messages.po", "rb") as po:
        spanish = read_po(po)
    translated = {singular(m.id) for m in spanish if m.id and all(strings(m))}
    assert source_words() - translated == set()
    with open(CATALOGS / "es" / "LC_MESSAGES" / "messages.mo", "rb") as mo:
        compiled = read_mo(mo)
    # The committed .mo is compiled from the .po as it is now.
    assert {singular(m.id): strings(m) for m in compiled if m.id} == {
        singular(m.id): strings(m) for m in spanish if m.id
    }


# -- the interface in Spanish ----------------------------------------------------------------------


def test_a_spanish_reader_gets_the_console_in_spanish_and_can_switch(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-MX,es;q=0.9"
    login_page = client.get("/admin/login").get_data(as_text=True)
    assert '<html lang="es">' in login_page and ">Entrar</button>" in login_page
    token = log_in(client)
    home = client.get("/admin/").get_data(as_text=True)
    assert "¿Qué quiere hacer?" in home and "Mensajes y audio" in home

    switched = client.post(
        "/admin/language", data={"lang": "en", "next": "/admin/versions", "csrf_token": token}
    )

    assert switched.location == "/admin/versions"
    page = client.get("/admin/versions").get_data(as_text=True)
    assert '<html lang="en">' in page and "Every change makes a new version." in page
    # The choice is kept over what the browser asks for, and an odd code changes nothing.
    client.post("/admin/language", data={"lang": "xx", "next": "/", "csrf_token": token})
    assert '<html lang="en">' in client.get("/admin/").get_data(as_text=True)


def test_the_browser_phone_speaks_the_staffers_language(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    page = client.get("/simulator").get_data(as_text=True)
    assert '<html lang="es">' in page and "Llamar</button>" in page
    assert 'data-end-line="La línea terminó la llamada."' in page


def test_dates_are_in_the_hotlines_time_zone_and_the_staffers_language(app):
    with app.test_request_context(headers={"Accept-Language": "es"}):
        assert when("2026-11-23T17:36:02Z") == "23 nov 2026, 09:36"  # Tijuana: UTC-8
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert when("2026-07-04T17:36:02Z") == "4 Jul 2026, 10:36"  # summer: UTC-7


# -- names, refusals, numbers, search --------------------------------------------------------------


def test_prompts_are_named_by_where_callers_hear_them(app):
    with app.test_request_context(headers={"Accept-Language": "es"}):
        names = namer(app.extensions["content"].current())
        assert names.place("main.children").name == "Menú principal – opción 4"
        assert names.place("children.numbers").name == (
            "Niño que viaja solo: escuchar los números de teléfono despacio"
        )
        assert names.place("keys.repeat").name == "Todos los menús: tecla 9, escuchar otra vez"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        names = namer(app.extensions["content"].current())
        assert names.place("main.children").name == "Main menu – option 4"
        assert names.title("t_kind") == "Transfer to KIND (Kids in Need of Defense)"


def test_a_refusal_is_said_in_plain_words_from_its_code_or_its_message(app):
    content = app.extensions["content"].current()
    coded = Problem("text/es.yaml", "main.children", "whatever the validator says")
    object.__setattr__(coded, "code", "option_key_missing")
    object.__setattr__(coded, "params", {"key": "4", "option": 4, "node": "main"})
    old_style = Problem(
        "text/es.yaml",
        "main.children",
        "menu main option 4: the text must name key 4 after the option",
    )
    unknown = Problem("flow.yaml", "nodes.x", "a reason nobody translated")
    object.__setattr__(unknown, "code", "brand_new_rule")
    with app.test_request_context(headers={"Accept-Language": "es"}):
        expected = "El texto debe terminar diciendo qué tecla oprimir, por ejemplo: «… oprima 4.»"
        assert plain(coded, content).text == expected
        assert plain(old_style, content).text == expected
        assert plain(unknown, content).text == "a reason nobody translated"
        assert plain(unknown, content).detail == "flow.yaml: nodes.x: a reason nobody translated"


@pytest.mark.parametrize(
    ("typed", "country", "e164"),
    [
        ("202-918-9432", "US", "+12029189432"),
        ("619-786-4866", "US", "+16197864866"),
        ("664 208 8994", "MX", "+526642088994"),
        ("+52 664 208 8994", "US", "+526642088994"),  # the + wins over the country chosen
        ("(664) 208-8994", "MX", "+526642088994"),
    ],
)
def test_phone_numbers_are_read_the_way_people_write_them(app, typed, country, e164):
    with app.test_request_context():
        assert phones.read(typed, country).e164 == e164


def test_a_short_number_is_refused_saying_what_to_check(app):
    with app.test_request_context(headers={"Accept-Language": "es"}):
        reading = phones.read("664 208", "MX")
    assert reading.e164 is None and "no es un número completo de México" in reading.problem


def test_search_ignores_case_and_accents_and_covers_every_language_and_the_directory(app):
    content = app.extensions["content"].current()
    assert fold("Niño ÁRBOL") == "nino arbol"
    with app.test_request_context(headers={"Accept-Language": "es"}):
        found = search(content, namer(content), "NINO QUE VIAJA")
        assert {(h.lang, h.prompt_id) for h in found["prompts"]} >= {("es", "main.children")}
        english = search(content, namer(content), "traveling alone")
        assert ("en", "main.children") in {(h.lang, h.prompt_id) for h in english["prompts"]}
        by_digits = search(content, namer(content), "918 9431")
        assert [n.number_id for n in by_digits["numbers"]] == ["kind"]


def test_the_search_page_keeps_its_filters_in_the_address(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    log_in(client)
    page = client.get("/admin/search?q=oprima&lang=es").get_data(as_text=True)
    assert 'value="oprima"' in page and '<option value="es" selected>' in page
    hits = set(re.findall(r'data-prompt="[^"]+" data-lang="(\w+)"', page))
    assert hits == {"es"}
    following = re.search(r'rel="next" href="([^"]+)"', page).group(1)
    assert "q=oprima" in following and "lang=es" in following and "page=2" in following
