"""The Twilio webhooks, signed as Twilio signs them, through Flask's test client."""

from xml.etree import ElementTree

import pytest
from conftest import TOKEN, sign

from ivr import create_app
from ivr.config import ConfigError


def twiml(response):
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    root = ElementTree.fromstring(response.data)
    assert root.tag == "Response"
    return root


def test_a_signed_call_gets_the_language_menu(post):
    root = twiml(post("/voice", From="+15555550100", To="+15555550199", CallStatus="ringing"))
    gather = root.find("Gather")
    assert gather.get("action") == "/voice/language"
    assert gather.get("numDigits") == "1"
    assert gather.get("actionOnEmptyResult") == "true"
    assert len(list(gather)) == 3


def test_a_missing_signature_is_forbidden(client):
    assert client.post("/voice", data={"CallSid": "CA1"}).status_code == 403


def test_a_wrong_signature_is_forbidden(client):
    headers = {"X-Twilio-Signature": sign("http://localhost/voice", {"CallSid": "CA1"}, "x")}
    assert client.post("/voice", data={"CallSid": "CA1"}, headers=headers).status_code == 403


def test_a_signature_for_other_parameters_is_forbidden(client):
    headers = {"X-Twilio-Signature": sign("http://localhost/voice", {"Digits": "1"})}
    assert client.post("/voice", data={"Digits": "2"}, headers=headers).status_code == 403


def test_behind_a_tls_proxy_the_public_https_url_is_verified():
    app = create_app({"ENV": {"TWILIO_AUTH_TOKEN": TOKEN, "TRUSTED_PROXIES": "1"}})
    params = {"CallSid": "CA1"}
    headers = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "hotline.example.org",
        "X-Twilio-Signature": sign("https://hotline.example.org/voice", params),
    }
    assert app.test_client().post("/voice", data=params, headers=headers).status_code == 200


def test_forwarded_headers_are_ignored_when_no_proxy_is_trusted(client):
    params = {"CallSid": "CA1"}
    headers = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "hotline.example.org",
        "X-Twilio-Signature": sign("https://hotline.example.org/voice", params),
    }
    assert client.post("/voice", data=params, headers=headers).status_code == 403


def test_public_base_url_rebuilds_the_signed_url():
    app = create_app({"ENV": {"TWILIO_AUTH_TOKEN": TOKEN,
                              "PUBLIC_BASE_URL": "https://line.example.org"}})
    params = {"CallSid": "CA1", "Digits": "1"}
    headers = {"X-Twilio-Signature": sign("https://line.example.org/voice/language", params)}
    assert app.test_client().post("/voice/language", data=params,
                                  headers=headers).status_code == 200


def test_the_app_refuses_to_start_without_a_token_outside_development():
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN"):
        create_app({"ENV": {}})


def test_development_mode_serves_unsigned_webhooks():
    app = create_app({"ENV": {"HOTLINE_ENV": "development"}})
    assert app.test_client().post("/voice", data={}).status_code == 200


@pytest.mark.parametrize("lang,key", [("es", "1"), ("ht", "2"), ("en", "3")])
def test_every_situation_is_reachable_in_every_language(post, pack, lang, key):
    # Situations straight from the main menu; organizations and news through help (0).
    for first, second in [("1", None), ("2", None), ("3", None), ("4", None), ("5", None),
                          ("0", "2"), ("0", "3")]:
        root = twiml(post(f"/voice/main?lang={lang}", Digits=first))
        if second:
            action = root.find("Gather").get("action")
            root = twiml(post(action, Digits=second))
        assert root.find("Gather") is not None


@pytest.mark.parametrize("digits", ["", "99", "abc", "*#*#", "1" * 500, "\x00"])
def test_garbled_digits_get_a_reprompt_not_an_error(post, digits):
    root = twiml(post("/voice/main?lang=en", Digits=digits))
    assert "tries=1" in root.find("Gather").get("action")


@pytest.mark.parametrize("path", [
    "/voice/main", "/voice/main?lang=zz", "/voice/nope?lang=en", "/voice/main?lang=en&tries=x",
    "/voice/main?lang=en&tries=-5", "/voice/t_aol?lang=en&ret=%00",
])
def test_a_garbled_url_still_gets_valid_twiml(post, path):
    twiml(post(path, Digits="1"))


def test_a_missing_callsid_is_fine(client):
    params = {"Digits": "1"}
    headers = {"X-Twilio-Signature": sign("http://localhost/voice/language", params)}
    twiml(client.post("/voice/language", data=params, headers=headers))


def test_a_huge_body_is_forbidden_not_answered(client):
    response = client.post("/voice/main?lang=en", data={"Digits": "1", "x": "a" * 600_000},
                           headers={"X-Twilio-Signature": "x"})
    assert response.status_code == 403


def test_in_development_a_huge_body_still_gets_a_restart_not_an_error():
    client = create_app({"ENV": {"HOTLINE_ENV": "development"}}).test_client()
    response = client.post("/voice/main?lang=en", data={"Digits": "1", "x": "a" * 300_000})
    assert twiml(response).find("Gather").get("action") == "/voice/language"


def test_an_unexpected_exception_apologises_and_gives_the_help_number(app, post, monkeypatch):
    from ivr import flow

    def boom(*args):
        raise RuntimeError("bug")

    monkeypatch.setattr(flow, "next_step", boom)
    root = twiml(post("/voice/main?lang=en", Digits="1"))
    said = " ".join(s.text for s in root.iter("Say"))
    assert "Sorry" in said and "8 5 8, 6 3 7" in said
    assert root.find("Redirect").text.endswith("after_error=1")


def test_a_transfer_dials_the_number_with_an_action(post, pack):
    root = twiml(post("/voice/children_menu?lang=en", Digits="2"))
    dial = root.find("Dial")
    assert dial.find("Number").text == pack.numbers["kind"].e164
    assert dial.get("action") == "/voice/t_kind?lang=en&ret=children_menu"


def test_a_busy_transfer_returns_to_the_menu(post):
    root = twiml(post("/voice/t_kind?lang=en&ret=children_menu", DialCallStatus="busy"))
    assert root.find("Gather").get("action") == "/voice/children_menu?lang=en"
