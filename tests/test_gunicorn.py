"""The Procfile's server, for real: gunicorn on 127.0.0.1 answers a signed webhook."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from conftest import TOKEN, sign

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_release_phase_upgrades_the_database_schema():
    procfile = (ROOT / "Procfile").read_text()
    assert "release: flask --app ivr db upgrade" in procfile.splitlines()


def test_gunicorn_from_the_procfile_answers_a_signed_call(tmp_path):
    port = free_port()
    web = (ROOT / "Procfile").read_text().split("web:", 1)[1].strip()
    command = web.replace("0.0.0.0:$PORT", f"127.0.0.1:{port}")
    env = {**os.environ, "TWILIO_AUTH_TOKEN": TOKEN, "WEB_CONCURRENCY": "1",
           "DATA_DIR": str(tmp_path),
           "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    proc = subprocess.Popen(["bash", "-c", f"exec {command}"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/voice"
        params = {"CallSid": "CA1", "From": "+15555550100"}
        deadline = time.monotonic() + 20
        while True:
            try:
                response = requests.post(url, data=params, timeout=5,
                                         headers={"X-Twilio-Signature": sign(url, params)})
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert response.status_code == 200
        assert b"<Gather" in response.content
        assert requests.post(url, data=params, timeout=5).status_code == 403
    finally:
        proc.terminate()
        proc.wait(10)
