"""Log lines cannot be forged through a request, and no caller number or CallSid reaches any
log, in-process or from the Procfile's real gunicorn."""

import io
import logging
import os
from urllib.parse import quote

import requests
from conftest import TOKEN, sign
from processes import GUNICORN_QUICK_STOP, ROOT, procfile_web, with_venv_path

from ivr.logs import escape, strip_query

CALLER = "+5215512345678"
CALL_SID = "CA" + "7" * 32
FORGED = "/voice/x%0D%0ACRITICAL%20ivr.security:%20the%20line%20is%20down"


def test_control_characters_are_written_as_visible_escapes():
    assert (
        escape("a\r\nCRITICAL b\x1b[31m\x00\u2028") == "a\\x0d\\x0aCRITICAL b\\x1b[31m\\x00\\u2028"
    )
    assert escape("Perdón, línea: +1 (858)") == "Perdón, línea: +1 (858)"


def test_a_uri_loses_its_query_string():
    assert strip_query("/voice?From=%2B52155&CallSid=CA1 HTTP/1.1") == "/voice HTTP/1.1"


def test_a_forged_line_break_makes_no_fake_line(post, caplog):
    caplog.set_level(logging.INFO)
    # The in-process phone quiets "ivr" to warnings; a test before this one may have run it.
    caplog.set_level(logging.INFO, logger="ivr")
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    try:
        # signed, so they reach the app's own log lines (a step, and a 404 restart)
        responses = [post(FORGED), post(FORGED.replace("/x", "/x/y"))]
    finally:
        logging.getLogger().removeHandler(handler)
    assert [r.status_code for r in responses] == [200, 200]
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and not any(line.startswith("CRITICAL") for line in lines)
    assert all("\\x0d\\x0aCRITICAL" in line for line in lines)


def test_the_procfiles_gunicorn_logs_no_caller_number_no_callsid_and_no_forged_line(
    tmp_path, processes
):
    env = with_venv_path(
        {
            **os.environ,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "WEB_CONCURRENCY": "1",
            "DATA_DIR": str(tmp_path / "data"),
        }
    )
    log_file = tmp_path / "gunicorn.log"
    server = processes.server(
        procfile_web,
        cwd=ROOT,
        env=env,
        log=log_file,
        ready="/admin/login",
        stop_signal=GUNICORN_QUICK_STOP,
    )
    base = server.base
    params = {"CallSid": CALL_SID, "From": CALLER, "Caller": CALLER, "Digits": "1"}
    query = f"?From={quote(CALLER)}&CallSid={CALL_SID}"
    # a webhook configured as GET (signed the way Twilio signs a GET), and forged ones
    get_url = base + "/voice/language" + query
    assert (
        requests.get(
            get_url, timeout=30, headers={"X-Twilio-Signature": sign(get_url, {})}
        ).status_code
        == 403
    )
    assert requests.post(base + "/voice" + query, data=params, timeout=30).status_code == 403
    assert requests.get(base + "/admin/login" + query, timeout=30).status_code in (200, 503)
    # real signed POSTs: the number is in the form
    for path in ("/voice", "/voice/language", FORGED):
        url = base + path
        response = requests.post(
            url, data=params, timeout=30, headers={"X-Twilio-Signature": sign(url, params)}
        )
        assert response.status_code == 200
    server.stop()  # every line written
    output = log_file.read_text(encoding="utf-8", errors="replace")
    assert '"POST /voice/language"' in output  # the access log is on
    assert "webhook refused" in output and "HTTP POST" in output
    for secret in (CALLER, quote(CALLER), CALLER.lstrip("+"), CALL_SID):
        assert secret not in output
    assert not any(line.startswith("CRITICAL") for line in output.splitlines())


def test_gunicorns_error_log_drops_the_query_string_of_a_failed_request(capsys):
    from gunicorn.config import Config

    from ivr.logs import GunicornLogger

    cfg = Config()
    cfg.set("errorlog", "-")
    logger = GunicornLogger(cfg)
    try:
        raise OSError("connection reset")
    except OSError:
        # what gunicorn's worker logs when a request fails outside the app
        logger.exception("Error handling request %s", f"/voice/main?From={quote(CALLER)}")
    err = capsys.readouterr().err
    assert "Error handling request /voice/main" in err
    assert quote(CALLER) not in err and "From=" not in err
