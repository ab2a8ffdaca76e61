"""The whole console in Spanish for a staffer who reads Spanish: every page and every refusal
is rendered, and none shows a word of the English interface (any sentence of the catalog's
English source that has a different Spanish translation), an id or a file name, a situation or
city by its internal name, or a "?" where a number belongs.

Words of the content are not interface: prompts in another language carry their own `lang`
(skipped), and what staff type (a textarea, code under "For developers") is theirs.
"""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from ivr import create_app

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
UI_ATTRIBUTES = {"aria-label", "placeholder", "title", "data-confirm", "alt"}
ACTION_IDS = (
    "set_text",
    "set_number",
    "set_organization",
    "mark_checked",
    "mark_reviewed",
    "undo_version",
    "restore_version",
    "publish_seed",
    "rebuild_audio",
    "rebuild_stale",
    "publish_recording",
    "restore_audio",
)


# -- what a staffer reads on a page --------------------------------------------------------------


class Reader(HTMLParser):
    """The words a staffer reads: text and UI attributes, without scripts, styles, what they
    typed (textarea), developer details, code, and content marked in another language."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self.skipping: list[str] = []  # the open tags of a skipped subtree

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if self.skipping:
            if tag not in self.VOID:
                self.skipping.append(tag)
            return
        skip = (
            tag in ("script", "style", "textarea", "code")
            or (tag == "details" and "dev" in (attributes.get("class") or "").split())
            or (attributes.get("lang") not in (None, "es") and tag != "html")
        )
        if skip and tag not in self.VOID:
            self.skipping.append(tag)
            return
        for name, value in attrs:
            if value and (name in UI_ATTRIBUTES or name.startswith("data-msg-")):
                self.words.append(value)
        if tag == "input" and attributes.get("type") in ("submit", "button"):
            self.words.append(attributes.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and tag == self.skipping[-1]:
            self.skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.words.append(data)


def read(html: str) -> str:
    reader = Reader()
    reader.feed(html)
    return " ".join(" ".join(reader.words).split())


# -- the English interface ------------------------------------------------------------------------


def english_sentences() -> dict[str, str]:
    """Pieces of the interface's English (between placeholders, two words or more) whose
    Spanish is different -> the msgid they come from."""
    with open(ROOT / "ivr/translations/es/LC_MESSAGES/messages.po", "rb") as po:
        catalog = read_po(po, locale="es")
    found = {}
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        spanish = " ".join(
            message.string if isinstance(message.string, tuple) else [message.string]
        )
        for msgid in ids:
            for piece in re.split(r"%\(\w+\)[sd]|%%|\{[^}]*\}|<[^>]*>", msgid):
                piece = piece.strip(" .,:;«»“”()…—–-")
                if len(piece) >= 9 and " " in piece and piece not in spanish:
                    found[piece] = msgid
    return found


ENGLISH = english_sentences()


def leftovers(html: str, pack) -> list[str]:
    text = read(html)
    found = [f"English: {piece!r}" for piece in ENGLISH if piece in text]
    found += [f"action id {a!r}" for a in ACTION_IDS if re.search(rf"\b{a}\b", text)]
    found += [
        f"prompt id {p!r}" for p in pack.prompt_ids() if re.search(rf"\b{re.escape(p)}\b", text)
    ]
    found += [f"file name {m!r}" for m in re.findall(r"\b[\w-]+\.(?:yaml|wav|py)\b", text)]
    found += [f"lone ? in {m!r}" for m in re.findall(r"\S*\s\?(?:\s\S+|$)", text)]
    # A city or situation by its internal name (flow.yaml keys): "tijuana", "active MPP case".
    found += [
        f"region id {r!r}"
        for r in {o.region for o in pack.organizations.values()}
        if re.search(rf"(?<![\w/]){r}\b", text)
    ]
    return found


# -- the app, with something of everything ---------------------------------------------------------


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    app = create_app(
        {"ENV": {"HOTLINE_ENV": "development", "DATA_DIR": str(data)}, "TESTING": True}
    )
    app.extensions["staff"].add("marisol", PASSWORD)  # a new account reads Spanish
    publisher = app.extensions["publisher"]
    pack = app.extensions["content"].current()
    publisher.set_text(
        "es", "main.children", "Niño o niña sin papá ni mamá: oprima 4.", author="marisol"
    )  # 1
    publisher.set_number("kind", author="marisol", e164="+12029189432")  # 2
    publisher.mark_checked("children", author="marisol", day=date(2026, 1, 5))  # 3
    org = pack.organizations["kind"]
    publisher.set_organization("kind", author="marisol", helps=org.helps + " Tijuana.")  # 4
    publisher.set_text(
        "es", "main.children", "Niños que viajan solos: oprima 4.", author="ana"
    )  # 5: undoing 1 alone is in the way of it
    publisher.mark_reviewed("es", "main.children", reviewer="marisol")
    text_draft = publisher.save_text_draft(
        "es", "main.none", "Ninguna de estas opciones: oprima 5.", author="marisol"
    )
    number_draft = publisher.save_number_draft("aol_mx", author="marisol", e164="+526642088995")
    wav = data / "grabacion.wav"
    subprocess.run(
        ["espeak-ng", "-v", "es", "-w", str(wav), "Ninguna de estas: oprima 5."], check=True
    )
    recording = publisher.stage_recording(
        "es", "main.none", wav.read_bytes(), "grabacion.wav", author="marisol"
    )
    counts = app.extensions["counts"]
    for lang, node, event, detail, n in [
        ("", "", "call_answered", "", 40),
        ("es", "mpp_active", "chosen", "", 12),
        ("ht", "children", "chosen", "", 7),
        ("es", "tijuana", "chosen", "", 6),
        ("es", "t_kind", "transfer_started", "kind", 9),
        ("es", "t_kind", "transfer_busy", "kind", 5),
        ("es", "tijuana_menu", "menu_offered", "", 9),
        ("es", "mpp_active_menu", "sms_sent", "", 6),
        ("es", "mpp_active_menu", "sms_over_quota", "", 5),
    ]:
        counts.add(lang, node, event, detail, n)
    app.config["EVERYTHING"] = {
        "text_draft": text_draft.id,
        "number_draft": number_draft.id,
        "recording": recording.id,
    }
    return app


@pytest.fixture(scope="module")
def staff(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-MX,es;q=0.9"

    def token(path: str) -> str:
        page = client.get(path).get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    client.post(
        "/admin/login",
        data={"name": "marisol", "password": PASSWORD, "csrf_token": token("/admin/login")},
    )
    csrf = token("/admin/")
    plain_post = client.post

    def post(path, data=None, **kwargs):
        return plain_post(path, data={"csrf_token": csrf, **(data or {})}, **kwargs)

    client.post = post
    return client


def live(app):
    return app.extensions["content"].current()


def pages(app) -> dict[str, str]:
    made = app.config["EVERYTHING"]
    return {
        "home": "/admin/",
        "prompts": "/admin/coverage",
        "prompts out of date": "/admin/coverage?lang=es&status=todo",
        "prompts not checked": "/admin/coverage?review=todo",
        "prompts of a part": "/admin/coverage?node=main",
        "search words": "/admin/search?q=papa",
        "search digits": "/admin/search?q=4866",
        "flow": "/admin/flow",
        "flow in Kreyol": "/admin/flow?lang=ht",
        "directory": "/admin/directory",
        "directory by digits": "/admin/directory?q=918",
        "directory by city": "/admin/directory?city=tijuana",
        "organization": "/admin/directory/kind",
        "organization without numbers": "/admin/directory/grupo_beta",
        "drafts": "/admin/drafts",
        "text draft": f"/admin/drafts/{made['text_draft']}",
        "number draft": f"/admin/drafts/{made['number_draft']}",
        "recording": f"/admin/prompts/es/main.none/draft/{made['recording']}",
        "dates": "/admin/sections",
        "versions": "/admin/versions",
        "undo question": "/admin/versions/2/undo",
        "undo blocked": "/admin/versions/1/undo",
        "go back question": "/admin/versions/1/restore",
        "installed question": "/admin/versions/installed/restore",
        "who changed what": "/admin/audit",
        "who changed what, filtered": "/admin/audit?who=marisol&lang=es",
        "counts": "/admin/needs/",
        "prompt es": "/admin/prompts/es/main.children",
        "prompt ht": "/admin/prompts/ht/main.children",
        "prompt en": "/admin/prompts/en/mpp_active.numbers",
        "number prompt": "/admin/prompts/es/number.kind",
        "not found": "/admin/prompts/es/no.such.prompt",
        "browser phone": "/simulator",
    }


def test_the_catalog_gives_the_test_english_to_look_for():
    assert "Undo just this change" in ENGLISH
    assert "Not saved. The line keeps what it had" in ENGLISH


def test_the_reader_skips_what_is_not_interface():
    html = (
        '<p>Hola <span lang="en">Main menu</span> <code>set_text</code>'
        '<details class="dev"><summary>x</summary>safety.notice</details>'
        '<textarea>{number:kind}</textarea><input type="text">'
        '<button aria-label="Más">+</button></p>'
    )
    assert read(html) == "Hola Más +"


def test_every_page_is_in_spanish(app, staff):
    wrong = {}
    for name, path in pages(app).items():
        reply = staff.get(path)
        assert reply.status_code in (200, 404, 409), f"{name}: {reply.status_code}"
        html = reply.get_data(as_text=True)
        assert '<html lang="es">' in html, name
        found = leftovers(html, live(app))
        if found:
            wrong[name] = found
    assert wrong == {}, "\n".join(f"{k}: {v}" for k, v in wrong.items())


def test_the_same_pages_for_an_english_reader_are_found_out(app):
    """The check finds English where there is English: it is not passing by finding nothing."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login = client.get("/admin/login").get_data(as_text=True)
    found = leftovers(login, live(app))
    assert any("English" in f for f in found), found


def test_the_audit_says_each_change_as_a_sentence(staff):
    text = read(staff.get("/admin/audit").get_data(as_text=True))
    assert "marisol marcó como revisadas las fechas de Niños que viajan solos" in text
    assert "marisol cambió un número de teléfono de KIND (Kids in Need of Defense)" in text
    assert "ana cambió el texto de Menú principal – opción 4 (español)" in text
    assert "marisol revisó el texto de Menú principal – opción 4 (español) como hablante" in text


def test_the_counts_name_situations_and_cities_as_callers_hear_them(staff):
    text = read(staff.get("/admin/needs/").get_data(as_text=True))
    assert "MPP, Quédate en México, caso activo" in text
    assert "Niños que viajan solos" in text
    assert "Criollo haitiano" in text
    csv_text = staff.get("/admin/needs/counts.csv").get_data(as_text=True)
    header = csv_text.splitlines()[0]
    assert header.startswith("Día,Idioma,Parte de la llamada,Qué pasó,")
    assert "Tijuana y San Diego" in csv_text


REFUSALS = [
    # (what, path, form, words the refusal must say)
    (
        "5,000 characters",
        "/admin/prompts/es/safety.notice/text",
        {"text": "Palabra " * 625},
        ["unos 333 segundos", "4.999 caracteres", "como máximo 3.000"],
    ),
    (
        "42 in Kreyol",
        "/admin/prompts/ht/safety.notice/text",
        {"text": "Gen 42 moun."},
        ["La voz de computadora en criollo haitiano leería mal «42»"],
    ),
    (
        "no key named",
        "/admin/prompts/es/main.children/text",
        {"text": "Niño o niña sin papás."},
        ["El texto debe terminar diciendo qué tecla oprimir"],
    ),
    (
        "invisible character",
        "/admin/prompts/es/safety.notice/text",
        {"text": "Hola\u200b mundo."},
        ["carácter invisible en la posición"],
    ),
    (
        "unknown number",
        "/admin/prompts/es/safety.notice/text",
        {"text": "Llame al {number:nadie}."},
        ["no está en el directorio (nadie)"],
    ),
    ("braces", "/admin/prompts/es/safety.notice/text", {"text": "Hola {x}."}, ["{ o }"]),
    ("empty", "/admin/prompts/es/safety.notice/text", {"text": "  "}, ["El texto está vacío"]),
    (
        "draft refused",
        "/admin/prompts/es/main.children/draft",
        {"text": "Sin tecla."},
        ["El texto debe terminar diciendo qué tecla oprimir"],
    ),
    (
        "letters in a number",
        "/admin/directory/numbers/kind",
        {
            "e164": "619-ABC-4866",
            "country": "US",
            "label": "x",
            "dial_from": "anywhere",
            "channel_voice": "1",
        },
        ["«619-ABC-4866» no es un número de teléfono"],
    ),
    (
        "a digit too many",
        "/admin/directory/numbers/kind",
        {
            "e164": "619-786-48666",
            "country": "US",
            "label": "x",
            "dial_from": "anywhere",
            "channel_voice": "1",
        },
        ["«619-786-48666» no es un número completo de Estados Unidos", "tiene 11 dígitos"],
    ),
    (
        "no channel",
        "/admin/directory/numbers/kind",
        {"e164": "202-918-9432", "country": "US", "label": "x", "dial_from": "anywhere"},
        ["Marque por lo menos «llamadas» o «WhatsApp»"],
    ),
    (
        "a transfer that takes no calls",
        "/admin/directory/numbers/kind",
        {
            "e164": "202-918-9432",
            "country": "US",
            "label": "x",
            "dial_from": "anywhere",
            "channel_whatsapp": "1",
        },
        ["debe recibir llamadas"],
    ),
    (
        "organization without a name",
        "/admin/directory/organizations/kind",
        {"name": " ", "helps": "x"},
        ["Escriba el nombre de la organización"],
    ),
    ("not the form of this console", "/admin/versions/2/undo", {"csrf_token": "forged"}, []),
]


@pytest.mark.parametrize(("what", "path", "form", "says"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_every_refusal_is_in_spanish_with_its_numbers(app, staff, what, path, form, says):
    before = live(app).version
    reply = staff.post(path, data=form)
    assert reply.status_code in (400, 422), reply.status_code
    html = reply.get_data(as_text=True)
    text = read(html)
    for words in says:
        assert words in text, f"{what}: {words!r} not in the page"
    assert leftovers(html, live(app)) == []
    assert "languages.yaml" not in text  # (developers' details may name the file)
    assert live(app).version == before  # nothing was saved


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("notas.txt", b"hola", "un archivo .txt no es un archivo de sonido"),
        ("roto.wav", b"RIFF not really a wave file at all", "no es un archivo de sonido"),
    ],
)
def test_a_refused_recording_is_said_in_spanish(app, staff, name, data, says):
    reply = staff.post(
        "/admin/prompts/es/main.none/upload",
        data={"audio": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    assert reply.status_code == 422
    html = reply.get_data(as_text=True)
    assert says in read(html)
    # The staffer's own file is named back to them; nothing else is.
    assert [f for f in leftovers(html, live(app)) if name not in f] == []


def test_a_file_too_big_is_refused_in_spanish(app, staff, monkeypatch):
    from ivr.console import web

    monkeypatch.setattr(web, "MAX_UPLOAD", 1024)
    reply = staff.post(
        "/admin/prompts/es/main.none/upload",
        data={"audio": (io.BytesIO(b"x" * 4096), "grande.wav")},
        content_type="multipart/form-data",
    )
    assert reply.status_code == 413
    html = reply.get_data(as_text=True)
    assert "Ese archivo es demasiado grande" in read(html)
    assert leftovers(html, live(app)) == []
