"""The flow engine's rules, without Flask or Twilio."""

import pytest

from ivr.flow import SILENCE, CallState, Input, answer, next_step


def ids(step):
    return [p.id for p in step.prompts]


def test_answer_offers_every_language_in_its_own_words(pack):
    step = answer(pack)
    assert [p.lang for p in step.prompts] == ["es", "ht", "en"]
    assert step.gather == CallState()


@pytest.mark.parametrize("key,lang", [("1", "es"), ("2", "ht"), ("3", "en")])
def test_choosing_a_language_brings_the_situations_at_once(pack, key, lang):
    # Issue 17: the safety notice is said in every guidance, after its contact, so every
    # situation's own number comes within 30 s of audio.
    step = next_step(pack, CallState(), Input(key))
    assert ids(step)[0] == "main.mpp_active"
    assert {p.lang for p in step.prompts} == {lang}
    assert step.gather == CallState(lang, "main")


@pytest.mark.parametrize("node", ["mpp_active", "mpp_closed", "waitlist", "no_mpp", "children"])
def test_every_guidance_says_the_safety_notice_after_its_contact(pack, node):
    said = ids(guidance(pack, "es", node, today=date(2030, 1, 1)))
    assert said.index("safety.notice") > said.index(f"{node}.1")


def test_the_organizations_by_city_start_with_the_safety_notice(pack):
    step = next_step(pack, CallState("en", "help"), Input("2"))
    assert ids(step)[0] == "safety.notice"


def test_silence_in_the_language_menu_ends_in_spanish_not_a_hangup(pack):
    state = CallState()
    for _ in range(pack.flow.retries):
        step = next_step(pack, state, SILENCE)
        state = step.gather
        assert state.node == "language"
    step = next_step(pack, state, SILENCE)
    assert step.gather == CallState("es", "main")


def test_a_wrong_key_reprompts_with_the_options_and_counts_the_try(pack):
    step = next_step(pack, CallState("en", "main"), Input("7"))
    assert ids(step)[0] == "common.wrong_key"
    assert "main.mpp_active" in ids(step)
    assert step.gather == CallState("en", "main", tries=1)


def test_silence_reprompts_with_no_input_message(pack):
    step = next_step(pack, CallState("en", "main"), SILENCE)
    assert ids(step)[0] == "common.no_input"


def test_after_every_reprompt_the_caller_is_offered_help(pack):
    step = next_step(pack, CallState("en", "main", tries=pack.flow.retries), SILENCE)
    assert step.gather.node == "help"
    assert "help.person" in ids(step)


def test_a_caller_silent_even_in_help_is_connected_to_a_person(pack):
    step = next_step(pack, CallState("en", "help", tries=pack.flow.retries), SILENCE)
    assert step.dial is not None
    assert step.dial.e164 == pack.numbers["jfs_hotline"].e164
    assert not step.hangup


@pytest.mark.parametrize("garbage", ["12", "a", "1#", "☃", " "])
def test_garbage_digits_are_a_wrong_key(pack, garbage):
    step = next_step(pack, CallState("es", "main"), Input(garbage.strip()))
    assert step.gather.node == "main"
    assert step.gather.tries == 1


@pytest.mark.parametrize("node", ["main", "regions", "mpp_active_menu", "tijuana_connect", "help"])
def test_global_keys_work_in_every_menu(pack, node):
    assert next_step(pack, CallState("ht", node), Input("*")).gather.node == "main"
    assert next_step(pack, CallState("ht", node), Input("0")).gather.node == "help"
    assert next_step(pack, CallState("ht", node), Input("#")).hangup
    assert next_step(pack, CallState("ht", node), Input("9")).gather is not None


def test_repeat_after_guidance_replays_the_guidance(pack):
    step = next_step(pack, CallState("en", "mpp_active_menu"), Input("9"))
    assert ids(step)[:3] == ["mpp_active.title", "checked.mpp_active", "mpp_active.1"]


def test_active_mpp_path_reaches_its_guidance_and_transfer(pack):
    step = next_step(pack, CallState("en", "main"), Input("1"))
    assert ids(step)[0] == "mpp_active.title"
    assert "{" not in " ".join(p.text for p in step.prompts)
    step = next_step(pack, step.gather, Input("2"))
    assert step.dial.e164 == pack.numbers["aol_mx"].e164
    assert step.dial_action == CallState("en", "t_aol", ret="mpp_active_menu")


@pytest.mark.parametrize("status", ["busy", "no-answer", "failed", "canceled"])
def test_a_failed_transfer_gives_the_number_and_returns_to_the_menu(pack, status):
    step = next_step(pack, CallState("es", "t_aol", ret="mpp_active_menu"), Input("", status))
    assert ids(step)[:2] == ["common.transfer_busy", "number.aol_mx"]
    assert step.gather == CallState("es", "mpp_active_menu")


def test_a_completed_transfer_mentions_voicemail_and_the_number(pack):
    step = next_step(pack, CallState("en", "t_kind", ret="children_menu"), Input("", "completed"))
    assert ids(step)[:2] == ["common.transfer_completed", "number.kind"]
    assert "voicemail" in step.prompts[0].text


def test_an_unknown_node_restarts_at_the_main_menu(pack):
    step = next_step(pack, CallState("en", "no_such_node"), Input("1"))
    assert ids(step)[0] == "common.restart"
    assert step.gather.node == "main"


def test_an_unknown_language_restarts_the_call(pack):
    step = next_step(pack, CallState("xx", "main"), Input("1"))
    assert step.gather == CallState()


def test_numbers_are_spoken_digit_by_digit(pack):
    text = pack.text("en", "number.unhcr_whatsapp")
    assert text.startswith("plus.")
    assert "5, 5." in text and "2, 5, 3, 5." in text


# --- dated sections, numbers by the caller's country, spoken words ---

from datetime import date  # noqa: E402


def guidance(pack, lang, node, **inp):
    """The prompts of a situation's guidance, chosen from the main menu."""
    key = next(o.key for o in pack.flow.nodes["main"].options if o.goto == node)
    return next_step(pack, CallState(lang, "main"), Input(key, **inp))


@pytest.mark.parametrize("lang", ["es", "ht", "en"])
def test_a_section_says_its_date_after_its_title_before_its_contact(pack, lang):
    step = guidance(pack, lang, "mpp_active", today=date(2021, 6, 1))
    assert ids(step)[:4] == [
        "mpp_active.title",
        "checked.mpp_active",
        "mpp_active.1",
        "guidance.keys",
    ]
    assert "2021" in pack.texts(lang)["checked.mpp_active"]


def test_facts_younger_than_the_limit_are_not_called_old(pack):
    checked = date.fromisoformat(pack.section_checked("mpp_active"))
    today = date.fromordinal(checked.toordinal() + 180)
    step = guidance(pack, "en", "mpp_active", today=today, facts_max_age_days=180)
    assert "facts.old" not in ids(step)


def test_facts_older_than_the_limit_also_say_things_may_have_changed(pack):
    checked = date.fromisoformat(pack.section_checked("active MPP case"))
    today = date.fromordinal(checked.toordinal() + 181)
    step = guidance(pack, "en", "mpp_active", today=today, facts_max_age_days=180)
    # The date before the contact; that things may have changed right after the contact.
    assert ids(step)[:4] == ["mpp_active.title", "checked.mpp_active", "mpp_active.1", "facts.old"]
    assert "confirm" in step.prompts[3].text or "check with" in step.prompts[3].text


def test_a_section_without_a_number_says_things_may_have_changed_right_after_its_date(pack):
    step = next_step(pack, CallState("es", "main"), Input("0", today=date(2030, 1, 1)))
    assert ids(step)[:3] == ["help.intro", "checked.help", "facts.old"]


def test_two_dated_sections_in_one_step_say_things_may_have_changed_once(pack):
    step = next_step(pack, CallState("en", "help"), Input("3", today=date(2030, 1, 1)))
    said = ids(step)
    assert "checked.news" in said and "checked.news_more" in said
    assert said.count("facts.old") == 1


def test_the_age_limit_is_a_setting_not_a_constant(pack):
    step = guidance(pack, "es", "children", today=date(2021, 4, 20), facts_max_age_days=10)
    assert "facts.old" in ids(step)


def test_without_a_date_the_engine_never_calls_facts_old(pack):
    assert "facts.old" not in ids(guidance(pack, "es", "no_mpp"))


def test_every_situation_is_dated(pack):
    for name, node in pack.situations().items():
        assert pack.flow.nodes[node].checked, name


def numbers_prompt(pack, lang, situation_menu, country):
    step = next_step(pack, CallState(lang, situation_menu), Input("1", country=country))
    return next(p for p in step.prompts if ".numbers" in p.id)


def spoken(pack, lang, number_id):
    plus = pack.language(lang).words["plus"]
    from ivr.content.speech import speak_number

    return speak_number(pack.numbers[number_id].e164, plus, slow=True)


@pytest.mark.parametrize("lang", ["es", "ht", "en"])
def test_a_caller_in_the_us_hears_al_otro_lados_us_numbers_only(pack, lang):
    said = numbers_prompt(pack, lang, "mpp_active_menu", "US").text
    assert spoken(pack, lang, "aol_us_619") in said and spoken(pack, lang, "aol_us_323") in said
    assert spoken(pack, lang, "aol_mx") not in said


@pytest.mark.parametrize("lang", ["es", "ht", "en"])
def test_a_caller_in_mexico_hears_the_number_for_calling_from_mexico(pack, lang):
    said = numbers_prompt(pack, lang, "no_mpp_menu", "MX").text
    assert spoken(pack, lang, "aol_mx") in said
    assert spoken(pack, lang, "aol_us_619") not in said


def test_a_caller_from_elsewhere_hears_both_with_where_to_call_them_from(pack):
    said = numbers_prompt(pack, "en", "waitlist_menu", "GT").text
    assert "from Mexico: " + spoken(pack, "en", "aol_mx") in said
    assert "from the U.S.: " + spoken(pack, "en", "aol_us_619") in said


def test_after_a_transfer_a_caller_in_the_us_is_told_the_us_number(pack):
    step = next_step(
        pack,
        CallState("en", "t_aol", ret="mpp_active_menu"),
        Input(dial_status="busy", country="US"),
    )
    assert "number.aol_us_619" in ids(step)


def test_after_a_transfer_a_caller_in_mexico_is_told_the_number_dialled(pack):
    step = next_step(
        pack,
        CallState("es", "t_aol", ret="mpp_active_menu"),
        Input(dial_status="busy", country="MX"),
    )
    assert "number.aol_mx" in ids(step)


def test_prompts_carry_the_spoken_words_not_the_written_ones(pack):
    step = guidance(pack, "ht", "mpp_active")
    first = step.prompts[0]
    assert first.text == pack.spoken("ht")["mpp_active.title"]
    assert "èm pe pe" in first.text and "MPP" in pack.texts("ht")["mpp_active.title"]
