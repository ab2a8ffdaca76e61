"""Opening hours per destination (issue 18): a caller is never put through to a closed office.

The engine is given the instant of the request (`Input.now`); each office's hours are in its
own time zone, so the same instant is open in one place and closed in another, and daylight
saving changes on different dates in the U.S. and in Mexico (until 2022 Mexico's interior
changed on the first Sunday of April, the U.S. and the border cities on the second Sunday of
March; since the end of 2022 Monterrey and Hermosillo keep one time all year).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from ivr.content import ContentError, load_pack
from ivr.content.clock import spoken_opening
from ivr.content.hours import Hours, parse_spans
from ivr.content.model import frozen_map
from ivr.content.opening import is_open, next_opening
from ivr.content.speech import misread_numerals
from ivr.flow import OPENS_PROMPT, CallState, Input, hours_sensitive, next_step

WEEKDAYS_9_TO_5 = {d: ((9 * 60, 17 * 60),) for d in range(5)}


def with_hours(pack, **hours: Hours):
    """The seed pack with these numbers' hours (a new version, so per-pack caches differ)."""
    numbers = {nid: replace(n, hours=hours.get(nid, n.hours)) for nid, n in pack.numbers.items()}
    tag = ",".join(f"{k}={v!r}" for k, v in sorted(hours.items()))
    return replace(pack, numbers=frozen_map(numbers), version=f"{pack.version}+{hash(tag)}")


def ids(step):
    return [p.id for p in step.prompts]


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def aol_choice(pack, lang: str, now: datetime, **extra):
    """A caller at the active-MPP menu presses 2: "connect me to Al Otro Lado"."""
    return next_step(pack, CallState(lang, "mpp_active_menu"), Input("2", now=now, **extra))


@pytest.fixture
def tijuana(pack):
    hours = Hours(
        "America/Tijuana",
        "Tijuana",
        frozen_map(WEEKDAYS_9_TO_5),
        closed=frozenset({date(2026, 12, 25)}),
        open=frozen_map({date(2026, 12, 26): ((10 * 60, 14 * 60),)}),
    )
    return with_hours(pack, aol_mx=hours)


def test_an_open_office_is_transferred_as_always(tijuana):
    step = aol_choice(tijuana, "es", at(2026, 12, 2, 18, 0))  # Wednesday 10:00 in Tijuana
    assert step.dial is not None and step.dial.number_id == "aol_mx"


def test_a_closed_office_says_when_it_opens_then_the_number_slowly_then_the_menu(tijuana):
    step = aol_choice(tijuana, "es", at(2026, 12, 3, 3, 0))  # Wednesday 19:00 in Tijuana
    assert step.dial is None
    assert ids(step)[:4] == ["common.closed", OPENS_PROMPT, "common.closed_number", "number.aol_mx"]
    assert step.prompts[1].text == "Abre mañana a las 9 de la mañana, hora de Tijuana."
    assert "transfer.aol" not in ids(step)  # never "Calling Al Otro Lado, please wait"
    assert step.gather == CallState("es", "mpp_active_menu")


def test_after_a_closed_office_the_menu_offers_the_numbers_by_text(tijuana):
    step = aol_choice(tijuana, "en", at(2026, 12, 3, 3, 0), can_text=True)
    assert "keys.text" in ids(step)
    assert step.prompts[1].text == "It opens tomorrow at 9 in the morning, Tijuana time."


def test_the_weekend_is_closed_and_monday_is_named(tijuana):
    step = aol_choice(tijuana, "es", at(2026, 12, 5, 19, 0))  # Saturday 11:00
    assert step.dial is None
    assert step.prompts[1].text == "Abre el lunes a las 9 de la mañana, hora de Tijuana."


def test_a_dated_closure_closes_a_weekday_and_a_one_off_opening_opens_a_saturday(tijuana):
    christmas = aol_choice(tijuana, "en", at(2026, 12, 25, 19, 0))  # Friday 11:00, closed
    assert christmas.dial is None
    assert christmas.prompts[1].text == (
        "It opens tomorrow at 10 in the morning, Tijuana time."  # the Saturday opening
    )
    saturday = aol_choice(tijuana, "en", at(2026, 12, 26, 19, 0))  # Saturday 11:00
    assert saturday.dial is not None


def test_kreyol_hears_the_time_in_words_never_a_misread_numeral(tijuana):
    step = aol_choice(tijuana, "ht", at(2026, 12, 24, 3, 0))  # Wednesday night; Thu opens
    said = step.prompts[1].text
    # The place is said as the Kreyòl pronunciation list has it ("Tijuana" is misread).
    assert said == "Li louvri demen a nevè di maten, lè Tiwana."
    far = with_hours(
        tijuana,
        aol_mx=Hours(
            "America/Tijuana",
            "Tijuana",
            frozen_map(WEEKDAYS_9_TO_5),
            closed=frozenset(date(2027, 1, d) for d in range(1, 11)),
        ),
    )
    step = aol_choice(far, "ht", at(2027, 1, 1, 20, 0))  # Friday noon; closed to 10 January
    said = step.prompts[1].text
    assert "janvye" in said and "de mil" in said  # "11 janvye 2027" said with words
    assert misread_numerals(said) == []


def test_unknown_hours_offer_the_transfer_at_any_hour(pack):
    assert pack.numbers["aol_mx"].hours.weekly is None  # the seed: zone and place only
    step = aol_choice(pack, "es", at(2026, 12, 6, 10, 0))  # Sunday 2 a.m. in Tijuana
    assert step.dial is not None


def test_without_the_time_the_engine_offers_every_transfer(tijuana):
    step = next_step(tijuana, CallState("es", "mpp_active_menu"), Input("2"))
    assert step.dial is not None


def test_an_office_closed_for_longer_than_two_weeks_is_only_called_closed(pack):
    gone = with_hours(pack, aol_mx=Hours("America/Tijuana", "Tijuana", frozen_map({})))
    step = aol_choice(gone, "es", at(2026, 12, 2, 18, 0))
    assert ids(step)[:3] == ["common.closed", "common.closed_number", "number.aol_mx"]


def test_help_after_every_reprompt_with_the_help_line_closed_reads_its_number(pack):
    closed = with_hours(pack, jfs_hotline=Hours("America/Los_Angeles", "San Diego", frozen_map({})))
    step = next_step(
        closed, CallState("en", "help", tries=pack.flow.retries), Input(now=at(2026, 12, 2, 18))
    )
    assert step.dial is None and step.hangup
    assert "number.jfs_hotline" in ids(step)


# -- daylight saving: different dates in the U.S. and Mexico -------------------------------------


def office(zone: str, place: str) -> Hours:
    return Hours(zone, place, frozen_map(WEEKDAYS_9_TO_5))


def test_the_us_changed_clocks_on_14_march_2021_and_monterrey_on_4_april(pack):
    san_diego = office("America/Los_Angeles", "San Diego")
    monterrey = office("America/Monterrey", "Monterrey")
    # 16:00 UTC on Tuesday 9 March: 08:00 in San Diego (PST), so closed; a week later,
    # after the U.S. change, the same instant is 09:00 PDT: open.
    assert is_open(san_diego, at(2021, 3, 9, 16, 0)) is False
    assert is_open(san_diego, at(2021, 3, 16, 16, 0)) is True
    # 14:30 UTC: 08:30 in Monterrey on 30 March (still CST, UTC-6): closed. On 6 April,
    # after Mexico's change, 09:30 CDT: open. San Diego at that instant: 07:30, closed.
    assert is_open(monterrey, at(2021, 3, 30, 14, 30)) is False
    assert is_open(monterrey, at(2021, 4, 6, 14, 30)) is True
    assert is_open(san_diego, at(2021, 4, 6, 14, 30)) is False


def test_between_the_two_changes_one_instant_is_open_in_monterrey_and_closed_in_san_diego(pack):
    now = at(2021, 3, 16, 15, 30)  # San Diego 08:30 PDT, Monterrey 09:30 CST
    both = with_hours(
        pack,
        immdef_sd=office("America/Los_Angeles", "San Diego"),
        hias_stx=office("America/Monterrey", "Monterrey"),
    )
    sd = next_step(both, CallState("es", "tijuana_connect"), Input("2", now=now))
    assert sd.dial is None
    assert sd.prompts[1].text == "Abre hoy a las 9 de la mañana, hora de San Diego."
    transfer = both.flow.nodes["t_hias_tx"]
    menu = next(n for n in both.flow.nodes.values() if transfer.id in [o.goto for o in n.options])
    key = next(o.key for o in menu.options if o.goto == transfer.id)
    mty = next_step(both, CallState("es", menu.id), Input(key, now=now))
    assert mty.dial is not None and mty.dial.number_id == "hias_stx"


def test_monterrey_and_nogales_keep_one_time_all_year_now(pack):
    monterrey = office("America/Monterrey", "Monterrey")
    nogales = office("America/Hermosillo", "Nogales")
    for day in (date(2026, 1, 13), date(2026, 7, 14)):  # Tuesdays in winter and summer
        assert is_open(monterrey, datetime(day.year, day.month, day.day, 15, 0, tzinfo=UTC))
        assert not is_open(monterrey, datetime(day.year, day.month, day.day, 14, 59, tzinfo=UTC))
        assert is_open(nogales, datetime(day.year, day.month, day.day, 16, 0, tzinfo=UTC))


def test_the_opening_time_is_said_in_the_places_time_not_the_callers(pack):
    arizona = office("America/Phoenix", "Arizona")
    now = at(2026, 7, 14, 2, 0)  # Monday 19:00 in Phoenix (no daylight saving)
    opening = next_opening(arizona, now)
    assert (opening.hour, opening.date()) == (9, date(2026, 7, 14))
    english = pack.language("en")
    assert spoken_opening(english, opening, now, "Arizona") == (
        "It opens tomorrow at 9 in the morning, Arizona time."
    )


@pytest.mark.parametrize(
    "text,ok",
    [
        ("09:00-17:00", True),
        ("9:00-13:00, 14:00-17:30", True),
        ("08:00-24:00", True),
        ("09:10-17:00", False),  # not on the quarter hour
        ("17:00-09:00", False),
        ("09:00-13:00, 12:00-17:00", False),
        ("nine to five", False),
        ("25:00-26:00", False),
    ],
)
def test_opening_times_are_read_strictly(text, ok):
    spans, why = parse_spans(text)
    assert (why is None) is ok


# -- the webhook gives the engine the time only where it matters ----------------------------------


def test_only_menus_leading_to_a_transfer_with_hours_need_the_time(pack, tijuana):
    assert hours_sensitive(pack) == frozenset()  # the seed: no hours known, no clock needed
    sensitive = hours_sensitive(tijuana)
    assert "mpp_active_menu" in sensitive and "tijuana_connect" in sensitive
    assert "main" not in sensitive and "language" not in sensitive


def test_the_webhook_does_not_transfer_to_a_closed_office(tmp_path):
    from conftest import ROOT, TOKEN, sign

    from ivr import create_app

    root = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", root)
    path = root / "directory.yaml"
    text = path.read_text(encoding="utf-8")
    closed = "hours: {zone: America/Tijuana, place: Tijuana, weekly: {}}"  # never open
    path.write_text(
        text.replace("hours: {zone: America/Tijuana, place: Tijuana}", closed, 1), encoding="utf-8"
    )
    assert load_pack(root).numbers["aol_mx"].hours.weekly == {}
    env = {"TWILIO_AUTH_TOKEN": TOKEN, "DATA_DIR": str(tmp_path / "data"), "CONTENT_DIR": str(root)}
    client = create_app({"ENV": env, "TESTING": True}).test_client()
    path = "/voice/mpp_active_menu?lang=es"
    params = {"CallSid": "CA1", "AccountSid": "AC1", "Digits": "2"}
    reply = client.post(
        path, data=params, headers={"X-Twilio-Signature": sign("http://localhost" + path, params)}
    )
    body = reply.get_data(as_text=True)
    assert "<Dial" not in body
    # "Esa oficina está cerrada": its audio file, or <Say> where audio is out of date.
    assert "/audio/es/common.closed." in body or "cerrada" in body


def test_validation_refuses_hours_it_cannot_say(tmp_path):
    from conftest import ROOT

    root = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", root)
    path = root / "directory.yaml"
    text = path.read_text(encoding="utf-8")
    bad = 'hours: {zone: Mars/Olympus, weekly: {mon: "09:10-17:00", xyz: "09:00-10:00"}}'
    text = text.replace("hours: {zone: America/Tijuana, place: Tijuana}", bad, 1)
    # A WhatsApp-only number cannot be transferred to, so it has no hours.
    whatsapp = '        label: "Al Otro Lado WhatsApp: Active MPP cases"\n'
    text = text.replace(
        whatsapp,
        whatsapp + '        hours: {zone: America/Tijuana, weekly: {mon: "09:00-17:00"}}\n',
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as refused:
        load_pack(root)
    codes = {p.code for p in refused.value.problems}
    assert "hours_zone_invalid" in codes
    # Fix the zone: now the quarter-hour rule, the unknown day and the WhatsApp number show.
    path.write_text(text.replace("Mars/Olympus", "America/Tijuana"), encoding="utf-8")
    with pytest.raises(ContentError) as refused:
        load_pack(root)
    codes = {p.code for p in refused.value.problems}
    assert {"hours_range_invalid", "hours_day_unknown"} <= codes
    text = text.replace("Mars/Olympus", "America/Tijuana").replace(
        'mon: "09:10-17:00", xyz: "09:00-10:00"', 'mon: "09:00-17:00"'
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as refused:
        load_pack(root)
    assert [p.code for p in refused.value.problems] == ["hours_not_voice"]


def test_hours_need_every_language_to_say_them(tmp_path):
    from conftest import ROOT

    root = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", root)
    directory = root / "directory.yaml"
    directory.write_text(
        directory.read_text(encoding="utf-8").replace(
            "hours: {zone: America/Tijuana, place: Tijuana}",
            'hours: {zone: America/Tijuana, place: Tijuana, weekly: {mon: "09:00-17:00"}}',
            1,
        ),
        encoding="utf-8",
    )
    load_pack(root)  # every language has its clock
    languages = root / "languages.yaml"
    text = languages.read_text(encoding="utf-8")
    start = text.index("    clock:", text.index("code: ht"))
    # Only the clock goes: it ends at the next key of the language (spell, addresses and the
    # pronunciation list stay, or the spoken words would be refused for other reasons).
    end = start + re.search(r"\n    [a-z_]+:", text[start + 1 :]).start() + 2
    assert text[start:end].count("\n    clock:") == 0 and "pronounce" not in text[start:end]
    languages.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(ContentError) as refused:
        load_pack(root)
    assert {p.code for p in refused.value.problems} == {"clock_incomplete"}
    assert all("languages[ht]" in p.key for p in refused.value.problems)
