"""No phone number before its date (issue 17): the check follows every path of the call, and the
real line passes it in every language."""

from __future__ import annotations

from flask import request

from ivr.content.speech import speak_number
from ivr.sim import FlaskTransport
from ivr.sim.dated import Finder, numbers_before_a_date
from ivr.sim.explore import Explorer
from ivr.sim.fake import scripted_app

URL = "http://localhost/voice"


def menu(action: str, *said: str) -> str:
    says = "".join(f"<Say>{s}</Say>" for s in said)
    return (
        f'<Response><Gather numDigits="1" action="{action}" actionOnEmptyResult="true">'
        f"{says}</Gather><Hangup/></Response>"
    )


def undated(pack, routes):
    app, _ = scripted_app(routes)
    exploration = Explorer(FlaskTransport(app), URL).run()
    return numbers_before_a_date(exploration, pack)


def digits() -> str:
    return request.form.get("Digits", "")


def kind(pack, plus="plus"):
    return speak_number(pack.numbers["kind"].e164, plus)


def test_a_number_with_no_year_before_it_is_found_with_the_keys_that_lead_there(pack):
    routes = {
        "/voice": menu("/voice/main?lang=en", "English: press 3."),
        "/voice/main": menu("/voice/kind?lang=en", "Children: press 1."),
        "/voice/kind": menu("/voice/kind?lang=en", f"Call KIND at {kind(pack)}."),
    }
    found = undated(pack, routes)
    assert [(u.lang, u.caption[:12]) for u in found] == [("en", "Call KIND at")]
    assert len(found[0].path) == 2  # heard after two keys: the language, then the topic


def test_a_year_heard_earlier_in_the_call_dates_every_later_number(pack):
    routes = {
        "/voice": menu("/voice/main?lang=en", "English: press 3."),
        "/voice/main": menu("/voice/kind?lang=en", "This information is from April 7, 2021."),
        "/voice/kind": menu("/voice/kind?lang=en", f"Call KIND at {kind(pack)}."),
    }
    assert undated(pack, routes) == []


def test_a_year_after_the_number_in_the_same_prompt_is_too_late(pack):
    routes = {
        "/voice": menu("/voice/kind?lang=es", f"Llame a KIND al {kind(pack, 'más')}, en 2021."),
        "/voice/kind": menu("/voice/kind?lang=es", "Adiós."),
    }
    assert [u.lang for u in undated(pack, routes)] == ["es"]


def test_one_path_without_the_date_is_enough_to_fail(pack):
    # Key 1 hears the date on its way to the number; key 2 goes straight to it. The number's
    # page is the same state either way: the check follows both paths.
    def route() -> str:
        date = "<Say>This information is from April 7, 2021.</Say>" if digits() == "1" else ""
        return f"<Response>{date}<Redirect>/voice/after?lang=en</Redirect></Response>"

    routes = {
        "/voice": menu("/voice/route?lang=en", "Press 1 or 2."),
        "/voice/route": route,
        "/voice/after": menu("/voice/after?lang=en", f"Call KIND at {kind(pack)}."),
    }
    found = undated(pack, routes)
    assert [u.caption[:12] for u in found] == ["Call KIND at"]
    assert found[0].path == ("2",)


def test_kreyol_years_count_in_their_spoken_words(pack):
    finder = Finder(pack)
    assert finder.year_at("Enfòmasyon sa yo se dat dis me de mil venteyen.") is not None
    assert finder.year_at("Enfòmasyon sa yo se dat 10 me 2021.") is not None
    assert finder.year_at(kind(pack, "plis")) is None  # digits said one by one are no year
    assert finder.number_at(f"Rele KIND nan {kind(pack, 'plis')}.") == len("Rele KIND nan ")
