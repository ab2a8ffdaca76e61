"""What the line keeps is private and bounded (issue #20, item 4).

Every file under DATA_DIR is 0600 and every folder 0700 whatever the umask (the embedded
SQLite file's -wal and -shm included: SQLite gives them the main file's mode, so the main file
is made 0600 before SQLite first opens it), and what an older version left readable is
tightened at start. The write-ahead log is folded back into the main file while the app runs
(its pooled connections never close, and its refresher thread reads every half second): a
copy of the main file alone holds the data, and the log stays small.
"""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest
from pydub.generators import Sine

from ivr import create_app
from ivr.db import SQLITE_WAL_LIMIT

PASSWORD = "correct horse battery"


@pytest.fixture
def open_umask():
    """The most careless umask a machine could have: everything readable by everyone."""
    before = os.umask(0)
    yield
    os.umask(before)


def modes(root: Path) -> dict[str, str]:
    found = {".": oct(stat.S_IMODE(root.stat().st_mode))}
    for path in root.rglob("*"):
        found[str(path.relative_to(root))] = oct(stat.S_IMODE(path.lstat().st_mode))
    return found


def wav() -> bytes:
    out = io.BytesIO()
    Sine(440).to_audio_segment(duration=1500, volume=-12).export(out, format="wav")
    return out.getvalue()


def test_every_file_under_data_dir_is_private_whatever_the_umask(tmp_path, open_umask, pack):
    data = tmp_path / "new" / "data"  # made by the app, parents and all
    env = {"HOTLINE_ENV": "development", "DATA_DIR": str(data), "TTS_ENGINE": "espeak"}
    app = create_app({"ENV": env, "TESTING": True})
    staff = app.extensions["staff"]
    staff.add("maria", PASSWORD)
    client = app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)  # the development key file
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    form = {"name": "maria", "password": PASSWORD, "csrf_token": token}
    assert client.post("/admin/login", data=form).status_code == 302  # the login lock file
    publisher = app.extensions["publisher"]
    publisher.set_text("es", "safety.notice", "Un aviso nuevo y corto.", author="maria")
    draft = publisher.stage_recording("es", "safety.data", wav(), "take.wav", author="maria")
    publisher.draft_audio(draft.id)  # the draft's copy in the cache
    kreyol = pack.language("ht")
    prompt = next(iter(sorted(pack.texts("ht"))))
    offline = app.extensions["audio"].offline.url_for(kreyol, prompt, pack.spoken("ht")[prompt])
    assert offline  # espeak-ng audio made on demand, cached under DATA_DIR

    found = modes(data)
    names = set(found)
    assert {"hotline.sqlite3", "hotline.sqlite3-wal", "hotline.sqlite3-shm"} <= names
    assert "login.lock" in names and "development-secret-key" in names
    assert any(n.startswith("cache/audio/es/safety.notice.") for n in names)
    assert any(n.startswith("cache/live/") and n.endswith("manifest.json") for n in names)
    assert any(n.startswith("offline-audio/ht/") for n in names)
    assert any(n.startswith("cache/drafts") or "draft" in n for n in names), sorted(names)
    folders = {n for n in names if (data / n).is_dir()}
    wrong = {n: m for n, m in found.items() if m != ("0o700" if n in folders else "0o600")}
    assert wrong == {}
    assert oct(stat.S_IMODE((tmp_path / "new").stat().st_mode)) == "0o700"


def test_what_an_older_version_left_readable_is_tightened_at_start(tmp_path):
    data = tmp_path / "data"
    create_app({"ENV": {"HOTLINE_ENV": "development", "DATA_DIR": str(data)}}).extensions[
        "db"
    ].close()
    (data / "cache" / "audio" / "es").mkdir(parents=True, exist_ok=True)
    old = data / "cache" / "audio" / "es" / "old.wav"
    old.write_bytes(b"RIFF")
    for path in [data, *data.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    app = create_app({"ENV": {"HOTLINE_ENV": "development", "DATA_DIR": str(data)}})
    app.extensions["staff"].add("ana", PASSWORD)
    found = modes(data)
    assert found["."] == "0o700" and found["cache/audio/es/old.wav"] == "0o600"
    assert found["hotline.sqlite3-wal"] == found["hotline.sqlite3-shm"] == "0o600"
    assert not [n for n, m in found.items() if m not in ("0o600", "0o700")]


def test_the_write_ahead_log_is_folded_back_while_the_app_runs(tmp_path):
    data = tmp_path / "data"
    app = create_app(
        {"ENV": {"HOTLINE_ENV": "development", "DATA_DIR": str(data)}, "LIVE_POLL_SECONDS": 0.05}
    )
    staff = app.extensions["staff"]
    publisher = app.extensions["publisher"]
    for i in range(30):  # each a password hash: what the red team found only in the log
        staff.add(f"staff{i}", f"{PASSWORD} {i}")
    publisher.set_text("es", "safety.notice", "Un aviso nuevo y corto.", author="staff1")
    staff.add("last", PASSWORD)  # a small write after the big one: the log starts over
    wal = data / "hotline.sqlite3-wal"
    assert wal.exists()  # the app still runs: its connections are open (WAL mode)
    assert wal.stat().st_size <= SQLITE_WAL_LIMIT + 64 * 1024

    # The main file alone (no -wal beside it) holds everything written so far.
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copyfile(data / "hotline.sqlite3", alone / "copy.sqlite3")
    copy = sqlite3.connect(alone / "copy.sqlite3")
    try:
        names = {row[0] for row in copy.execute("SELECT name FROM staff")}
        versions = copy.execute("SELECT count(*) FROM versions").fetchone()[0]
    finally:
        copy.close()
    assert {f"staff{i}" for i in range(30)} <= names
    assert versions >= 1
    assert (data / "hotline.sqlite3").stat().st_size > 100_000
