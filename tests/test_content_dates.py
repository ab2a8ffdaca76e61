"""Sections carry the date their facts were checked; staff re-date them with one pure edit."""

from datetime import date
from pathlib import Path

import pytest

from ivr.content import load_pack
from ivr.content.files import FLOW
from ivr.publish.edits import set_checked

ROOT = Path(__file__).resolve().parent.parent


def pack_files() -> dict[str, bytes]:
    root = ROOT / "prompts"
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*.yaml")}


def load(files: dict[str, bytes], tmp_path: Path):
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    return load_pack(tmp_path)


def test_every_situation_carries_its_flyers_date(pack):
    assert pack.section_checked("active MPP case") == "2021-05-10"
    assert pack.section_checked("children") == "2021-04-07"


def test_marking_a_section_checked_today_changes_only_its_date(tmp_path):
    files = pack_files()
    edit = set_checked(files, "mpp_active", date(2026, 12, 1))
    assert edit.what == "checked mpp_active"
    assert edit.summary == "2021-05-10 → 2026-12-01"
    assert [n for n in files if files[n] != edit.files[n]] == [FLOW]
    pack = load(edit.files, tmp_path)
    assert pack.section_checked("mpp_active") == "2026-12-01"
    assert pack.section_checked("mpp_closed") == "2021-05-10"
    assert "1 de diciembre de 2026" in pack.texts("es")["checked.mpp_active"]
    assert "de mil vennsis" in pack.spoken("ht")["checked.mpp_active"]


def test_the_comment_beside_a_date_survives_the_edit():
    edit = set_checked(pack_files(), "active MPP case", "2026-12-01")
    assert b"checked: 2026-12-01      # CA Welcoming Task Force flyer" in edit.files[FLOW]


def test_an_unknown_or_undated_section_is_refused():
    with pytest.raises(KeyError):
        set_checked(pack_files(), "nowhere", date(2026, 1, 1))
    with pytest.raises(KeyError):
        set_checked(pack_files(), "main", date(2026, 1, 1))
    with pytest.raises(ValueError):
        set_checked(pack_files(), "mpp_active", "yesterday")
