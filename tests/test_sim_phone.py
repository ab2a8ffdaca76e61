"""The terminal phone, driven by scripted keyboard input against a small fake line."""

from __future__ import annotations

import io

from ivr.sim import Call, FlaskTransport
from ivr.sim.fake import scripted_app
from ivr.sim.phone import TerminalCaller
from ivr.sim.player import Player

LINE = {
    "/voice": (
        '<Response><Gather numDigits="1" action="/menu" timeout="3">'
        '<Say language="es-MX">Para español, oprima 1.</Say></Gather>'
        "<Say>Goodbye.</Say></Response>"
    ),
    "/menu": (
        '<Response><Gather numDigits="1" action="/pick"><Say>For help, press 2.</Say></Gather>'
        "<Redirect>/menu</Redirect></Response>"
    ),
    "/pick": (
        '<Response><Say>Transferring you.</Say><Dial action="/after">+16195602243</Dial></Response>'
    ),
    "/after": "<Response><Say>The line was busy.</Say><Hangup/></Response>",
}


def phone_call(typed: str, lang_key: str | None = None) -> tuple[str, list]:
    app, seen = scripted_app(LINE)
    transport = FlaskTransport(app)
    out = io.StringIO()
    caller = TerminalCaller(
        transport,
        stdin=io.StringIO(typed),
        stdout=out,
        player=Player(mute=True),
        names={"+16195602243": "Immigrant Defenders Law Center"},
        lang_key=lang_key,
    )
    transcript = Call(transport, "http://localhost/voice").run(caller)
    caller.show(transcript)
    return out.getvalue(), seen


def test_typed_lines_are_the_keys_pressed_at_each_menu():
    output, seen = phone_call("1\n2\nb\n")
    assert [s.form.get("Digits") for s in seen[1:3]] == ["1", "2"]
    assert "[es-MX] Para español, oprima 1." in output
    assert "For help, press 2." in output


def test_an_empty_line_is_silence_and_the_menu_times_out():
    output, seen = phone_call("1\n\n2\n")
    assert "(no key pressed: the menu timed out)" in output
    assert output.count("For help, press 2.") == 2


def test_a_transfer_shows_the_number_dialled_and_the_chosen_outcome_is_posted():
    output, seen = phone_call("1\n2\nb\n")
    assert "TRANSFER: dialling +16195602243 (Immigrant Defenders Law Center)" in output
    assert seen[-1].form["DialCallStatus"] == "busy"
    assert "The line was busy." in output


def test_pressing_enter_at_a_transfer_means_it_was_answered():
    _, seen = phone_call("1\n2\n\n")
    assert seen[-1].form["DialCallStatus"] == "completed"


def test_end_of_input_hangs_up():
    output, seen = phone_call("1\n")
    assert output.rstrip().splitlines()[-1].startswith("Call ended (caller hung up)")


def test_keys_that_are_not_on_a_keypad_are_asked_again():
    output, seen = phone_call("x\n1\n2\nf\n")
    assert "keypad keys only" in output
    assert seen[1].form["Digits"] == "1"


def test_lang_key_answers_the_first_menu_without_reading_a_line():
    output, seen = phone_call("2\nn\n", lang_key="1")
    assert seen[1].form["Digits"] == "1"
    assert seen[-1].form["DialCallStatus"] == "no-answer"


def test_each_prompt_is_captioned_once_in_order():
    output, _ = phone_call("1\n2\nc\n")
    lines = [line.strip() for line in output.splitlines() if line.startswith("  [")]
    assert lines == [
        "[es-MX] Para español, oprima 1.",
        "[say] For help, press 2.",
        "[say] Transferring you.",
        "[say] The line was busy.",
    ]


# -- the real line, in-process --------------------------------------------------------------------


def real_line_script(pack, lang_code: str) -> tuple[str, str, str]:
    """Typed lines for a whole call in one language, the guidance's first words, the number."""
    from ivr.sim.guidance import first_prompt, plan, transfer_after

    situation = pack.situations()["active MPP case"]
    option = transfer_after(pack, situation)
    keys = [key for key, _ in plan(pack, lang_code, situation)] + [option.key, "c"]
    number = pack.numbers[pack.flow.nodes[option.goto].number].e164
    return "\n".join(keys) + "\n", pack.text(lang_code, first_prompt(pack, situation)), number


def test_the_terminal_phone_completes_a_call_in_every_language_of_the_real_line():
    import os

    from ivr import create_app
    from ivr.sim.phone import main

    pack = (
        create_app({"ENV": {**os.environ, "HOTLINE_ENV": "development"}})
        .extensions["content"]
        .current()
    )
    for language in pack.languages:
        typed, guidance, number = real_line_script(pack, language.code)
        out = io.StringIO()
        status = main(["--mute"], stdin=io.StringIO(typed), stdout=out)
        output = out.getvalue()
        assert status == 0, output
        assert guidance in output, language.code
        assert f"TRANSFER: dialling {number}" in output, language.code
        assert "TRANSFER COMPLETED" in output
