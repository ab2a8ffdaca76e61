"""Only Twilio drives the line: every request under /voice is signed, whatever its method or
path, and the signature check agrees with Twilio's own, vector for vector."""

import json
import logging
from pathlib import Path

import pytest
from conftest import TOKEN, sign
from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from ivr import create_app
from ivr.security import compute_signature, port_variant, verify

# Twilio's known answers (twilio-python's tests, MIT; copied from shared/twiml with its "meta").
VECTORS = json.loads((Path(__file__).parent / "data/twilio-signature-vectors.json").read_text())

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
PATHS = [
    "/voice",
    "/voice/",
    "/voice/main",
    "/voice/main?lang=en",
    "/voice/main/extra",
    "/voice/fallback",
    "/voice/language",
    "/voice/%0d%0a",
    "/voice//x",
]


@pytest.fixture(scope="module")
def line():
    """One app for the whole method x path walk (making an app is most of a test's time)."""
    return create_app({"ENV": {"TWILIO_AUTH_TOKEN": TOKEN}, "TESTING": True}).test_client()


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("path", PATHS)
def test_an_unsigned_request_is_forbidden_on_every_path_and_method(line, method, path):
    response = line.open(path, method=method, data={"Digits": "1", "CallSid": "CA1"})
    assert response.status_code == 403
    assert b"<Response" not in response.data


@pytest.mark.parametrize("path", PATHS)
def test_a_wrongly_signed_post_is_forbidden_everywhere(line, path):
    headers = {"X-Twilio-Signature": sign("http://localhost/voice/other", {"Digits": "1"})}
    response = line.post(path, data={"Digits": "1"}, headers=headers)
    assert response.status_code == 403


def test_a_forged_body_over_256_kb_is_forbidden_without_being_read(client):
    response = client.post(
        "/voice/main",
        data="x" * 300_000,
        headers={
            "X-Twilio-Signature": "forged",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert response.status_code == 403
    assert response.headers["Connection"] == "close"


def test_a_signed_get_is_refused_with_a_log_line_that_says_to_use_post(client, caplog):
    url = "http://localhost/voice?From=%2B5215512345678&CallSid=CA1"
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.INFO, logger="ivr")  # the in-process phone quiets it to warnings
    response = client.get(url, headers={"X-Twilio-Signature": sign(url, {})})
    assert response.status_code == 403
    lines = [r.getMessage() for r in caplog.records]
    assert any("HTTP POST" in line for line in lines)
    assert not any("5215512345678" in line or "CA1" in line for line in lines)


def test_signed_posts_to_unknown_voice_paths_still_get_a_menu(post):
    response = post("/voice/main/extra")
    assert response.status_code == 200 and b"<Gather" in response.data


def test_other_paths_are_not_the_gates_business(client):
    assert client.get("/admin/login").status_code in (200, 503)
    assert client.get("/voicemail").status_code == 404


def test_development_without_a_token_serves_unsigned_posts_but_no_gets():
    client = create_app({"ENV": {"HOTLINE_ENV": "development"}}).test_client()
    assert client.post("/voice/main?lang=en", data={"Digits": "1"}).status_code == 200
    assert client.get("/voice").status_code == 403


# -- the signature itself ---------------------------------------------------------------------


def _params(case):
    if "params_multi" in case:
        return [tuple(pair) for pair in case["params_multi"]]
    params = VECTORS["params"] if case.get("params") == "params" else case.get("params", {})
    return list(params.items())


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda case: case["name"])
def test_twilios_known_answer_vectors(case):
    token = VECTORS["auth_token"].encode()
    body = case.get("body", "").encode() or None
    assert verify(token, case["url"], _params(case), case["expected"], body) is case["valid"]
    signed_url = case.get("signed_string_url", case["url"])
    if "body" not in case and "port" not in case["name"]:
        assert compute_signature(token, signed_url, _params(case)) == case["expected"]


def test_a_json_body_that_does_not_match_its_hash_is_refused():
    case = next(c for c in VECTORS["cases"] if "body" in c)
    token = VECTORS["auth_token"].encode()
    assert not verify(token, case["url"], [], case["expected"], case["body"].encode() + b" ")


def test_the_port_variant_adds_the_default_port_or_removes_one():
    assert port_variant("https://a.org/voice?x=1") == "https://a.org:443/voice?x=1"
    assert port_variant("http://a.org:8080/voice") == "http://a.org/voice"
    assert port_variant("http://[::1]/voice") == "http://[::1]:80/voice"


def test_a_good_signature_costs_one_hmac(monkeypatch):
    import ivr.security as security

    url, params = "https://line.example.org/voice/main?lang=es", [("Digits", "1")]
    signature = sign(url, dict(params))
    calls = []
    real_new = security.hmac.new
    monkeypatch.setattr(security.hmac, "new", lambda *a: calls.append(a) or real_new(*a))
    assert verify(TOKEN.encode(), url, params, signature)
    assert len(calls) == 1


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
urls = st.builds(
    lambda scheme, host, port, path, query: f"{scheme}://{host}{port}/{path}{query}",
    st.sampled_from(["http", "https"]),
    st.sampled_from(["line.example.org", "localhost", "127.0.0.1"]),
    st.sampled_from(["", ":80", ":443", ":8443"]),
    st.sampled_from(["voice", "voice/main", "voice/t_kind", "v%C3%B1"]),
    st.sampled_from(["", "?lang=es", "?lang=en&tries=1&ret=main"]),
)


@settings(max_examples=200, deadline=None)
@given(
    url=urls,
    signed_as=st.sampled_from(["same", "variant", "other"]),
    params=st.lists(
        st.tuples(st.sampled_from(["Digits", "From", "CallSid", "x"]), text), max_size=5
    ),
    token=st.sampled_from(["12345", TOKEN]),
)
def test_the_check_agrees_with_twilios_request_validator(url, signed_as, params, token):
    from werkzeug.datastructures import MultiDict

    form = MultiDict(params)
    signed_url = {"same": url, "variant": port_variant(url), "other": url + "x"}[signed_as]
    signature = RequestValidator(token).compute_signature(signed_url, form)
    expected = RequestValidator(token).validate(url, form, signature)
    assert verify(token.encode(), url, params, signature) is expected


@pytest.mark.parametrize(
    "body",
    [
        b"CallSid=CA1&From=%2B15017122661&Digits=&Caller=+52+1",
        b"a=%C3%A9&a+b=c+d&x&=&&y=%zz%",
        "é=%C3%A9&k=v".encode(),
        b"",
    ],
)
def test_the_gate_reads_a_form_as_werkzeug_does(body):
    from werkzeug.wrappers import Request

    from ivr.security import form_fields

    form = Request.from_values(data=body, content_type="application/x-www-form-urlencoded").form
    assert form_fields(body) == list(form.items(multi=True))


def test_a_body_that_is_not_utf8_is_refused_not_an_error(line):
    response = line.post(
        "/voice",
        data=b"\xff=%ff&k=v",
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "x"},
    )
    assert response.status_code == 403
