"""Destination checks (issue 18): a short test call to each transfer number during its opening
hours, its result kept, and a flag after two failures in a row."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from ivr import create_app
from ivr.content.hours import Hours
from ivr.content.model import frozen_map
from ivr.destinations import transfer_numbers
from ivr.destinations.checks import valid_format
from ivr.destinations.cost import estimate
from ivr.sim import events as ev
from ivr.sim import outbound
from ivr.sim.transport import FlaskTransport
from tests.fake_twilio_api import FakeTwilioApi

ACCOUNT = "AC" + "3" * 32
TOKEN = "checks-test-token"
BASE = "http://localhost"
FROM = "+16195551234"
WEDNESDAY_NOON = datetime(2026, 12, 2, 19, 0, tzinfo=UTC).timestamp()  # 11:00 Tijuana ... 14:00 NY
SUNDAY = datetime(2026, 12, 6, 19, 0, tzinfo=UTC).timestamp()


@pytest.fixture
def api():
    fake = FakeTwilioApi(ACCOUNT, TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def app(api, tmp_path):
    env = {
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_API_BASE": api.base_url,
        "PUBLIC_BASE_URL": BASE,
        "HOTLINE_NUMBER": FROM,
        "DATA_DIR": str(tmp_path / "data"),
    }
    return create_app({"ENV": env, "TESTING": True})


@pytest.fixture
def checks(app):
    return app.extensions["destinations"]


def answer(app, api, call, how: str):
    return outbound.answer(call, how, FlaskTransport(app), auth_token=TOKEN, book=api.calls.book)


def calls_to(api, e164: str) -> list:
    return [c for c in api.calls.book.all() if c.to == e164]


def test_there_are_sixteen_transfer_numbers(pack):
    numbers = transfer_numbers(pack)
    assert len(numbers) == 16 and all(n.voice for n in numbers)


def test_the_schedule_calls_every_transfer_number_once_during_office_hours(app, api, checks):
    assert checks.run_due(SUNDAY) == []  # unknown hours: weekdays 10:00-16:00 only
    assert api.calls.book.all() == []
    done = checks.run_due(WEDNESDAY_NOON)
    assert [outcome for _, outcome in done] == ["placed"] * 16
    for call in api.calls.book.all():
        assert call.from_ == FROM
        assert call.form["Timeout"] == "25"
        assert call.form["MachineDetection"] == "Enable"
        assert call.form["Url"].startswith(BASE + "/voice/checks/answer?id=")
        assert call.form["StatusCallback"].startswith(BASE + "/voice/checks/status?id=")
    checks.run_due(WEDNESDAY_NOON + 3600)  # checked an hour ago: not again
    assert len(api.calls.book.all()) == 16


def test_a_check_hangs_up_at_once_and_keeps_who_answered(app, api, checks, pack):
    checks.request("test", WEDNESDAY_NOON, ["kind", "tcrp", "probar", "la_posada", "jones_day"])
    checks.place_requested(WEDNESDAY_NOON)
    outcomes = {
        "kind": "human",
        "tcrp": "machine",
        "probar": "busy",
        "la_posada": "no-answer",
        "jones_day": "failed",
    }
    for number_id, how in outcomes.items():
        [call] = calls_to(api, pack.numbers[number_id].e164)
        emulated, _ = answer(app, api, call, how)
        if emulated is not None:
            assert emulated.transcript.prompts == []  # nothing said: hung up on answer
            assert [e.reason for e in emulated.transcript.of(ev.Hangup)] == ["<Hangup>"]
    results = {d.number.id: d.history[0].result for d in checks.destinations() if d.history}
    assert results == {
        "kind": "human",
        "tcrp": "machine",
        "probar": "busy",
        "la_posada": "no_answer",
        "jones_day": "failed",
    }


def test_two_failures_in_a_row_flag_the_number_with_its_last_success(app, api, checks, pack):
    e164 = pack.numbers["kind"].e164
    days = [WEDNESDAY_NOON + d * 86400 for d in (0, 1, 2, 5)]  # Wed, Thu, Fri, next Mon
    for at, how in zip(days[:3], ("human", "busy", "no-answer"), strict=True):
        checks.clock = lambda at=at: at + 30  # the call ends half a minute later
        checks.request("test", at, ["kind"])
        checks.place_requested(at)
        answer(app, api, calls_to(api, e164)[-1], how)
        flagged = {d.number.id for d in checks.flagged()}
        assert ("kind" in flagged) is (how == "no-answer")
    [kind] = [d for d in checks.destinations() if d.number.id == "kind"]
    assert kind.flagged
    assert datetime.fromtimestamp(kind.last_success, UTC).date() == date(2026, 12, 2)
    checks.request("test", days[3], ["kind"])
    checks.place_requested(days[3])
    answer(app, api, calls_to(api, e164)[-1], "human")
    assert "kind" not in {d.number.id for d in checks.flagged()}


def test_a_number_is_format_checked_before_any_call(app, api, checks, pack):
    assert (
        valid_format("+16195602243")
        and not valid_format("+1619560224")
        and not valid_format("6195602243")
    )
    broken = pack.numbers["kind"]
    numbers = dict(pack.numbers) | {"kind": replace(broken, e164="+1202918943")}
    checks.pack = lambda: replace(pack, numbers=frozen_map(numbers))
    checks.request("test", WEDNESDAY_NOON, ["kind"])
    assert checks.place_requested(WEDNESDAY_NOON) == [("kind", "invalid")]
    assert api.calls.book.all() == []  # never called
    assert {d.number.id for d in checks.flagged()} == {"kind"}


def test_twilio_refusing_a_number_as_invalid_is_kept_as_invalid(app, api, checks):
    api.answer_next(400)  # 21211
    checks.request("test", WEDNESDAY_NOON, ["kind"])
    assert checks.place_requested(WEDNESDAY_NOON) == [("kind", "invalid")]


def test_a_check_asked_outside_opening_hours_waits_for_them(app, api, checks, pack):
    office = Hours("America/New_York", "Washington", frozen_map({0: ((9 * 60, 17 * 60),)}))
    numbers = dict(pack.numbers) | {"kind": replace(pack.numbers["kind"], hours=office)}
    checks.pack = lambda: replace(pack, numbers=frozen_map(numbers))
    checks.request("console: ana", WEDNESDAY_NOON, ["kind"])  # open on Mondays only
    assert checks.place_requested(WEDNESDAY_NOON) == [("kind", "waiting")]
    [kind] = [d for d in checks.destinations() if d.number.id == "kind"]
    assert kind.waiting and not kind.flagged
    monday = datetime(2026, 12, 7, 14, 45, tzinfo=UTC).timestamp()  # 09:45: open, +30 min
    assert checks.place_requested(monday) == [("kind", "placed")]
    assert checks.place_requested(monday, anytime=True) == []  # nothing left to place


def test_a_month_of_checks_costs_a_few_dollars(pack):
    found = estimate(pack, 24, "America/Tijuana", datetime(2027, 3, 1, tzinfo=UTC))
    assert dict(found.numbers) == {"MX": 6, "US": 10}
    assert dict(found.calls) == {"MX": 6 * 22, "US": 10 * 22}  # 22 weekdays in those 30 days
    assert (found.low, found.high) == (7.83, 11.96)


def test_the_commands_say_what_they_did(app, api):
    runner = app.test_cli_runner()
    cost = runner.invoke(args=["destinations", "cost"])
    assert cost.exit_code == 0 and "a month" in cost.output
    status = runner.invoke(args=["destinations", "status"])
    assert status.exit_code == 0 and "not checked" in status.output
    check = runner.invoke(args=["destinations", "check", "--number", "kind", "--anytime"])
    assert check.exit_code == 0 and "kind: placed" in check.output
