"""The text key in the pure engine: offered only with Input.can_text on the menus that announce
it, a wrong key otherwise, and the outcome said before the same menu."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ivr import flow
from ivr.content import NodeKind
from ivr.flow import CallState, Input
from ivr.sms import compose, load_words
from ivr.sms.gsm import MAX_SEGMENTS
from tests.conftest import ROOT

TEXT_KEY = "8"


def ids(step: flow.Step) -> list[str]:
    return [p.id for p in step.prompts]


def test_the_text_key_is_one_global_key_that_no_menu_option_uses(pack):
    assert pack.flow.keys["text"] == TEXT_KEY
    assert list(pack.flow.keys.values()).count(TEXT_KEY) == 1
    assert all(o.key != TEXT_KEY for n in pack.flow.nodes.values() for o in n.options)


def test_every_situation_and_city_page_announces_it_and_no_other_menu_does(pack):
    announcing = {n.id for n in pack.flow.nodes.values() if "text" in n.announce}
    pages = {
        n.id
        for n in pack.flow.nodes.values()
        if n.kind is NodeKind.MENU and n.repeat and n.repeat != "news"
    }
    assert announcing == pages
    assert {pack.flow.nodes[n].repeat for n in announcing} >= set(pack.situations().values())


def test_the_option_comes_after_the_menus_options_only_for_a_caller_who_can_get_texts(pack):
    state = CallState("es", "main")
    offered = flow.next_step(pack, state, Input("1", can_text=True))
    plain = flow.next_step(pack, state, Input("1"))
    assert "keys.text" not in ids(plain)
    said = ids(offered)
    assert said.index("keys.text") == said.index("after.immdef") + 1
    assert ids(plain) == [i for i in said if i != "keys.text"]


def test_the_key_asks_for_that_pages_text_only_where_offered(pack):
    menu = CallState("ht", "waitlist_menu")
    assert flow.text_request(pack, menu, Input(TEXT_KEY, can_text=True)) == "waitlist_menu"
    assert flow.text_request(pack, menu, Input(TEXT_KEY)) is None
    assert flow.text_request(pack, CallState("ht", "main"), Input(TEXT_KEY, can_text=True)) is None
    sent = Input(TEXT_KEY, can_text=True, text_status="sent")
    assert flow.text_request(pack, menu, sent) is None  # already sent: say how it went


@pytest.mark.parametrize(
    ("status", "prompt"),
    [("sent", "text.sent"), ("failed", "text.failed"), ("over_quota", "text.limit")],
)
def test_the_outcome_is_said_then_the_same_menu_waits_again(pack, status, prompt):
    state = CallState("en", "tijuana_menu", tries=1)
    step = flow.next_step(pack, state, Input(TEXT_KEY, can_text=True, text_status=status))
    again = flow.next_step(pack, CallState("en", "tijuana_menu"), Input("", can_text=True))
    assert ids(step)[0] == prompt
    assert step.gather == CallState("en", "tijuana_menu")  # tries start again
    assert ids(step)[1:] == ids(again)[1:]  # the menu, after "no key heard" there


def test_without_texts_the_key_is_a_wrong_key(pack):
    step = flow.next_step(pack, CallState("es", "children_menu"), Input(TEXT_KEY))
    assert ids(step)[0] == pack.flow.prompts["wrong_key"]
    assert step.gather == CallState("es", "children_menu", tries=1)


def test_only_the_sensitive_nodes_answer_differently_to_a_caller_who_can_get_texts(pack):
    sensitive = flow.text_sensitive(pack)
    keys = ["", TEXT_KEY, "1", "2", "3", "9", "*", "0", "#"]
    for node in pack.flow.nodes:
        if node in sensitive:
            continue
        for key in keys:
            for status in (None, "busy"):
                state = CallState("es", node, ret="mpp_active_menu")
                inp = Input(key, dial_status=status)
                texting = replace(inp, can_text=True)
                assert flow.next_step(pack, state, inp) == flow.next_step(pack, state, texting)
    assert {"main", "mpp_active_menu", "regions", "t_aol"} <= sensitive


def test_every_page_that_offers_it_has_a_text_of_at_most_three_segments(pack):
    words = load_words(ROOT / "prompts")
    for node in pack.flow.nodes.values():
        if "text" not in node.announce:
            continue
        for lang in pack.languages:
            message = compose(pack, words, node.id, lang.code)
            assert message.number_ids and message.segments <= MAX_SEGMENTS, (node.id, lang)
