"""One call, one log tag, on every worker and machine (issue #20, item 7).

The salt of the hashed CallSid in log lines comes from the configuration: LOG_SALT when set,
else derived from SECRET_KEY (else from TWILIO_AUTH_TOKEN). Each gunicorn worker builds its own
app, so the test asks separate processes (two "machines" with the same configuration) to log
the same call, and compares the tags.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from ivr.config import load_settings
from ivr.voice import tag

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "salt-test-token"
SECRET = "salt-test-secret-" + "k" * 24

ONE_CALL = r"""
import logging, sys
from ivr import create_app
from ivr.security import compute_signature
app = create_app({"ENV": dict(a.split("=", 1) for a in sys.argv[1:]), "TESTING": True})
logging.getLogger("ivr").setLevel(logging.INFO)
form = {"CallSid": "CA0123456789abcdef0123456789abcdef", "From": "+15555550100"}
url = "http://localhost/voice"
signature = compute_signature(b"salt-test-token", url, form.items())
reply = app.test_client().post("/voice", data=form, headers={"X-Twilio-Signature": signature})
assert reply.status_code == 200, reply.status_code
"""


def logged_tag(tmp_path: Path, machine: str, **env: str) -> str:
    """The tag one process (a worker of `machine`) logs for the call."""
    settings = {"TWILIO_AUTH_TOKEN": TOKEN, "DATA_DIR": str(tmp_path / machine), **env}
    clean = {k: v for k, v in os.environ.items() if k not in ("LOG_SALT", "SECRET_KEY")}
    done = subprocess.run(
        [sys.executable, "-c", ONE_CALL, *(f"{k}={v}" for k, v in settings.items())],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found = re.findall(r"call ([0-9a-f]{10}) answered", done.stderr)
    assert len(found) == 1, done.stderr[-2000:]
    return found[0]


def test_two_machines_tag_one_call_alike(tmp_path):
    first = logged_tag(tmp_path, "machine-a", SECRET_KEY=SECRET)
    second = logged_tag(tmp_path, "machine-b", SECRET_KEY=SECRET)
    again = logged_tag(tmp_path, "machine-a", SECRET_KEY=SECRET)  # another worker, same machine
    assert first == second == again
    other = logged_tag(tmp_path, "machine-c", SECRET_KEY="another-deployment-" + "x" * 24)
    assert other != first  # another deployment's logs cannot be joined with these


def test_the_salt_comes_from_log_salt_then_secret_key_then_the_auth_token():
    base = {"TWILIO_AUTH_TOKEN": TOKEN}
    set_salt = load_settings({**base, "SECRET_KEY": SECRET, "LOG_SALT": "chosen"}).log_salt
    from_key = load_settings({**base, "SECRET_KEY": SECRET}).log_salt
    from_token = load_settings(base).log_salt
    assert set_salt.reveal() == "chosen"
    assert from_key.reveal() == load_settings({**base, "SECRET_KEY": SECRET}).log_salt.reveal()
    assert from_token.reveal() == load_settings(base).log_salt.reveal()
    assert len({set_salt.reveal(), from_key.reveal(), from_token.reveal()}) == 3
    # Derived one way: the salt (which log readers may learn) is not the key, nor in it.
    assert SECRET not in from_key.reveal() and from_key.reveal() not in SECRET
    assert "Secret(" in repr(load_settings({**base, "SECRET_KEY": SECRET}))
    sid = "CA0123456789abcdef0123456789abcdef"
    assert tag(from_key.reveal(), sid) != tag(from_token.reveal(), sid)
