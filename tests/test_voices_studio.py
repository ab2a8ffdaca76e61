"""The recording session: order, takes, resuming, publishing in one version, coverage, and a
number change that keeps a human-voiced prompt human."""

from __future__ import annotations

import pytest
from voices_support import silence, speak

from ivr import create_app
from ivr.audio import splice
from ivr.audio.takes import TakeRefused
from ivr.publish.recording_session import NUMBERS_CODE
from ivr.publish.studio import Studio


@pytest.fixture
def app(tmp_path):
    app = create_app({"ENV": {"HOTLINE_ENV": "development", "DATA_DIR": str(tmp_path / "d")}})
    for name in ("ana", "luis"):
        app.extensions["staff"].add(name, "correct horse battery")
    with app.app_context():
        yield app


@pytest.fixture
def studio(app):
    return app.extensions["studio"]


def record(studio, lang: str, key: str, speaker: str = "ana") -> None:
    item = studio.session(lang).item(key)
    take = studio.add_take(lang, key, speak(item.clip.spoken, lang), author=speaker, via="browser")
    studio.keep(take.id, author=speaker)


def record_prompt(studio, lang: str, pid: str, speaker: str = "ana", digits: bool = True):
    pack = studio.pack()
    keys = [c.key for c in splice.clips_of(splice.score(pack, lang, pid))]
    if digits:
        keys += [c.key for c in splice.number_clips(pack, lang) if c.kind != "joiner"]
    for key in keys:
        record(studio, lang, key, speaker)


def test_the_session_comes_in_the_order_callers_hear(studio):
    session = studio.session("es")
    prompts = [item.prompt_id for item in session.items]
    assert prompts[0] == "language.option"
    assert prompts[1] == "main.mpp_active"  # the main menu at once, after the language
    main = [p for p in prompts[:12] if p.startswith("main.")]
    assert main == [
        "main.mpp_active",
        "main.mpp_closed",
        "main.waitlist",
        "main.children",
        "main.none",
    ]
    # The number clips come right before the first prompt that says a number.
    first_number = next(i for i, item in enumerate(session.items) if item.numbers)
    assert session.items[first_number].prompt_id == "mpp_active.1"
    assert [i.clip.spoken for i in session.items[first_number : first_number + 10]] == list(
        "0123456789"
    )
    assert all(i.code == NUMBERS_CODE for i in session.items if i.numbers)
    # Each situation up to its number comes before the rest.
    order = session.prompts
    for first in ("mpp_active.1", "mpp_closed.1", "waitlist.1", "children.1", "no_mpp.1"):
        assert order.index(first) < order.index("tijuana.1")
    # The safety notice, said in every situation after its contact, is the first of the rest.
    rest = order.index("safety.notice")
    assert rest > order.index("no_mpp.1") and order[rest + 1 :].count("mpp_active.2") == 1
    assert len({i.clip.key for i in session.items}) == len(session.items)


def test_codes_are_the_same_in_every_language(studio):
    es, ht = studio.session("es"), studio.session("ht")
    assert es.codes == ht.codes
    assert es.codes[1] == "language.option"
    item = studio.item_for_code("ht", 2)
    assert item.prompt_id == "main.mpp_active" and item.clip.lang == "ht"
    assert studio.item_for_code("es", NUMBERS_CODE).clip.spoken == "0"
    assert studio.item_for_code("es", 9999) is None


def test_pronunciation_notes_come_with_the_clip(studio):
    pack = studio.pack()
    pairs = dict(pack.language("en").pronounce)
    item = next(i for i in studio.session("en").items if "conecta.acnur.org" in i.clip.written)
    assert ("conecta.acnur.org", pairs["conecta.acnur.org"]) in item.notes


def test_keep_again_skip_and_resume_on_another_device(app, studio, monkeypatch):
    first = studio.next_item("es", "ana")
    assert first.prompt_id == "language.option"
    take = studio.add_take(
        "es", first.clip.key, speak(first.clip.spoken), author="ana", via="browser"
    )
    assert take.status == "pending" and studio.next_item("es", "ana") == first
    assert studio.drop(take.id, author="ana")  # "again": the take goes, the clip stays
    record(studio, "es", first.clip.key)
    second = studio.next_item("es", "ana")
    assert second.prompt_id == "main.mpp_active"
    studio.skip("es", "ana", second.clip.key)
    third = studio.next_item("es", "ana")
    assert third.prompt_id == "main.mpp_closed"
    # Another device (another Studio on the same database) resumes at the same place.
    again = Studio(app.extensions["db"], app.extensions["publisher"])
    assert again.next_item("es", "ana") == third
    assert again.next_item("es", "luis") == second  # luis skipped nothing
    assert again.skipped("es", "ana") == [second.clip.key]
    # Skipped clips come back once everything else has a take.
    every = {item.clip.key for item in again.session("es").items}
    monkeypatch.setattr(again, "kept_clips", lambda lang: every - {second.clip.key})
    assert again.next_item("es", "ana") == second
    monkeypatch.setattr(again, "kept_clips", lambda lang: every)
    assert again.next_item("es", "ana") is None  # done


def test_a_refused_take_is_not_kept(studio):
    item = studio.next_item("es", "ana")
    with pytest.raises(TakeRefused) as refused:
        studio.add_take("es", item.clip.key, silence(), author="ana", via="browser")
    assert refused.value.code == "silent"
    assert studio.takes("es") == []
    assert studio.next_item("es", "ana") == item


def test_only_the_speaker_keeps_their_pending_take(studio):
    item = studio.next_item("es", "ana")
    take = studio.add_take("es", item.clip.key, speak(item.clip.spoken), author="ana", via="phone")
    with pytest.raises(KeyError):
        studio.keep(take.id, author="luis")
    assert not studio.drop(take.id, author="luis")
    assert studio.keep(take.id, author="ana").status == "draft"


def test_publishing_takes_is_one_version_logged_and_undoable(app, studio):
    publisher = app.extensions["publisher"]
    for pid in ("language.option", "safety.notice"):
        record_prompt(studio, "es", pid, digits=False)
    assert studio.coverage("es").share == 0.0
    progress = studio.progress("es", "ana")
    assert progress.my_drafts == 2 and progress.after_publishing.share > 0
    version = studio.publish("es", author="ana")
    assert version is not None
    entries = publisher.store.snapshot().manifest
    for pid in ("language.option", "safety.notice"):
        entry = entries.get("es", pid)
        assert entry.staff_recorded and entry.source["spliced"] == "1"
        assert entry.speaks(studio.pack().spoken("es")[pid])
    log = publisher.audit_log()[0]
    assert (log.who, log.action, log.version) == ("ana", "publish_takes", version.id)
    share = studio.coverage("es").share
    # The projection counted the computer audio's lengths; the takes are a little longer.
    assert share == pytest.approx(progress.after_publishing.share, rel=0.2)
    assert 0.05 < share < 1
    assert {t.status for t in studio.takes("es")} == {"published"}
    assert studio.publish("es", author="ana") is None  # nothing new
    publisher.undo_version(version.id, author="luis")
    assert studio.coverage("es").share == 0.0


def test_a_number_change_keeps_a_human_voiced_prompt_human(app, studio):
    publisher = app.extensions["publisher"]
    pack = studio.pack()
    record_prompt(studio, "es", "children.numbers")
    studio.publish("es", author="ana")
    before = publisher.store.snapshot().manifest.get("es", "children.numbers")
    assert before.staff_recorded and float(before.source["computer_seconds"]) == 0
    assert studio.coverage("es").by_prompt["children.numbers"][2] == 1.0
    assert "9, 4, 3, 1" in pack.spoken("es")["children.numbers"]
    publisher.set_number("kind", e164="+12029189432", author="luis")
    pack = studio.pack()
    spoken = pack.spoken("es")["children.numbers"]
    assert "9, 4, 3, 2" in spoken
    after = publisher.store.snapshot().manifest.get("es", "children.numbers")
    assert after.staff_recorded and after.speaks(spoken)  # the new number, same voice
    # The same word takes; the digits of the new number from the same speaker's clips.
    published = {t.id: t for t in studio.takes("es", status="published")}
    # (the clip before the number: "KIND:" as the Spanish voice says it)
    words_before = [t for t in before.source["takes"].split() if published[t].words.endswith(":")]
    words_after = [t for t in after.source["takes"].split() if published[t].words.endswith(":")]
    assert words_before == words_after != []
    assert set(after.source["takes"].split()) <= set(published)
    assert "2" in {published[t].words for t in after.source["takes"].split()}
    assert after.file != before.file
    catalogue = app.extensions["audio"]
    assert catalogue.url_for("es", "children.numbers", spoken).endswith(after.file)
    assert studio.coverage("es").by_prompt["children.numbers"][2] == 1.0
    # The number said alone (after a transfer) is human too: it was made of digit clips.
    number = publisher.store.snapshot().manifest.get("es", "number.kind")
    assert number.staff_recorded and number.speaks(pack.spoken("es")["number.kind"])
    # Other languages' computer audio of the prompt was remade as before.
    en = publisher.store.snapshot().manifest.get("en", "children.numbers")
    assert not en.staff_recorded and en.speaks(pack.spoken("en")["children.numbers"])


def test_new_words_leave_a_human_prompt_out_of_date_not_wrong(app, studio):
    publisher = app.extensions["publisher"]
    record_prompt(studio, "es", "children.numbers")
    studio.publish("es", author="ana")
    publisher.set_text("es", "children.numbers", "KIND, para niños: {slow:kind}.", author="luis")
    spoken = studio.pack().spoken("es")["children.numbers"]
    entry = publisher.store.snapshot().manifest.get("es", "children.numbers")
    assert entry.staff_recorded and not entry.speaks(spoken)  # left, never the old words
    assert app.extensions["audio"].url_for("es", "children.numbers", spoken) is None


def test_numbers_are_the_computer_voice_until_the_digit_clips_and_the_coverage_says_so(app, studio):
    record_prompt(studio, "es", "children.numbers", digits=False)
    studio.publish("es", author="ana")
    entry = app.extensions["publisher"].store.snapshot().manifest.get("es", "children.numbers")
    assert float(entry.source["computer_seconds"]) > 0
    coverage = studio.coverage("es")
    assert coverage.computer_numbers == 1
    assert 0 < coverage.by_prompt["children.numbers"][2] < 1
    # Once the digits are recorded and published, the same prompt is wholly human.
    for clip in splice.number_clips(studio.pack(), "es"):
        if clip.kind != "joiner":
            record(studio, "es", clip.key)
    studio.publish("es", author="ana")
    entry = app.extensions["publisher"].store.snapshot().manifest.get("es", "children.numbers")
    assert float(entry.source["computer_seconds"]) == 0
    assert studio.coverage("es").computer_numbers == 0


def test_kreyol_coverage_says_its_computer_voice_is_a_draft(studio):
    assert studio.coverage("ht").draft_voice
    assert not studio.coverage("es").draft_voice
