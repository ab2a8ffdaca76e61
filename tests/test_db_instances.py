"""Several machines, one PostgreSQL: real gunicorn instances with their own (empty, then wiped)
DATA_DIRs serve what a CLI in a third process publishes, text and audio, within about a
second; concurrent publishes from two processes both survive; and callers keep being answered
while the database is down (the console then says so with a 503) until it comes back."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests
from processes import BIN, GUNICORN_QUICK_STOP, gunicorn, run, spawn, start_server, stop
from test_publish_support import as_heard, eventually, heard

from ivr import create_app
from ivr.content import load_pack
from ivr.flow import answer

ROOT = Path(__file__).resolve().parent.parent
ENV_KEYS = ("HOTLINE_ENV", "SECRET_KEY", "DATABASE_URL", "DATA_DIR")
SECRET = "s" * 40
PASSWORD = "correct horse battery"
PROMPT = next(p.id for p in answer(load_pack(ROOT / "prompts")).prompts if p.lang == "es")
RAW = load_pack(ROOT / "prompts").raw_texts("es")[PROMPT]


def environment(url: str, data: Path) -> dict[str, str]:
    """A machine of the line: the repository's content, its own DATA_DIR, the shared database."""
    return {
        **os.environ,
        "HOTLINE_ENV": "development",
        "SECRET_KEY": SECRET,  # every machine signs cookies alike
        "DATABASE_URL": url,
        "DATA_DIR": str(data),
        "PATH": f"{BIN}:{os.environ['PATH']}",
    }


def here(url: str, data: Path):
    """An app in this process on the shared database (cheaper than another process)."""
    env = {k: v for k, v in environment(url, data).items() if k in ENV_KEYS}
    return create_app({"ENV": env, "TESTING": True})


def flask(
    url: str, data: Path, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess:
    """A one-off process (Heroku's `run`): its own empty DATA_DIR, the shared database."""
    return run(
        [BIN / "flask", "--app", "ivr", *args],
        env=environment(url, data),
        cwd=ROOT,
        input=stdin,
        timeout=120,
    )


class Instance:
    """`gunicorn ivr.wsgi:app` (the Procfile's app) on a free loopback port."""

    def __init__(self, url: str, data: Path) -> None:
        self.url, self.data = url, data
        self.server = start_server(
            gunicorn("ivr.wsgi:app", workers=1, threads=4),
            env=environment(url, data),
            cwd=ROOT,
            log=data.parent / f"{data.name}.log",
            ready="/admin/login",
            stop_signal=GUNICORN_QUICK_STOP,
        )
        self.base = self.server.base

    def call(self) -> str:
        response = requests.post(f"{self.base}/voice", data={"CallSid": "CA1"}, timeout=10)
        assert response.status_code == 200
        return response.text

    def press(self, twiml: str, digits: str) -> requests.Response:
        action = html.unescape(re.search(r'<Gather action="([^"]+)"', twiml)[1])
        data = {"CallSid": "CA1", "Digits": digits}
        return requests.post(f"{self.base}{action}", data=data, timeout=10)

    def stop(self) -> None:
        self.server.stop()


def played(twiml: str) -> str | None:
    match = re.search(r"<Play>(/audio/es/[^<]+)</Play>", twiml)
    return match[1] if match else None


def log_in(instance: Instance) -> requests.Session:
    browser = requests.Session()
    page = browser.get(f"{instance.base}/admin/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    form = {"name": "ana", "password": PASSWORD, "csrf_token": token, "next": ""}
    response = browser.post(f"{instance.base}/admin/login", data=form, timeout=30)
    assert response.status_code == 200 and "/admin/login" not in response.url
    return browser


@pytest.fixture
def instances(tmp_path, postgres_url):
    started: list[Instance] = []

    def start(name: str) -> Instance:
        instance = Instance(postgres_url, tmp_path / name)
        started.append(instance)
        return instance

    try:
        yield start
    finally:
        for instance in started:
            instance.stop()


def within(seconds: float, check) -> float:
    """How long ``check`` took to come true (it must within ``seconds``)."""
    start = time.monotonic()
    assert eventually(check, seconds), f"not within {seconds} s"
    return time.monotonic() - start


def test_two_machines_serve_what_a_third_process_publishes_and_keep_it_after_a_wipe(
    tmp_path, postgres_url, instances
):
    first, second = instances("machine-a"), instances("machine-b")
    old_audio = played(second.call())
    assert old_audio is not None
    added = flask(
        postgres_url,
        tmp_path / "one-off",
        "staff",
        "add",
        "ana",
        "--password-stdin",
        stdin=f"{PASSWORD}\n",
    )
    assert added.returncode == 0, added.stderr

    text = flask(
        postgres_url,
        tmp_path / "one-off",
        "content",
        "set-text",
        "es",
        PROMPT,
        f"Bienvenida. {RAW}",
        "--by",
        "ana",
    )
    assert text.returncode == 0, text.stderr
    # Both machines speak the new text (with computer audio of it, made by the one-off
    # process) within a second or so (2.5 s allowed on a busy test machine).
    reader = here(postgres_url, tmp_path / "reader")  # the live manifest, from the database
    within(2.5, lambda: all("Bienvenida." in as_heard(reader, m.call()) for m in (first, second)))
    new_audio = played(second.call())
    assert new_audio not in (None, old_audio)

    audio = flask(
        postgres_url, tmp_path / "one-off", "content", "make-audio", "--lang", "es", "--by", "ana"
    )
    assert audio.returncode == 0, audio.stderr
    assert "nothing to make" in audio.stdout  # the text edit's audio is current
    for machine in (first, second):  # every machine serves every URL any machine names
        assert played(machine.call()) == new_audio
        response = requests.get(f"{machine.base}{new_audio}", timeout=10)
        assert response.status_code == 200 and response.content[:4] == b"RIFF"
        assert "immutable" in response.headers["Cache-Control"]
    session = log_in(first)  # an account made by a one-off process, a session on any machine
    assert session.get(f"{second.base}/admin/", timeout=10).status_code == 200

    for machine in (first, second):
        machine.stop()
        shutil.rmtree(machine.data)
    restarted = instances("machine-a")

    twiml = restarted.call()
    assert "Bienvenida." not in twiml and played(twiml) == new_audio  # its audio speaks it
    assert requests.get(f"{restarted.base}{new_audio}", timeout=10).status_code == 200
    assert session.get(f"{restarted.base}/admin/", timeout=10).status_code == 200
    versions = reader.extensions["publisher"].versions()
    assert [(v.id, v.live) for v in versions] == [("1", True)]  # words and audio together


def test_two_processes_publishing_at_once_both_keep_their_edit(tmp_path, postgres_url):
    pack = load_pack(ROOT / "prompts")
    edits = {"es": "Hola", "en": "Hello"}
    prompts = {lang: next(p.id for p in answer(pack).prompts if p.lang == lang) for lang in edits}
    processes = [
        spawn(
            [
                BIN / "flask",
                "--app",
                "ivr",
                "content",
                "set-text",
                lang,
                prompts[lang],
                f"{word}. {pack.raw_texts(lang)[prompts[lang]]}",
                "--by",
                lang,
            ],
            env=environment(postgres_url, tmp_path / lang),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for lang, word in edits.items()
    ]
    try:
        results = [(p.wait(120), p.stderr.read()) for p in processes]
    finally:
        for process in processes:
            stop(process)

    assert [code for code, _ in results] == [0, 0], results
    reader = here(postgres_url, tmp_path / "reader")
    publisher = reader.extensions["publisher"]
    assert sorted(entry.who for entry in publisher.audit_log()) == ["en", "es"]
    assert [(v.id, v.live) for v in publisher.versions()] == [("2", True), ("1", False)]
    live = heard(reader)
    assert "Hola." in live and "Hello." in live  # the second publish started from the first


def test_callers_are_answered_while_the_database_is_down_and_all_recovers(
    tmp_path, postgres_url, postgres_server, instances
):
    setup = here(postgres_url, tmp_path / "one-off")
    setup.extensions["staff"].add("ana", PASSWORD)
    setup.extensions["publisher"].set_text("es", PROMPT, f"Uno. {RAW}", author="ana")
    machine = instances("machine")
    session = log_in(machine)
    twiml = machine.call()
    assert "Uno." in as_heard(setup, twiml)  # setup published it: its manifest is in memory

    postgres_server.stop()
    try:
        menu = machine.press(twiml, "1")  # mid-call: the caller chose Spanish
        again = machine.call()
        console = session.get(f"{machine.base}/admin/", timeout=30)
        refused = setup.test_cli_runner().invoke(
            args=["content", "set-text", "es", PROMPT, f"Dos. {RAW}", "--by", "ana"]
        )
    finally:
        postgres_server.start()

    assert menu.status_code == 200 and "<Response>" in menu.text
    assert "Uno." in as_heard(setup, again)
    assert console.status_code == 503 and "database cannot be reached" in console.text
    assert "Traceback" not in console.text
    assert refused.exit_code == 1 and "database cannot be reached" in refused.output
    within(15, lambda: session.get(f"{machine.base}/admin/", timeout=10).status_code == 200)
    published = flask(
        postgres_url,
        tmp_path / "one-off",
        "content",
        "set-text",
        "es",
        PROMPT,
        f"Dos. {RAW}",
        "--by",
        "ana",
    )
    assert published.returncode == 0, published.stderr
    within(2.5, lambda: "Dos." in as_heard(setup, machine.call()))


def test_a_web_process_refuses_a_database_whose_schema_is_behind(tmp_path, postgres_server):
    name = postgres_server.new_database(empty=True)
    url = postgres_server.url(name)
    try:
        refused = run(
            [BIN / "python", "-c", "import ivr.wsgi"],
            env=environment(url, tmp_path / "web"),
            cwd=ROOT,
            timeout=60,
        )
        upgraded = flask(url, tmp_path / "release", "db", "upgrade")
        current = flask(url, tmp_path / "release", "db", "current")
        started = run(
            [BIN / "python", "-c", "import ivr.wsgi"],
            env=environment(url, tmp_path / "web"),
            cwd=ROOT,
            timeout=60,
        )
    finally:
        postgres_server.drop(name)

    assert refused.returncode != 0
    assert "SchemaBehind" in refused.stderr and "flask --app ivr db upgrade" in refused.stderr
    assert upgraded.returncode == 0 and "upgraded: empty -> " in upgraded.stdout
    assert "up to date" in current.stdout
    assert started.returncode == 0, started.stderr
