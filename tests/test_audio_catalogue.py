"""The manifest, the catalogue the webhook asks, and the /audio route Twilio fetches from."""

from __future__ import annotations

import json
import os
import time

import pytest
from test_audio_support import audio_app, small_pack

from ivr.audio.catalogue import AudioCatalogue
from ivr.audio.manifest import (
    ManifestError,
    audio_file_name,
    collect_garbage,
    load_manifest,
    publish,
    text_sha256,
)

TEXT = "Para repetir, marque 9."
TTS = {"kind": "tts", "engine": "espeak", "voice": "es-419@160wpm"}
STAFF = {"kind": "staff", "by": "ana", "original": "repetir.m4a"}


def put(audio_dir, text=TEXT, data=b"RIFF one", source=TTS, keep_staff=True):
    return publish(
        audio_dir, lang="es", prompt_id="main.repeat", text=text, data=data,
        source=source, duration=1.5, keep_staff=keep_staff,
    )


def test_a_published_file_is_named_by_the_hash_of_its_bytes(tmp_path):
    entry = put(tmp_path)

    assert entry.file == audio_file_name("main.repeat", b"RIFF one")
    assert entry.file.startswith("main.repeat.") and len(entry.file.split(".")[-2]) == 12
    assert (tmp_path / "es" / entry.file).read_bytes() == b"RIFF one"


def test_the_manifest_records_text_hash_source_duration_and_time(tmp_path):
    put(tmp_path)

    raw = json.loads((tmp_path / "manifest.json").read_text())
    recorded = raw["languages"]["es"]["main.repeat"]
    assert recorded["text"] == TEXT
    assert recorded["text_sha256"] == text_sha256(TEXT)
    assert recorded["source"] == TTS
    assert recorded["duration"] == 1.5
    assert recorded["created"].endswith("Z")
    assert recorded["language"] == "es" and recorded["prompt_id"] == "main.repeat"


def test_no_temporary_files_are_left_behind(tmp_path):
    put(tmp_path)

    leftovers = [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_engine_output_never_replaces_a_staff_recording(tmp_path):
    put(tmp_path, data=b"RIFF staff", source=STAFF, keep_staff=False)

    assert put(tmp_path, data=b"RIFF engine") is None
    assert load_manifest(tmp_path).get("es", "main.repeat").source == STAFF


def test_a_corrupt_manifest_is_reported_not_silently_emptied(tmp_path):
    (tmp_path / "manifest.json").write_text("{not json")

    with pytest.raises(ManifestError, match="manifest.json is not a valid audio manifest"):
        load_manifest(tmp_path)


def test_audio_is_played_only_while_its_text_is_current(tmp_path):
    entry = put(tmp_path)
    catalogue = AudioCatalogue(tmp_path)

    assert catalogue.url_for("es", "main.repeat", TEXT) == f"/audio/es/{entry.file}"
    assert catalogue.url_for("es", "main.repeat", "Para repetir, marque 8.") is None
    assert catalogue.url_for("en", "main.repeat", TEXT) is None


def test_audio_whose_file_is_gone_is_not_played(tmp_path):
    entry = put(tmp_path)
    (tmp_path / "es" / entry.file).unlink()

    assert AudioCatalogue(tmp_path).url_for("es", "main.repeat", TEXT) is None


def test_files_are_looked_for_once_per_manifest_not_on_every_webhook(tmp_path, monkeypatch):
    entry = put(tmp_path)
    catalogue = AudioCatalogue(tmp_path)
    assert catalogue.url_for("es", "main.repeat", TEXT) == f"/audio/es/{entry.file}"
    looks = []
    real_find = catalogue._find
    monkeypatch.setattr(catalogue, "_find", lambda *a: looks.append(a) or real_find(*a))

    for _ in range(3):
        assert catalogue.url_for("es", "main.repeat", TEXT) == f"/audio/es/{entry.file}"
    assert looks == []

    (tmp_path / "es" / entry.file).unlink()  # by hand, while its manifest is live
    publish(tmp_path, lang="en", prompt_id="main.repeat", text="To repeat, press 9.",
            data=b"RIFF two", source=TTS, duration=1.0)  # a new manifest: a new look
    assert catalogue.url_for("es", "main.repeat", TEXT) is None
    assert catalogue.url_for("en", "main.repeat", "To repeat, press 9.") is not None


def test_a_catalogue_sees_audio_another_process_published(tmp_path):
    catalogue = AudioCatalogue(tmp_path)
    assert catalogue.url_for("es", "main.repeat", TEXT) is None

    entry = put(tmp_path)  # as a build in another process would

    assert catalogue.url_for("es", "main.repeat", TEXT) == f"/audio/es/{entry.file}"
    assert catalogue.reload_if_changed() is False  # nothing new since: one stat, no read


def test_status_counts_current_stale_missing_and_staff_per_language(tmp_path):
    pack = small_pack()
    put(tmp_path, text=pack.texts("es")["main.repeat"], source=STAFF, keep_staff=False)
    publish(tmp_path, lang="es", prompt_id="number.help", text="an older text", data=b"RIFF 2",
            source=TTS, duration=1.0)

    status = AudioCatalogue(tmp_path).status(pack)

    assert (status["es"].prompts, status["es"].current, status["es"].staff_recorded) == (2, 1, 1)
    assert status["es"].stale == ["number.help"]
    assert status["en"].missing == ["main.repeat", "number.help"]
    assert not status["es"].complete


def test_garbage_collection_keeps_referenced_and_recently_replaced_files(tmp_path):
    old = put(tmp_path, data=b"RIFF old")
    new = put(tmp_path, data=b"RIFF new")
    stray = tmp_path / "es" / "main.gone.0123456789ab.wav"
    stray.write_bytes(b"RIFF")
    os.utime(stray, (time.time() - 7200, time.time() - 7200))

    removed = collect_garbage(tmp_path, older_than_seconds=3600)

    assert removed == [stray]
    assert (tmp_path / "es" / old.file).exists()  # replaced a moment ago: a call may want it
    assert (tmp_path / "es" / new.file).exists()


@pytest.fixture
def client(tmp_path):
    return audio_app(tmp_path, small_pack()).test_client()


def test_audio_is_served_cacheable_forever_with_an_etag(tmp_path, client):
    entry = put(tmp_path)

    with client.get(f"/audio/es/{entry.file}") as response:
        body = response.data

    assert response.status_code == 200
    assert body == b"RIFF one"
    assert response.mimetype == "audio/wav"
    assert response.headers["ETag"] == f'"{entry.file.split(".")[-2]}"'
    cache = response.headers["Cache-Control"].replace(" ", "").split(",")
    assert sorted(cache) == ["immutable", "max-age=31536000", "public"]


def test_head_answers_without_a_body(tmp_path, client):
    entry = put(tmp_path)

    with client.head(f"/audio/es/{entry.file}") as response:
        body = response.data

    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(len(b"RIFF one"))
    assert body == b""


def test_a_cached_copy_is_revalidated_with_304(tmp_path, client):
    entry = put(tmp_path)
    with client.get(f"/audio/es/{entry.file}") as first:
        etag = first.headers["ETag"]

    with client.get(f"/audio/es/{entry.file}", headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304


@pytest.mark.parametrize(
    "url",
    [
        "/audio/es/main.repeat.0123456789ab.wav",  # well-formed, no such file
        "/audio/es/manifest.json",
        "/audio/es/..%2Fmanifest.json",
        "/audio/../manifest.json",
        "/audio/es/main.repeat.wav",
        "/audio/ES!/main.repeat.0123456789ab.wav",
    ],
)
def test_unknown_names_and_path_tricks_get_404(tmp_path, client, url):
    put(tmp_path)

    assert client.get(url).status_code == 404
