"""A few hundred emulated calls along different paths: the counts add up exactly, and no
file, table or log line holds a caller's number or a CallSid afterwards.

The calls drive the real /voice webhooks through the emulator, with the line's own store (the
embedded SQLite file in DATA_DIR) and texts sent through twilio's client to a fake Messages
API on 127.0.0.1; some callers press the text key (8) after a guidance or a city page.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from ivr import counts as counting
from ivr import create_app
from ivr.sim import HANG_UP, Call, CallParty, FlaskTransport, ScriptedCaller
from ivr.sim.signing import new_sid, signed_headers
from ivr.sms import compose, load_words
from tests.fake_twilio_api import FakeTwilioApi

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "walk-token"
BASE = "http://hotline.test"
ACCOUNT = "AC" + "3" * 32
CALLS_PER_PATH = 25


def opening(lang: str) -> list[tuple]:
    return [
        ("", "", "call_answered", ""),
        ("", "language", "menu_offered", ""),
        ("", "language", "menu_reply", "key"),
        (lang, "language", "language_chosen", ""),
        (lang, "main", "menu_offered", ""),
    ]


# name: (keys, dial outcomes, expected events, where the caller gave up)
PATHS = {
    "active MPP, asks for the numbers by text": (
        ["1", "1", "8"],
        [],
        opening("es")
        + [
            ("es", "main", "menu_reply", "key"),
            ("es", "mpp_active", "chosen", ""),
            ("es", "mpp_active_menu", "menu_offered", ""),
            ("es", "mpp_active_menu", "menu_reply", "key"),
            ("es", "mpp_active_menu", "sms_sent", ""),
            ("es", "mpp_active_menu", "menu_offered", ""),
        ],
        ("es", "mpp_active_menu"),
    ),
    "children in Kreyol, KIND is busy": (
        ["2", "4", "2"],
        ["busy"],
        opening("ht")
        + [
            ("ht", "main", "menu_reply", "key"),
            ("ht", "children", "chosen", ""),
            ("ht", "children_menu", "menu_offered", ""),
            ("ht", "children_menu", "menu_reply", "key"),
            ("ht", "t_kind", "chosen", ""),
            ("ht", "t_kind", "transfer_started", "kind"),
            ("ht", "t_kind", "transfer_busy", "kind"),
            ("ht", "children_menu", "menu_offered", ""),
        ],
        ("ht", "children_menu"),
    ),
    "none of these in English, ends with #": (
        ["3", "5", "#"],
        [],
        opening("en")
        + [
            ("en", "main", "menu_reply", "key"),
            ("en", "no_mpp", "chosen", ""),
            ("en", "no_mpp_menu", "menu_offered", ""),
            ("en", "no_mpp_menu", "menu_reply", "key"),
            ("en", "no_mpp_menu", "ended_by_key", ""),
        ],
        None,
    ),
    "silent at the language menu, helped in Spanish": (
        [None, None, None],
        [],
        [("", "", "call_answered", "")]
        + [("", "language", "menu_offered", ""), ("", "language", "menu_reply", "silence")] * 3
        + [
            ("", "language", "helped_after_silence", "silence"),
            ("es", "main", "menu_offered", ""),
        ],
        ("es", "main"),
    ),
    "help, organizations, Tijuana, by text": (
        ["1", "0", "2", "1", "8"],
        [],
        opening("es")
        + [
            ("es", "main", "menu_reply", "key"),
            ("es", "help", "menu_offered", ""),
            ("es", "help", "menu_reply", "key"),
            ("es", "regions", "chosen", ""),
            ("es", "regions", "menu_offered", ""),
            ("es", "regions", "menu_reply", "key"),
            ("es", "tijuana", "chosen", ""),
            ("es", "tijuana_menu", "menu_offered", ""),
            ("es", "tijuana_menu", "menu_reply", "key"),
            ("es", "tijuana_menu", "sms_sent", ""),
            ("es", "tijuana_menu", "menu_offered", ""),
        ],
        ("es", "tijuana_menu"),
    ),
    "waitlist, Immigrant Defenders answers": (
        ["1", "3", "3"],
        ["completed"],
        opening("es")
        + [
            ("es", "main", "menu_reply", "key"),
            ("es", "waitlist", "chosen", ""),
            ("es", "waitlist_menu", "menu_offered", ""),
            ("es", "waitlist_menu", "menu_reply", "key"),
            ("es", "t_immdef", "chosen", ""),
            ("es", "t_immdef", "transfer_started", "immdef"),
            ("es", "t_immdef", "transfer_completed", "immdef"),
            ("es", "waitlist_menu", "menu_offered", ""),
        ],
        ("es", "waitlist_menu"),
    ),
    "active MPP in Kreyol, repeated, by text": (
        ["2", "1", "9", "8"],
        [],
        opening("ht")
        + [
            ("ht", "main", "menu_reply", "key"),
            ("ht", "mpp_active", "chosen", ""),
            ("ht", "mpp_active_menu", "menu_offered", ""),
            ("ht", "mpp_active_menu", "menu_reply", "key"),
            ("ht", "mpp_active", "repeated", ""),
            ("ht", "mpp_active_menu", "menu_offered", ""),
            ("ht", "mpp_active_menu", "menu_reply", "key"),
            ("ht", "mpp_active_menu", "sms_sent", ""),
            ("ht", "mpp_active_menu", "menu_offered", ""),
        ],
        ("ht", "mpp_active_menu"),
    ),
    "closed MPP in English, numbers slowly": (
        ["3", "2", "1"],
        [],
        opening("en")
        + [
            ("en", "main", "menu_reply", "key"),
            ("en", "mpp_closed", "chosen", ""),
            ("en", "mpp_closed_menu", "menu_offered", ""),
            ("en", "mpp_closed_menu", "menu_reply", "key"),
            ("en", "mpp_closed_numbers", "chosen", ""),
            ("en", "mpp_closed_menu", "menu_offered", ""),
        ],
        ("en", "mpp_closed_menu"),
    ),
    "silent at the main menu, helped": (
        ["1", None, None, None],
        [],
        opening("es")
        + [("es", "main", "menu_reply", "silence"), ("es", "main", "menu_offered", "")] * 2
        + [
            ("es", "main", "menu_reply", "silence"),
            ("es", "main", "helped_after_silence", "silence"),
            ("es", "help", "menu_offered", ""),
        ],
        ("es", "help"),
    ),
    "children, hangs up while KIND rings": (
        ["1", "4", "2"],
        [HANG_UP],
        opening("es")
        + [
            ("es", "main", "menu_reply", "key"),
            ("es", "children", "chosen", ""),
            ("es", "children_menu", "menu_offered", ""),
            ("es", "children_menu", "menu_reply", "key"),
            ("es", "t_kind", "chosen", ""),
            ("es", "t_kind", "transfer_started", "kind"),
        ],
        ("es", "t_kind"),
    ),
}
# name: the page texted, and in which language
TEXTED = {
    "active MPP, asks for the numbers by text": ("mpp_active", "es"),
    "help, organizations, Tijuana, by text": ("tijuana", "es"),
    "active MPP in Kreyol, repeated, by text": ("mpp_active", "ht"),
}


@pytest.fixture
def api():
    fake = FakeTwilioApi(ACCOUNT, TOKEN).start()
    yield fake
    fake.stop()


def gave_up(table: Counter) -> Counter:
    """Where callers hung up: menus offered but never answered, transfers never reported."""
    places: Counter = Counter()
    for (lang, node, event, _), n in table.items():
        if event == "menu_offered":
            places[(lang, node)] += n
        elif event == "menu_reply":
            places[(lang, node)] -= n
        elif event == "transfer_started":
            places[(lang, node)] += n
        elif event.startswith("transfer_"):
            places[(lang, node)] -= n
    return +places


def test_hundreds_of_calls_add_up_exactly_and_leave_no_number_or_callsid(
    tmp_path, api, pack, caplog
):
    data = tmp_path / "data"
    env = {
        "TWILIO_AUTH_TOKEN": TOKEN,
        "DATA_DIR": str(data),
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_SMS_FROM": "+15558675310",
        "SMS_PEPPER": "walk-pepper",
        "TWILIO_API_BASE": api.base_url,
    }
    app = create_app({"ENV": env, "TESTING": True})
    counts = app.extensions["counts"]
    words = load_words(ROOT / "prompts")
    transport = FlaskTransport(app)
    callers, sids, texted, expected, where = [], [], [], Counter(), Counter()
    with caplog.at_level(logging.DEBUG):
        for i in range(CALLS_PER_PATH):
            for p, (name, (keys, dials, events, gave)) in enumerate(PATHS.items()):
                caller = f"+52664{2000000 + i * len(PATHS) + p:07d}"
                party = CallParty(caller=caller, call_sid=new_sid("CA"))
                callers.append(caller)
                sids.append(party.call_sid)
                call = Call(transport, BASE + "/voice", auth_token=TOKEN, party=party)
                transcript = call.run(ScriptedCaller(keys + [HANG_UP], dials))
                assert transcript.errors == [], name
                if name in TEXTED:
                    page, lang = TEXTED[name]
                    texted.append((caller, compose(pack, words, page, lang).body))
                # Twilio's status callback once the call is over.
                form = party.base_params("completed") | {"CallDuration": "42"}
                url = BASE + "/voice/status"
                reply = app.test_client().post(
                    url, data=form, headers=signed_headers(TOKEN, url, form)
                )
                assert reply.status_code == 204
                expected.update(events + [("", "", "call_ended", "completed")])
                if gave:
                    where[gave] += 1
        assert counts.flush()

    calls = CALLS_PER_PATH * len(PATHS)
    engine = app.extensions["db"].engine
    with engine.connect() as conn:
        rows = conn.execute(select(counting.counts_table)).all()
    table = Counter({(r.lang, r.node, r.event, r.detail): r.count for r in rows})
    assert table == expected
    assert table[("", "", "call_answered", "")] == calls
    assert table[("", "", "call_ended", "completed")] == calls
    assert gave_up(table) == where
    # Every call ends exactly once: hung up somewhere, or by the end-call key.
    ended_by_key = sum(n for (_, _, event, _), n in table.items() if event == "ended_by_key")
    assert sum(gave_up(table).values()) + ended_by_key == calls

    # The fake Messages API received exactly one text per caller who pressed 8: that page.
    assert [(r.form["To"], r.form["Body"]) for r in api.requests] == texted

    # No trace of any caller's number or CallSid: files, tables, log lines.
    needles = [c.encode() for c in callers] + [c[1:].encode() for c in callers]
    needles += [c[3:].encode() for c in callers]  # the national number alone
    needles += [s.encode() for s in sids]
    app.extensions["db"].close()
    stored = [p for p in data.rglob("*") if p.is_file()]
    assert data / "hotline.sqlite3" in stored
    for path in stored:
        content = path.read_bytes()
        assert not [n for n in needles if n in content], path
    logged = "\n".join(r.getMessage() for r in caplog.records).encode()
    assert caplog.records  # the line does log its calls (hashed)
    assert not [n for n in needles if n in logged]
