"""The whole-tree walk finds every kind of fault, and the real line has none."""

from __future__ import annotations

import os

import pytest

from ivr import create_app
from ivr.sim import FlaskTransport, Press
from ivr.sim.captions import pack_captions
from ivr.sim.explore import Explorer
from ivr.sim.fake import scripted_app
from ivr.sim.guidance import FirstTimeCaller
from ivr.sim.walk import walk

URL = "http://localhost/voice"


def menu(action: str, *prompts: str) -> str:
    says = "".join(f"<Say>{p}</Say>" for p in prompts)
    return (
        f'<Response><Gather numDigits="1" action="{action}" actionOnEmptyResult="true">'
        f"{says}</Gather></Response>"
    )


def explore(routes, **kwargs):
    app, _ = scripted_app(routes)
    return Explorer(FlaskTransport(app), URL, **kwargs).run()


def test_a_line_that_always_answers_with_a_menu_has_no_findings():
    routes = {"/voice": menu("/voice/next", "Press 1."), "/voice/next": menu("/voice", "Again.")}
    found = explore(routes)
    assert found.findings == []
    assert found.states == 2


def test_a_document_that_runs_out_without_hanging_up_is_a_dead_end():
    routes = {
        "/voice": menu("/voice/next", "Press 1."),
        "/voice/next": "<Response><Say>Bye</Say></Response>",
    }
    found = explore(routes)
    assert "dead end: the document ran out without a <Hangup>" in [
        f.message for f in found.findings
    ]


def test_an_error_status_is_reported_with_the_keys_that_lead_to_it():
    routes = {"/voice": menu("/voice/broken", "Press 1.")}
    found = explore(routes)
    assert found.findings[0].message.startswith("HTTP status 404")
    assert found.findings[0].path == ("1",)


def test_a_menu_that_every_input_leads_back_to_is_a_dead_end():
    routes = {"/voice": menu("/voice", "Press anything.")}
    found = explore(routes)
    assert any("every key and silence come back" in f.message for f in found.findings)


def test_hanging_up_on_a_silent_caller_is_reported():
    routes = {
        "/voice": '<Response><Gather numDigits="1" action="/voice/k"/><Hangup/></Response>',
        "/voice/k": menu("/voice", "Hello."),
    }
    found = explore(routes)
    assert any("silence was answered by hanging up" in f.message for f in found.findings)


def test_a_dial_the_directory_does_not_allow_is_reported_and_languages_are_tracked():
    routes = {
        "/voice": menu("/voice/pick?lang=es", "Marque 1."),
        "/voice/pick": '<Response><Dial action="/voice?lang=es">+15550000000</Dial></Response>',
    }
    found = explore(routes, check_dial=lambda number: "not in the directory")
    assert any(f.message == "<Dial> +15550000000: not in the directory" for f in found.findings)
    assert found.dialled == {"es": {"+15550000000"}}


def test_a_first_time_caller_presses_as_soon_as_their_option_is_announced():
    from ivr.sim import GatherWait, Position
    from ivr.sim import events as ev

    prompts = tuple(
        ev.Say(0, s, s, text=t)
        for t, s in [("Intro.", 2.0), ("For B, press 2.", 3.0), ("For C, press 3.", 3.0)]
    )
    gather = GatherWait(Position(URL, "<Response/>", 0), prompts, URL, "POST", 5, 1, "", True, True)
    caller = FirstTimeCaller([("2", "For B, press 2.")], caption=lambda p: p.caption)
    assert caller.press(gather, ev.Transcript()) == Press("2", barge_in_at=5.0)


@pytest.fixture(scope="module")
def line_report():
    app = create_app({"ENV": {**os.environ, "HOTLINE_ENV": "development"}})
    pack = app.extensions["content"].current()
    return walk(pack, FlaskTransport(app), URL)


def test_the_whole_line_walks_without_a_single_problem(line_report):
    assert line_report.problems == []


def test_every_situation_is_reached_in_every_language(line_report):
    pack = line_report.pack
    reached = {(g.situation, g.lang) for g in line_report.guidance if g.seconds is not None}
    pages = [*pack.situations(), *pack.references()]
    expected = {(s, lang.code) for s in pages for lang in pack.languages}
    assert reached == expected


def test_every_play_in_the_line_has_a_caption_from_the_content(line_report):
    caption = pack_captions(line_report.pack)
    for lang, heard in line_report.exploration.heard.items():
        unlabelled = [c for c in heard if c.startswith("http") and caption(c) is None]
        assert unlabelled == [], lang


def test_a_first_time_caller_never_waits_for_a_timeout_on_the_way_to_guidance(line_report):
    for g in line_report.guidance:
        assert sum(seconds for _, seconds in g.heard) == pytest.approx(g.seconds, abs=0.2), g


def test_every_situation_starts_within_30_seconds_of_audio_for_a_first_time_caller(line_report):
    # Audio seconds of the committed prompts, not wall-clock time: a content guard (issue 4).
    late = [
        (g.situation, g.lang, g.seconds)
        for g in line_report.guidance
        if not g.reference and (g.seconds is None or g.seconds > 30.0)
    ]
    assert late == []


def test_every_situations_own_contact_number_comes_within_30_seconds_of_audio(line_report):
    # Issues 10 and 17: the number counted where it starts inside its prompt, as a caller
    # hears it, after the date of its facts (committed audio), "none of these" included.
    late = [
        (g.situation, g.lang, g.contact_seconds)
        for g in line_report.guidance
        if not g.reference and (g.contact_seconds is None or g.contact_seconds > 30.0)
    ]
    assert late == []


def test_no_phone_number_is_heard_before_its_date_on_any_path_in_any_language(line_report):
    assert [str(u) for u in line_report.undated] == []
    assert line_report.exploration.languages == {"es", "ht", "en"}
    assert line_report.wording == []


def test_the_number_is_placed_inside_its_prompt_by_the_spoken_characters_before_it(pack):
    from ivr.content.speech import speak_number
    from ivr.sim import events as ev
    from ivr.sim.guidance import first_contact

    number = speak_number(pack.numbers["kind"].e164, "plus")
    lead = "Call KIND at "
    said = ev.Say(at=20.0, seconds=10.0, heard=10.0, text=f"{lead}{number}.")
    nid, seconds = first_contact(pack, "en", "children", [said], lambda p: p.caption)
    assert nid == "kind"
    assert seconds == round(20.0 + 10.0 * len(lead) / len(said.text), 1)


def test_the_contact_comes_after_the_guidance_starts_and_is_one_of_the_sections_own(line_report):
    pack = line_report.pack
    for g in line_report.guidance:
        if g.reference:
            continue
        node = pack.flow.nodes[pack.situations()[g.situation]]
        assert g.contact in node.contacts, g
        assert g.seconds <= g.contact_seconds, g
