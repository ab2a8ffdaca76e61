import compileall
from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator

from ivr import config, create_app
from ivr.content import load_pack

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "test-auth-token"

# Plugins of the suite's own, in tests/: every process a test starts is stopped however the
# test ends (processes.py); the throwaway PostgreSQL server and the database_url fixture, SQLite
# and PostgreSQL (pgserver.py); one headless Chromium per worker, shared by the browser test
# modules (test_browser_support.py); costly deterministic work (speech, packs, YAML edits,
# templates, password hashes) made once per worker (worker_cache.py); the slowest files first
# (file_order.py).
pytest_plugins = ["processes", "pgserver", "test_browser_support", "worker_cache", "file_order"]


def pytest_configure(config: pytest.Config) -> None:
    """ivr/ compiled once, before the workers start: the gunicorns and flask commands the tests
    start (a hundred or so) then read its bytecode instead of each compiling 28,000 lines
    again, which they would where the environment sets PYTHONDONTWRITEBYTECODE (CI's does)."""
    if not hasattr(config, "workerinput"):
        compileall.compile_dir(ROOT / "ivr", quiet=1)


@pytest.fixture(scope="session", autouse=True)
def _session_data_dir(tmp_path_factory):
    """Apps made by module- or session-wide fixtures keep their data in a tmp folder too."""
    default = config.SETTINGS["DATA_DIR"]
    with pytest.MonkeyPatch.context() as patch:
        folder = tmp_path_factory.mktemp("instance")
        patch.setitem(config.SETTINGS, "DATA_DIR", (str(folder), default[1]))
        yield


@pytest.fixture(autouse=True)
def _data_dir_in_tmp(tmp_path, monkeypatch):
    """Apps made without DATA_DIR keep their database and caches in the test's tmp folder,
    never in the repository's instance/."""
    default = config.SETTINGS["DATA_DIR"]
    monkeypatch.setitem(config.SETTINGS, "DATA_DIR", (str(tmp_path / "instance"), default[1]))


@pytest.fixture(scope="session")
def pack():
    return load_pack(ROOT / "prompts")


@pytest.fixture
def app(tmp_path):
    env = {"TWILIO_AUTH_TOKEN": TOKEN, "DATA_DIR": str(tmp_path / "data")}
    return create_app({"ENV": env, "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


def sign(url: str, params: dict, token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


@pytest.fixture
def post(client):
    """POST a webhook signed as Twilio signs it; returns the response."""

    def _post(path: str, **params):
        url = "http://localhost" + path
        params = {"CallSid": "CA123", "AccountSid": "AC123", **params}
        return client.post(path, data=params, headers={"X-Twilio-Signature": sign(url, params)})

    return _post
