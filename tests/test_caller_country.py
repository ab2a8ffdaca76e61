"""Through the webhook: numbers as the caller dials them, and facts that say their age."""

import logging
from xml.etree import ElementTree as ET

from conftest import TOKEN, sign

from ivr import create_app


def plays(response) -> list[str]:
    return [p.text for p in ET.fromstring(response.data).iter("Play")]


def test_a_caller_in_the_us_hears_the_numbers_for_calling_from_the_us(post):
    heard = plays(post("/voice/mpp_active_menu?lang=en", Digits="1", FromCountry="US"))
    assert any("/mpp_active.numbers.from-us." in url for url in heard)


def test_a_caller_in_mexico_hears_the_numbers_for_calling_from_mexico(post):
    heard = plays(post("/voice/waitlist_menu?lang=es", Digits="1", FromCountry="MX"))
    assert any("/waitlist.numbers.from-mx." in url for url in heard)


def test_a_caller_from_elsewhere_hears_both(post):
    heard = plays(post("/voice/no_mpp_menu?lang=ht", Digits="1", FromCountry="GT"))
    assert any("/no_mpp.numbers." in url and ".from-" not in url for url in heard)


def test_the_callers_country_is_never_put_in_a_url_or_a_log(post, caplog):
    with caplog.at_level(logging.INFO):
        response = post("/voice/mpp_active_menu?lang=en", Digits="1", FromCountry="US")
    root = ET.fromstring(response.data)
    actions = [e.get("action", "") for e in root.iter()] + [r.text for r in root.iter("Redirect")]
    assert not any("US" in (a or "") or "ountry" in (a or "") for a in actions)
    assert "US" not in caplog.text and "ountry" not in caplog.text


def test_the_same_step_from_two_countries_is_two_documents(post):
    mx = post("/voice/mpp_active_menu?lang=en", Digits="1", FromCountry="MX").data
    us = post("/voice/mpp_active_menu?lang=en", Digits="1", FromCountry="US").data
    assert mx != us  # the one-second TwiML cache keys on the step, which holds the prompts


def test_old_facts_are_followed_by_the_sentence_that_things_may_have_changed(post):
    heard = plays(post("/voice/main?lang=en", Digits="1"))  # checked 2021: long past 180 days
    names = [url.rsplit("/", 1)[1].split(".wav")[0].rsplit(".", 1)[0] for url in heard]
    assert names[:4] == ["mpp_active.title", "checked.mpp_active", "mpp_active.1", "facts.old"]


def test_the_age_limit_comes_from_the_setting(tmp_path):
    app = create_app(
        {"ENV": {"TWILIO_AUTH_TOKEN": TOKEN, "FACTS_MAX_AGE_DAYS": "100000"}, "TESTING": True}
    )
    path, params = "/voice/main?lang=es", {"CallSid": "CA1", "Digits": "4"}
    signature = sign("http://localhost" + path, params)
    response = app.test_client().post(path, data=params, headers={"X-Twilio-Signature": signature})
    heard = plays(response)
    assert any("/checked.children." in url for url in heard)
    assert not any("/facts.old." in url for url in heard)


def test_an_age_limit_that_is_not_a_whole_number_is_refused_at_start():
    import pytest

    from ivr.config import ConfigError, load_settings

    assert load_settings({}).facts_max_age_days == 180
    with pytest.raises(ConfigError, match="FACTS_MAX_AGE_DAYS"):
        load_settings({"FACTS_MAX_AGE_DAYS": "six months"})
