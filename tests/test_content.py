"""The content pack: every flyer fact is in it, and broken edits are refused by name."""

import shutil
from pathlib import Path

import pytest

from ivr.content import ContentError, load_pack

ROOT = Path(__file__).resolve().parent.parent
FLYER_NUMBERS = [
    "+16195602243", "+526641946209", "+526648163846", "+526647320303", "+526648149696",
    "+525525352950", "+15755270500", "+18586373365", "+12029189431", "+526313162086",
    "+15202872370", "+526642088994", "+16197864866", "+13232389935", "+526632054660",
    "+526632054659", "+18583332857", "+12136340999", "+19562914169", "+19564259231",
    "+528114653235", "+19563993826", "+12149695050", "+528124162731", "+526863458890",
    "+526863394323", "+526863831855",
]


def test_every_number_in_both_flyers_is_in_the_directory(pack):
    assert sorted(n.e164 for n in pack.numbers.values()) == sorted(FLYER_NUMBERS)


def test_every_number_names_its_flyer(pack):
    assert {n.source for n in pack.numbers.values()} == {"cawtf", "asap"}
    assert pack.sources["cawtf"].updated == "2021-05-10"
    assert pack.sources["asap"].updated == "2021-04-07"


def test_whatsapp_only_lines_are_never_dialled(pack):
    for node in pack.flow.nodes.values():
        if node.number:
            assert pack.numbers[node.number].voice, node.id


def test_every_prompt_exists_in_every_language(pack):
    for lang in pack.languages:
        assert set(pack.texts(lang.code)) == set(pack.prompt_ids())


@pytest.fixture
def copy(tmp_path):
    dst = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", dst)
    return dst


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def refused(root: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_pack(root)
    return [str(p) for p in info.value.problems]


def test_an_option_to_an_unknown_node_is_refused(copy):
    edit(copy / "flow.yaml", "goto: waitlist}", "goto: waitlst}")
    assert any("flow.yaml: nodes.main.options[2].goto: unknown node 'waitlst'" in p
               for p in refused(copy))


def test_a_prompt_missing_in_one_language_is_refused(copy):
    edit(copy / "text/ht.yaml", "common.goodbye:", "common.goodby:")
    problems = refused(copy)
    assert any(p.startswith("text/ht.yaml: common.goodbye: prompt is missing") for p in problems)


def test_an_option_its_text_never_announces_is_refused(copy):
    edit(copy / "text/en.yaml", '"Tijuana waitlist: press 3."', '"Tijuana waitlist."')
    assert any("text/en.yaml: main.waitlist" in p and "key 3" in p for p in refused(copy))


def test_a_bad_phone_number_is_refused(copy):
    edit(copy / "directory.yaml", '"+12029189431"', '"+1202918943"')
    assert any("organizations.kind.numbers.kind.e164" in p for p in refused(copy))


def test_a_transfer_to_a_whatsapp_only_number_is_refused(copy):
    edit(copy / "flow.yaml", "number: kind", "number: unhcr_whatsapp")
    assert any("t_kind.number: unhcr_whatsapp" in p and "no voice" in p for p in refused(copy))


def test_an_unreachable_node_is_refused(copy):
    (copy / "flow.yaml").write_text((copy / "flow.yaml").read_text()
                                    + "  orphan:\n    kind: message\n    say: [common.goodbye]\n"
                                    "    next: main\n")
    assert any("nodes.orphan: unreachable" in p for p in refused(copy))


def test_a_dead_end_is_refused(copy):
    edit(copy / "flow.yaml", "    next: news_menu\n", "\n")
    assert any("nodes.news_more: dead end" in p for p in refused(copy))


def test_broken_yaml_names_the_file_and_line(copy):
    (copy / "text/es.yaml").write_text("a: [unclosed\n")
    assert any(p.startswith("text/es.yaml: line") for p in refused(copy))


def test_a_missing_text_file_is_refused_by_name(copy):
    # A worker whose cached copy of a version lost a file must be told which, not crash.
    (copy / "text/ht.yaml").unlink()
    assert "text/ht.yaml: file is missing" in refused(copy)
