"""Texts go out through twilio's own client to a fake Messages API on 127.0.0.1."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from ivr.config import Secret
from ivr.sms import SmsQuota, SmsSender, SmsSettings, TextService, compose, load_words
from ivr.sms.quota import sms_quota
from tests.fake_twilio_api import HANG, FakeTwilioApi

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = "AC" + "1" * 32
TOKEN = "sms-test-token"
SMS_FROM = "+15558675310"
CALLER = "+526641234567"  # a Mexican number phonenumbers cannot tell mobile from fixed


@pytest.fixture
def api():
    fake = FakeTwilioApi(ACCOUNT, TOKEN).start()
    yield fake
    fake.stop()


def settings(api: FakeTwilioApi, **changes) -> SmsSettings:
    values = dict(
        account_sid=ACCOUNT,
        auth_token=Secret(TOKEN),
        sms_from=SMS_FROM,
        pepper=Secret("pepper-for-tests"),
        api_base=api.base_url,
    )
    return SmsSettings(**(values | changes))


@pytest.fixture(scope="module")
def words():
    return load_words(ROOT / "prompts")


@pytest.fixture
def service(api, words, tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'quota.sqlite3'}")
    sms_quota.metadata.create_all(engine)
    s = settings(api)
    counted: list[tuple] = []
    svc = TextService(
        s,
        words,
        quota=SmsQuota(engine, s.pepper.reveal()),
        count=lambda *args: counted.append(args),
    )
    svc.counted = counted
    svc.engine = engine
    return svc


@pytest.mark.parametrize("lang", ["es", "ht", "en"])
def test_the_api_receives_exactly_the_composed_text_from_our_number_to_the_caller(
    api, service, pack, words, lang
):
    outcome = service.send_page(pack, CALLER, "mpp_active_menu", lang)
    assert outcome.status == "sent"
    [request] = api.requests
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert request.auth == (ACCOUNT, TOKEN)
    assert request.form == {
        "To": CALLER,
        "From": SMS_FROM,
        "Body": compose(pack, words, "mpp_active", lang).body,
    }
    assert request.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert service.counted == [(lang, "mpp_active_menu", "sms_sent", "")]


def test_a_messaging_service_sends_instead_of_a_number_when_configured(api, words, pack):
    svc = TextService(settings(api, messaging_service_sid="MG" + "2" * 32), words)
    assert svc.send_page(pack, CALLER, "children", "en").status == "sent"
    form = api.requests[0].form
    assert form["MessagingServiceSid"] == "MG" + "2" * 32 and "From" not in form


@pytest.mark.parametrize("answer", [400, 429, 500, HANG])
def test_any_failure_of_the_api_is_could_not_be_sent_and_never_an_exception(
    api, service, pack, answer, caplog
):
    api.answer_next(answer)
    started = time.perf_counter()
    with caplog.at_level(logging.DEBUG):
        outcome = service.send_page(pack, CALLER, "children", "es")
    elapsed = time.perf_counter() - started
    assert outcome.status == "failed"
    assert outcome.reason == ("timeout" if answer == HANG else f"http_{answer}")
    assert len(api.requests) == 1  # no retry behind the caller's back
    # The caller is answered within a second, whatever the API does.
    assert elapsed < 1.0, f"{elapsed:.2f} s"
    assert CALLER not in caplog.text and CALLER[1:] not in caplog.text
    assert service.counted == [("es", "children", "sms_failed", outcome.reason)]


def test_a_failed_text_does_not_count_against_the_daily_limit(api, service, pack):
    api.answer_next(500, 500, 500)
    for _ in range(3):
        assert service.send_page(pack, CALLER, "children", "es").status == "failed"
    for _ in range(3):
        assert service.send_page(pack, CALLER, "children", "es").status == "sent"
    assert service.send_page(pack, CALLER, "children", "es").status == "over_quota"
    assert len(api.requests) == 6


def test_a_fourth_text_the_same_day_is_refused_without_calling_the_api(api, service, pack):
    for _ in range(3):
        assert service.send_page(pack, CALLER, "children", "es").status == "sent"
    assert service.send_page(pack, CALLER, "general", "es").status == "over_quota"
    assert len(api.requests) == 3
    # Another caller still gets theirs.
    assert service.send_page(pack, "+15017122661", "children", "es").status == "sent"


def test_the_sender_uses_twilios_client_and_reports_an_unreachable_api(words, pack):
    closed = FakeTwilioApi(ACCOUNT, TOKEN)  # bound, then closed: nothing listens there
    base = closed.base_url
    closed.server.server_close()
    sender = SmsSender(
        SmsSettings(ACCOUNT, Secret(TOKEN), SMS_FROM, "", Secret("p"), api_base=base)
    )
    result = sender.send(CALLER, "hola")
    assert (result.sent, result.reason) == (False, "unreachable")


@pytest.mark.parametrize(
    "caller", ["anonymous", "", None, "+266696687", "+7378742833", "restricted", "12345"]
)
def test_hidden_or_impossible_numbers_are_never_offered_a_text(api, service, pack, caller):
    assert not service.offered(caller, "es")
    assert service.send_page(pack, caller, "children", "es").status == "not_offered"
    assert api.requests == []


def test_a_known_landline_is_not_offered_a_text(service):
    assert not service.offered("+33142685300", "es")  # a Paris fixed line
    assert service.offered("+33612345678", "es")  # a French mobile
    assert service.offered(CALLER, "es")


def test_nothing_is_offered_until_sms_is_configured(api, words):
    for missing in ("account_sid", "sms_from", "pepper"):
        empty = Secret("") if missing == "pepper" else ""
        svc = TextService(settings(api, **{missing: empty}), words)
        assert not svc.offered(CALLER, "es"), missing
    assert not TextService(settings(api), words).offered(CALLER, "xx")  # no words for it
