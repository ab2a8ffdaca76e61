"""Opening hours are directory data: published through the Publisher like a number's other
fields, validated, versioned, in the audit log, and undoable (issue 18)."""

from __future__ import annotations

from datetime import date

import pytest
from test_publish_support import make_line

from ivr.content import ContentError
from ivr.content.hours import Hours
from ivr.content.model import frozen_map
from ivr.publish.versions import VersionStore

WEEK = frozen_map({d: ((9 * 60, 13 * 60), (14 * 60, 17 * 60)) for d in range(5)})
HOURS = Hours(
    "America/Tijuana",
    "Tijuana",
    WEEK,
    closed=frozenset({date(2026, 12, 25)}),
    open=frozen_map({date(2026, 12, 26): ((10 * 60, 14 * 60),)}),
)


@pytest.fixture
def line(tmp_path):
    return make_line(tmp_path)


@pytest.fixture
def publisher(line):
    return line.app().extensions["publisher"]


def directory_text(line, version_id: str) -> str:
    database = line.database()
    try:
        return VersionStore(database).files(version_id)["directory.yaml"].decode("utf-8")
    finally:
        database.close()


def test_hours_are_published_and_the_line_follows_them(line, publisher):
    version = publisher.set_hours("aol_mx", HOURS, author="ana")
    assert version.live
    assert publisher.pack().numbers["aol_mx"].hours == HOURS
    text = directory_text(line, version.id)
    original = (line.prompts / "directory.yaml").read_text(encoding="utf-8")
    comments = [row for row in original.splitlines() if row.lstrip().startswith("#")]
    assert [row for row in text.splitlines() if row.lstrip().startswith("#")] == comments
    assert 'mon: "09:00-13:00, 14:00-17:00"' in text
    assert 'closed: ["2026-12-25"]' in text
    entry = publisher.audit_log(1)[0]
    assert (entry.who, entry.action, entry.what) == ("ana", "set_hours", "hours aol_mx")
    assert "mon 09:00-13:00, 14:00-17:00" in entry.summary
    assert "weekly hours unknown" in entry.summary  # what it was before


def test_hours_the_content_rules_refuse_are_not_published(publisher):
    before = publisher.versions()
    bad = Hours("Mars/Olympus", "Olympus", WEEK)
    with pytest.raises(ContentError) as refused:
        publisher.set_hours("aol_mx", bad, author="ana")
    assert {p.code for p in refused.value.problems} == {"hours_zone_invalid"}
    with pytest.raises(ContentError) as refused:
        publisher.set_hours("aol_wa_mpp_active", HOURS, author="ana")  # WhatsApp only
    assert {p.code for p in refused.value.problems} == {"hours_not_voice"}
    with pytest.raises(KeyError):
        publisher.set_hours("nobody", HOURS, author="ana")
    assert publisher.versions() == before


def test_an_hours_change_is_undone_alone(publisher):
    seeded = publisher.pack().numbers["aol_mx"].hours
    change = publisher.set_hours("aol_mx", HOURS, author="ana")
    publisher.set_number("kind", label="KIND (Washington)", author="rosa")
    publisher.undo_version(change.id, author="luis")
    live = publisher.pack()
    assert live.numbers["aol_mx"].hours == seeded  # zone and place only: unknown hours again
    assert live.numbers["kind"].label == "KIND (Washington)"


def test_unknown_hours_again_and_back_to_an_earlier_version(publisher):
    first = publisher.set_hours("aol_mx", HOURS, author="ana")
    cleared = publisher.set_hours("aol_mx", None, author="ana")
    assert publisher.pack().numbers["aol_mx"].hours is None
    assert [c.target for c in publisher.version_changes(cleared.id)] == ["aol_mx"]
    publisher.restore_version(first.id, author="luis")
    assert publisher.pack().numbers["aol_mx"].hours == HOURS
    again = publisher.set_hours("aol_mx", HOURS, author="ana")
    assert again.id == publisher.live_version().id  # unchanged: no new version
