"""The Procfile's server, for real: gunicorn on 127.0.0.1 answers a signed webhook."""

import os

import requests
from conftest import TOKEN, sign
from processes import GUNICORN_QUICK_STOP, ROOT, procfile_web, with_venv_path


def test_the_release_phase_upgrades_the_database_schema():
    procfile = (ROOT / "Procfile").read_text()
    assert "release: flask --app ivr db upgrade" in procfile.splitlines()


def test_gunicorn_from_the_procfile_answers_a_signed_call(tmp_path, processes):
    env = {**os.environ, "TWILIO_AUTH_TOKEN": TOKEN, "WEB_CONCURRENCY": "1"}
    env = with_venv_path({**env, "DATA_DIR": str(tmp_path)})
    server = processes.server(
        procfile_web, cwd=ROOT, env=env, ready="/admin/login", stop_signal=GUNICORN_QUICK_STOP
    )
    url = f"{server.base}/voice"
    params = {"CallSid": "CA1", "From": "+15555550100"}
    response = requests.post(
        url, data=params, timeout=30, headers={"X-Twilio-Signature": sign(url, params)}
    )
    assert response.status_code == 200
    assert b"<Gather" in response.content
    assert requests.post(url, data=params, timeout=30).status_code == 403
