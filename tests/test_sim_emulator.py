"""The emulator behaves like Twilio, checked against small fake apps."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from flask import Response
from pydub.generators import Sine

from ivr.sim import HANG_UP, Call, DialResult, FlaskTransport, MediaLibrary, Press, ScriptedCaller
from ivr.sim import events as ev
from ivr.sim.fake import scripted_app

DATA = Path(__file__).parents[1] / "ivr" / "sim" / "data"
BASE = "http://hotline.test"
TOKEN = "test-token"


def doc(body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>'


def call(routes, keys=(), dials=(), media=False, url="/voice"):
    app, seen = scripted_app(routes, auth_token=TOKEN)
    transport = FlaskTransport(app)
    emulated = Call(
        transport,
        BASE + url,
        auth_token=TOKEN,
        media=MediaLibrary(transport) if media else None,
    )
    transcript = emulated.run(ScriptedCaller(keys, dials))
    return transcript, seen


@pytest.fixture(scope="module")
def mulaw_wav() -> bytes:
    tone = Sine(440).to_audio_segment(duration=1500).set_frame_rate(8000).set_channels(1)
    out = io.BytesIO()
    tone.export(out, format="wav", parameters=["-acodec", "pcm_mulaw"])
    return out.getvalue()


# -- requests look like Twilio's ---------------------------------------------------------------


def test_first_request_carries_twilio_incoming_call_fields():
    transcript, seen = call({"/voice": doc("<Hangup/>")})
    payloads = json.loads((DATA / "webhook-payloads.json").read_text())
    assert set(payloads["incoming_call"]) <= set(seen[0].form)
    assert seen[0].form["CallStatus"] == "ringing"
    assert seen[0].form["Direction"] == "inbound"
    assert seen[0].form["ApiVersion"] == "2010-04-01"
    assert seen[0].form["CallSid"].startswith("CA") and len(seen[0].form["CallSid"]) == 34


def test_every_request_is_signed_so_twilios_validator_accepts_it():
    routes = {
        "/voice": doc('<Gather numDigits="1" action="/menu?lang=es"/>'),
        "/menu": doc('<Redirect method="GET">/next?x=1</Redirect>'),
        "/next": doc("<Hangup/>"),
    }
    transcript, seen = call(routes, keys=["1"])
    assert [s.signature_valid for s in seen] == [True, True, True]
    assert transcript.errors == []


def test_signatures_match_twilios_known_answer_vectors():
    from ivr.sim.signing import signed_headers

    vectors = json.loads((DATA / "signature-test-vectors.json").read_text())
    form_cases = [c for c in vectors["cases"] if c.get("params") == "params"]
    assert form_cases
    for case in form_cases:
        url = case.get("signed_string_url", case["url"])
        if ":1234" in url and url.startswith("https"):
            continue  # validate() strips the port; the signature is over the portless URL
        signature = signed_headers(vectors["auth_token"], url, vectors["params"])
        assert signature["X-Twilio-Signature"] == case["expected"], case["name"]


def test_later_requests_say_the_call_is_in_progress_with_the_same_call_sid():
    routes = {"/voice": doc('<Gather numDigits="1" action="/a"/>'), "/a": doc("<Hangup/>")}
    _, seen = call(routes, keys=["1"])
    assert seen[1].form["CallStatus"] == "in-progress"
    assert seen[1].form["CallSid"] == seen[0].form["CallSid"]


# -- <Gather> ----------------------------------------------------------------------------------


def test_gather_posts_the_digits_to_its_action_when_num_digits_is_reached():
    routes = {"/voice": doc('<Gather numDigits="2" action="/a"/>'), "/a": doc("<Hangup/>")}
    transcript, seen = call(routes, keys=["123"])
    assert seen[1].form["Digits"] == "12"
    assert seen[1].form["FinishedOnKey"] == ""
    assert seen[1].form["msg"] == "Gather End"
    assert transcript.of(ev.Gather)[0].outcome == "digits"


def test_finish_on_key_ends_the_gather_and_is_not_part_of_the_digits():
    routes = {"/voice": doc('<Gather action="/a"/>'), "/a": doc("<Hangup/>")}
    _, seen = call(routes, keys=["42#"])
    assert seen[1].form["Digits"] == "42"
    assert seen[1].form["FinishedOnKey"] == "#"


def test_empty_finish_on_key_makes_hash_a_digit_submitted_after_the_timeout():
    routes = {
        "/voice": doc('<Gather finishOnKey="" timeout="3" action="/a"/>'),
        "/a": doc("<Hangup/>"),
    }
    transcript, seen = call(routes, keys=["4#"])
    assert seen[1].form["Digits"] == "4#"
    assert transcript.of(ev.Gather)[0].at == 3


def test_silence_falls_through_to_the_verb_after_the_gather():
    routes = {
        "/voice": doc('<Gather action="/a"><Say>Menu</Say></Gather><Say>No input</Say>'),
        "/a": doc("<Hangup/>"),
    }
    transcript, seen = call(routes, keys=[None])
    assert len(seen) == 1
    assert transcript.captions() == ["Menu", "No input"]
    assert transcript.of(ev.Gather)[0].outcome == "timeout"
    assert transcript.of(ev.Hangup)[0].reason == "end of document"


def test_silence_waits_the_gather_timeout_after_the_prompts():
    routes = {"/voice": doc('<Gather timeout="7"><Pause length="2"/></Gather><Hangup/>')}
    transcript, _ = call(routes, keys=[None])
    assert transcript.of(ev.Hangup)[0].at == 9


def test_action_on_empty_result_posts_empty_digits_to_the_action():
    routes = {
        "/voice": doc('<Gather actionOnEmptyResult="true" action="/a"/><Say>never</Say>'),
        "/a": doc("<Hangup/>"),
    }
    transcript, seen = call(routes, keys=[None])
    assert seen[1].url == BASE + "/a"
    assert seen[1].form["Digits"] == ""
    assert "never" not in transcript.captions()


def test_gather_without_action_posts_to_the_current_document_url():
    routes = {"/voice": doc('<Gather numDigits="1"/>')}
    _, seen = call(routes, url="/voice?node=main", keys=["5"])
    assert seen[1].url == BASE + "/voice?node=main"
    assert seen[1].form["Digits"] == "5"


def test_relative_action_urls_resolve_against_the_current_document_url():
    routes = {"/voice/menu": doc('<Gather numDigits="1" action="pick?lang=es"/>')}
    _, seen = call(routes, url="/voice/menu?lang=en", keys=["1"])
    assert seen[1].url == BASE + "/voice/pick?lang=es"


def test_gather_with_get_method_sends_parameters_in_the_query_string():
    routes = {"/voice": doc('<Gather numDigits="1" action="/a" method="GET"/>'), "/a": doc("")}
    _, seen = call(routes, keys=["3"])
    assert seen[1].method == "GET"
    assert seen[1].args["Digits"] == "3"
    assert seen[1].form == {}
    assert seen[1].signature_valid


def test_a_key_during_a_prompt_interrupts_it_and_skips_the_rest():
    routes = {
        "/voice": doc(
            '<Gather numDigits="1" action="/a"><Say>one two three four five</Say>'
            "<Say>never heard</Say></Gather>"
        ),
        "/a": doc("<Hangup/>"),
    }
    transcript, seen = call(routes, keys=[Press("2", barge_in_at=0.8)])
    heard = transcript.prompts
    assert len(heard) == 1
    assert heard[0].interrupted and heard[0].heard == 0.8
    assert seen[1].form["Digits"] == "2"


def test_speech_only_gather_ignores_keys():
    routes = {"/voice": doc('<Gather input="speech" action="/a"/><Hangup/>'), "/a": doc("")}
    _, seen = call(routes, keys=["1"])
    assert len(seen) == 1


def test_keys_that_are_not_on_a_keypad_are_refused():
    with pytest.raises(ValueError):
        call({"/voice": doc("<Gather/>")}, keys=["A"])


# -- prompts -----------------------------------------------------------------------------------


def test_say_records_text_voice_language_loop_and_estimated_duration():
    routes = {"/voice": doc('<Say voice="Polly.Lupe" language="es-US" loop="2">Hola a todos</Say>')}
    transcript, _ = call(routes)
    say = transcript.of(ev.Say)[0]
    assert (say.text, say.voice, say.language, say.loop) == (
        "Hola a todos",
        "Polly.Lupe",
        "es-US",
        2,
    )
    assert say.seconds == pytest.approx(2 * 3 / ev.SAY_WORDS_PER_SECOND)


def test_play_fetches_audio_with_a_plain_get_and_records_its_duration(mulaw_wav):
    wav = Response(mulaw_wav, mimetype="audio/wav")
    routes = {"/voice": doc("<Play>audio/es/x.wav</Play>"), "/audio/es/x.wav": wav}
    transcript, seen = call(routes, media=True)
    fetch = seen[1]
    assert (fetch.method, fetch.url, fetch.form, fetch.args) == (
        "GET",
        BASE + "/audio/es/x.wav",
        {},
        {},
    )
    play = transcript.of(ev.Play)[0]
    assert play.url == BASE + "/audio/es/x.wav"
    assert play.seconds == pytest.approx(1.5, abs=0.01)
    assert transcript.errors == []


def test_play_of_something_that_is_not_audio_is_an_error():
    junk = Response(b"RIFF....not really", mimetype="audio/wav")
    routes = {"/voice": doc("<Play>/bad.wav</Play>"), "/bad.wav": junk}
    transcript, _ = call(routes, media=True)
    assert "does not decode" in transcript.errors[0].message


def test_play_of_a_telephony_wav_cut_short_is_an_error(mulaw_wav):
    cut = Response(mulaw_wav[: len(mulaw_wav) // 2], mimetype="audio/wav")
    transcript, _ = call({"/voice": doc("<Play>/cut.wav</Play>"), "/cut.wav": cut}, media=True)
    assert "cut short" in transcript.errors[0].message


def test_telephony_wav_decodes_to_the_same_samples_as_ffmpeg_gives(mulaw_wav):
    import subprocess

    from ivr.sim.media import decode

    ours = decode(mulaw_wav)
    ffmpeg = subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", "-", "-f", "s16le", "-acodec", "pcm_s16le", "-"],
        input=mulaw_wav,
        capture_output=True,
        check=True,
    )
    assert (ours.frame_rate, ours.channels, len(ours)) == (8000, 1, 1500)
    assert ours.raw_data == ffmpeg.stdout


def test_play_of_a_missing_file_is_an_error():
    transcript, _ = call({"/voice": doc("<Play>/gone.wav</Play>")}, media=True)
    assert "HTTP 404" in transcript.errors[0].message


def test_pause_lasts_its_length():
    transcript, _ = call({"/voice": doc('<Pause length="3"/><Say>after</Say>')})
    assert transcript.of(ev.Say)[0].at == 3


# -- <Redirect>, <Dial>, ending ----------------------------------------------------------------


def test_redirect_requests_the_url_with_its_method():
    routes = {"/voice": doc('<Redirect method="GET">/b</Redirect>'), "/b": doc("<Hangup/>")}
    transcript, seen = call(routes)
    assert [(s.method, s.url.split("?")[0]) for s in seen] == [
        ("POST", BASE + "/voice"),
        ("GET", BASE + "/b"),
    ]
    assert transcript.of(ev.Redirect)[0].url == BASE + "/b"


@pytest.mark.parametrize("outcome", ["completed", "busy", "no-answer", "failed"])
def test_dial_posts_the_chosen_outcome_to_its_action(outcome):
    routes = {
        "/voice": doc(
            '<Dial action="/after" timeout="20" callerId="+15558675310">+16195602243</Dial>'
        ),
        "/after": doc("<Hangup/>"),
    }
    transcript, seen = call(routes, dials=[DialResult(outcome, 42)])
    form = seen[1].form
    assert form["DialCallStatus"] == outcome
    assert form["DialCallDuration"] == ("42" if outcome == "completed" else "0")
    assert form["DialCallSid"].startswith("CA")
    dial = transcript.of(ev.Dial)[0]
    assert (dial.numbers, dial.outcome, dial.caller_id) == (
        ("+16195602243",),
        outcome,
        "+15558675310",
    )


def test_dial_with_nested_numbers_dials_each_of_them():
    routes = {
        "/voice": doc("<Dial><Number>+15551230001</Number><Number>+15551230002</Number></Dial>")
    }
    transcript, _ = call(routes)
    assert transcript.of(ev.Dial)[0].numbers == ("+15551230001", "+15551230002")


def test_dial_without_action_continues_with_the_next_verb():
    routes = {"/voice": doc("<Dial>+15551230001</Dial><Say>Thanks</Say>")}
    transcript, seen = call(routes, dials=["busy"])
    assert len(seen) == 1
    assert transcript.captions() == ["Thanks"]


def test_hangup_ends_the_call_and_ignores_what_follows():
    transcript, _ = call({"/voice": doc("<Hangup/><Say>never</Say>")})
    assert transcript.captions() == []
    assert transcript.of(ev.Hangup)[0].reason == "<Hangup>"


def test_reject_ends_the_call():
    transcript, _ = call({"/voice": doc('<Reject reason="busy"/>')})
    assert "busy" in transcript.of(ev.Hangup)[0].reason


def test_the_end_of_the_document_hangs_up():
    transcript, _ = call({"/voice": doc("<Say>bye</Say>")})
    assert transcript.of(ev.Hangup)[0].reason == "end of document"


def test_a_caller_who_hangs_up_at_a_gather_ends_the_call():
    routes = {"/voice": doc('<Gather action="/a"><Say>Menu</Say></Gather>')}
    app, seen = scripted_app(routes)
    transcript = Call(FlaskTransport(app), BASE + "/voice").run(ScriptedCaller([HANG_UP]))
    assert transcript.of(ev.Hangup)[0].reason == "caller hung up"
    assert len(seen) == 1


# -- validation of what the app answers -------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ("<Answer/>", "root element is <Answer>"),
        (doc("<Speak>hi</Speak>"), "unknown element <Speak>"),
        (doc('<Say colour="red">hi</Say>'), "unknown attribute 'colour'"),
        (doc("<Gather><Dial>+15551230001</Dial></Gather>"), "<Dial> may not be nested in <Gather>"),
        (doc("<Say>unclosed"), "malformed XML"),
        (doc("<Pause>text</Pause>"), "<Pause> takes no text"),
        (doc(f"<Say>{'a ' * 33000}</Say>"), "over Twilio's limit"),
        (Response("oops", status=500), "HTTP status 500"),
        (Response(doc("<Hangup/>"), mimetype="text/html"), "is not an XML type"),
    ],
)
def test_an_answer_twilio_would_refuse_is_reported_and_ends_the_call(answer, problem):
    transcript, _ = call({"/voice": answer})
    assert any(problem in e.message for e in transcript.errors), transcript.errors
    assert transcript.of(ev.Hangup)[-1].reason == "application error"


def test_ssml_inside_say_is_valid_twiml():
    body = doc(
        '<Say>Call <say-as interpret-as="telephone">6195602243</say-as><break time="1s"/></Say>'
    )
    transcript, _ = call({"/voice": body})
    assert transcript.errors == []
    assert transcript.captions() == ["Call 6195602243"]


def test_a_call_that_loops_forever_is_stopped_and_reported():
    transcript, _ = call({"/voice": doc("<Redirect>/voice</Redirect>")})
    assert "webhook requests in one call" in transcript.errors[0].message


def test_the_call_clock_adds_heard_audio_and_waiting():
    routes = {
        "/voice": doc('<Say>one two three four five</Say><Gather timeout="4" action="/a"/>'),
        "/a": doc('<Pause length="1"/>'),
    }
    transcript, _ = call(routes, keys=[None])
    assert transcript.clock == pytest.approx(2 + 4)
