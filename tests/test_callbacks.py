"""Missed-call callbacks (issue 18): rejected for free, called back once, within limits,
retried once, never to a machine's ears, and the caller's number gone afterwards.

The line runs in-process (Flask's test client, through the emulator as Twilio would drive
it); its worker places calls through twilio's own client to the fake REST API on 127.0.0.1
(ivr/sim/calls.py), and each test chooses how the called phone answers (ivr/sim/outbound.py).
"""

from __future__ import annotations

import logging
import threading
import time

import pytest
import sqlalchemy as sa

from ivr import create_app
from ivr.callbacks.queue import CallbackQueue
from ivr.callbacks.settings import CallbackSettings
from ivr.callbacks.worker import Worker
from ivr.config import Secret
from ivr.db import Database, engine_url, schema
from ivr.sim import events as ev
from ivr.sim import outbound
from ivr.sim.emulator import Call
from ivr.sim.signing import CallParty, new_sid
from ivr.sim.transport import FlaskTransport
from ivr.sim.waits import HANG_UP
from tests.fake_twilio_api import FakeTwilioApi

ACCOUNT = "AC" + "2" * 32
TOKEN = "callback-test-token"
BASE = "http://localhost"
LINE = "+15558675310"  # the number the caller dialed (the missed-call number)
CALLER = "+526641234567"
OTHER = "+15017122661"


@pytest.fixture
def api():
    fake = FakeTwilioApi(ACCOUNT, TOKEN).start()
    yield fake
    fake.stop()


def make_app(api, tmp_path, database_url: str = "", **env):
    values = {
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_API_BASE": api.base_url,
        "PUBLIC_BASE_URL": BASE,
        "SMS_PEPPER": "pepper-for-callback-tests",
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database_url,
    }
    return create_app({"ENV": values | env, "TESTING": True})


@pytest.fixture
def app(api, tmp_path):
    return make_app(api, tmp_path)


def miss(app, caller: str = CALLER, line: str = LINE) -> Call:
    """The caller rings the missed-call number; Twilio hears the answer."""
    call = Call(
        FlaskTransport(app),
        BASE + "/voice/missed",
        auth_token=TOKEN,
        party=CallParty(caller=caller, line=line, call_sid=new_sid("CA")),
    )
    call.start()
    return call


def placed(api) -> list:
    return api.calls.book.all()


def rows(app) -> list:
    with app.extensions["db"].connect() as conn:
        return conn.execute(sa.select(schema.callback_queue)).all()


def totals(app) -> dict:
    now = time.time()
    return dict(app.extensions["callbacks"].queue.totals(now - 3600, now + 3 * 24 * 3600))


def answer(app, api, call, how: str, caller=None):
    book = api.calls.book
    transport = FlaskTransport(app)
    if caller is None:
        return outbound.answer(call, how, transport, auth_token=TOKEN, book=book)
    return outbound.run(call, how, transport, caller, auth_token=TOKEN, book=book)


class English:
    """Picks English, listens to the notice and main menu, then hangs up."""

    def __init__(self) -> None:
        self.gathers = 0

    def press(self, gather, transcript):
        self.gathers += 1
        return "3" if self.gathers == 1 else HANG_UP

    def dial(self, dial, transcript):
        return HANG_UP


# -- the missed call ------------------------------------------------------------------------------


def test_a_missed_call_is_rejected_busy_so_it_is_never_answered_or_billed(app):
    call = miss(app)
    reply = next(e for e in call.transcript.events if isinstance(e, ev.Request))
    assert reply.status == 200
    assert call.answered is False and call.rejected == "busy"
    assert call.transcript.prompts == []
    assert [r.number for r in rows(app)] == [CALLER]


def test_the_missed_call_is_rejected_even_when_the_database_is_down(app, monkeypatch):
    def down(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("down"))

    monkeypatch.setattr(app.extensions["callbacks"].queue, "ask", down)
    call = miss(app)
    assert call.rejected == "busy" and not call.transcript.errors


def test_the_missed_call_number_is_signed_like_every_webhook(app):
    reply = app.test_client().post("/voice/missed", data={"From": CALLER, "To": LINE})
    assert reply.status_code == 403
    assert rows(app) == []


def test_a_burst_of_missed_calls_gets_one_callback_after_the_delay(app, api):
    for _ in range(5):
        miss(app)
    assert len(rows(app)) == 1
    worker = Worker(app)
    start = time.time()
    worker.tick(start + 5)  # the caller has just hung up: not yet
    assert placed(api) == []
    worker.tick(start + 21)
    worker.tick(start + 22)
    [call] = placed(api)
    assert (call.to, call.from_) == (CALLER, LINE)
    assert call.form["Url"] == BASE + "/voice"
    assert call.form["StatusCallback"].startswith(BASE + "/voice/callbacks/status?id=")
    assert call.form["MachineDetection"] == "Enable"
    assert totals(app)["asked"] == 5 and totals(app)["queued"] == 1
    assert totals(app)["duplicate"] == 4


def test_the_callback_comes_from_hotline_number_when_it_is_set(api, tmp_path):
    app = make_app(api, tmp_path, HOTLINE_NUMBER="+16195551234")
    miss(app)
    Worker(app).tick(time.time() + 21)
    assert placed(api)[0].from_ == "+16195551234"


# -- answered: the language menu, then the number is gone ----------------------------------------


def test_a_person_hears_the_language_menu_and_then_the_number_is_gone(app, api, caplog):
    caplog.set_level(logging.DEBUG)
    miss(app)
    Worker(app).tick(time.time() + 21)
    [call] = placed(api)
    transcript = answer(app, api, call, "human", English())
    first = transcript.of(ev.Request)[0]
    assert first.params["AnsweredBy"] == "human" and first.params["Direction"] == "outbound-api"
    urls = [r.url for r in transcript.of(ev.Request)]
    assert urls[0] == BASE + "/voice"  # the line's normal start: the language menu ...
    assert urls[1].startswith(BASE + "/voice/language")  # ... where the person chose English
    assert transcript.prompts
    assert rows(app) == []  # answered and ended: deleted
    assert totals(app)["answered"] == 1
    assert_number_nowhere(app, api, caplog, transcript, CALLER)


def assert_number_nowhere(app, api, caplog, transcript, number: str) -> None:
    """Not in any table, log line, webhook URL or count; only Twilio's own REST request
    (which must carry it) ever saw it."""
    digits = number.lstrip("+")
    with app.extensions["db"].connect() as conn:
        for table in schema.metadata.sorted_tables:
            for row in conn.execute(sa.select(table)).all():
                assert digits not in repr(tuple(row)), table.name
    for record in caplog.records:
        assert digits not in record.getMessage()
    urls = [r.url for r in transcript.of(ev.Request)]
    urls += [c.form.get("Url", "") + c.form.get("StatusCallback", "") for c in placed(api)]
    assert urls and all(digits not in url for url in urls)


def test_a_machine_never_hears_the_menu_and_the_callback_is_retried(app, api):
    miss(app)
    worker = Worker(app)
    worker.tick(time.time() + 21)
    [call] = placed(api)
    emulated, wait = answer(app, api, call, "machine")
    assert emulated.transcript.prompts == []  # not one word to the voicemail
    assert [e.reason for e in emulated.transcript.of(ev.Hangup)] == ["<Hangup>"]
    assert emulated.transcript.of(ev.Request)[0].params["AnsweredBy"] == "machine_start"
    [row] = rows(app)
    assert row.state == "waiting" and row.attempts == 1
    assert totals(app)["machine"] == 1 and totals(app)["retried"] == 1


# -- not answered: one retry, then given up --------------------------------------------------------


@pytest.mark.parametrize("how", ["busy", "no-answer", "failed"])
def test_not_answered_is_retried_once_after_the_retry_delay_then_given_up(app, api, how):
    miss(app)
    worker = Worker(app)
    worker.tick(time.time() + 21)
    answer(app, api, placed(api)[0], how)
    [row] = rows(app)
    assert row.state == "waiting" and row.due == pytest.approx(time.time() + 180, abs=5)
    worker.tick(time.time() + 170)
    assert len(placed(api)) == 1  # not before CALLBACK_RETRY_SECONDS
    worker.tick(time.time() + 181)
    assert len(placed(api)) == 2
    second = placed(api)[1]
    assert second.form["StatusCallback"].endswith("attempt=2")
    answer(app, api, second, how)
    assert rows(app) == []  # given up: the number is gone
    assert totals(app)["given_up"] == 1 and totals(app)["placed"] == 2


def test_a_refused_call_is_retried_and_an_invalid_number_is_given_up_at_once(app, api):
    miss(app)
    api.answer_next(500)  # Twilio fails once
    Worker(app).tick(time.time() + 21)
    [row] = rows(app)
    assert row.state == "waiting" and row.attempts == 1
    api.answer_next(400)  # 21211: Twilio will never call this number
    Worker(app).tick(time.time() + 21 + 185)
    assert rows(app) == []
    assert totals(app)["place_failed"] == 2 and totals(app)["given_up"] == 1


def test_a_stale_status_callback_changes_nothing(app, api):
    miss(app)
    Worker(app).tick(time.time() + 21)
    [row] = rows(app)
    service = app.extensions["callbacks"]
    assert service.ended(row.id, 7, "completed", "human", time.time()) == "stale"
    assert len(rows(app)) == 1


# -- the limits ------------------------------------------------------------------------------------


def test_at_most_three_callbacks_a_day_per_caller(app, api):
    worker = Worker(app)
    for _ in range(3):
        miss(app)
        worker.tick(time.time() + 21)
        answer(app, api, placed(api)[-1], "human", English())
    assert len(placed(api)) == 3
    miss(app)
    assert rows(app) == []  # rejected, free, and nothing queued
    assert totals(app)["refused_number"] == 1


def test_at_most_per_hour_for_the_whole_line(api, tmp_path):
    app = make_app(api, tmp_path, CALLBACK_PER_HOUR="2")
    for number in (CALLER, OTHER, "+526861234567"):
        miss(app, number)
    assert len(rows(app)) == 2
    assert totals(app)["refused_line"] == 1


@pytest.mark.parametrize(
    "number", ["+447911123456", "+266696687", "anonymous", "", "+52 664 123 4567", "+1501"]
)
def test_foreign_withheld_and_malformed_numbers_are_not_called_back(app, number):
    call = miss(app, number)
    assert call.rejected == "busy"
    assert rows(app) == []
    assert totals(app)["not_callable"] == 1


def test_an_administrator_can_pause_callbacks_and_change_the_limits(app, api):
    queue = app.extensions["callbacks"].queue
    queue.set_limits(paused=True, per_number_day=1, per_hour=60, author="ana", now=time.time())
    miss(app)
    assert rows(app) == [] and totals(app)["refused_paused"] == 1
    queue.set_limits(paused=False, per_number_day=1, per_hour=60, author="ana", now=time.time())
    miss(app)
    Worker(app).tick(time.time() + 21)
    answer(app, api, placed(api)[0], "human", English())
    miss(app)
    assert rows(app) == [] and totals(app)["refused_number"] == 1  # the console's 1 a day


def test_paused_callbacks_already_queued_wait(app, api):
    miss(app)
    queue = app.extensions["callbacks"].queue
    queue.set_limits(paused=True, per_number_day=3, per_hour=60, author="ana", now=time.time())
    Worker(app).tick(time.time() + 21)
    assert placed(api) == []


# -- 24 hours, whatever happens --------------------------------------------------------------------


def test_the_number_is_gone_after_24_hours_even_if_never_called(api, tmp_path):
    app = make_app(api, tmp_path)
    miss(app)
    queue = app.extensions["callbacks"].queue
    assert queue.purge(time.time() + 23 * 3600) == 0
    assert queue.purge(time.time() + 24 * 3600 + 1) == 1
    assert rows(app) == []


def test_a_call_whose_end_is_never_reported_is_given_up_after_an_hour(app, api):
    miss(app)
    Worker(app).tick(time.time() + 21)
    queue = app.extensions["callbacks"].queue
    assert queue.purge(time.time() + 21 + 3601) == 1
    assert rows(app) == []


# -- several machines, one queue -------------------------------------------------------------------


def settings() -> CallbackSettings:
    return CallbackSettings(public_base_url=BASE, pepper=Secret("p"), per_hour=1000)


def test_two_workers_racing_never_call_anyone_twice(database_url, tmp_path):
    url = engine_url(database_url, tmp_path)
    first, second = Database(url), Database(url)
    if first.is_sqlite:
        first.upgrade()
    now = time.time()
    seed = CallbackQueue(first, settings())
    numbers = [f"+5266412{i:05d}" for i in range(40)]
    for number in numbers:
        assert seed.ask(number, LINE, now - 60) == "queued"
    taken: list[list] = [[], []]
    barrier = threading.Barrier(2)

    def work(index: int, database: Database) -> None:
        queue = CallbackQueue(database, settings())
        barrier.wait()
        while True:
            claims = queue.claim(now, limit=3)
            if not claims:
                return
            taken[index] += [c.number for c in claims]

    threads = [threading.Thread(target=work, args=(i, db)) for i, db in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    everyone = taken[0] + taken[1]
    assert sorted(everyone) == sorted(numbers)  # each number claimed exactly once
    assert taken[0] and taken[1] or first.is_sqlite  # PostgreSQL: both really worked
    first.close()
    second.close()


def test_two_web_machines_queue_one_callback_for_a_burst(database_url, tmp_path):
    url = engine_url(database_url, tmp_path)
    databases = [Database(url) for _ in range(2)]
    if databases[0].is_sqlite:
        databases[0].upgrade()
    now = time.time()
    results: list[str] = []
    barrier = threading.Barrier(6)

    def ask(database: Database) -> None:
        barrier.wait()
        results.append(CallbackQueue(database, settings()).ask(CALLER, LINE, now))

    threads = [threading.Thread(target=ask, args=(databases[i % 2],)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results) == ["duplicate"] * 5 + ["queued"]
    for database in databases:
        database.close()
