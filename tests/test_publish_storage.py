"""LocalStorage: immutable objects, an atomically replaced pointer, an append-only log."""

from __future__ import annotations

import threading

import pytest

from ivr.publish.storage import LocalStorage


def test_an_object_once_written_is_never_overwritten(tmp_path):
    storage = LocalStorage(tmp_path)

    assert storage.create("audio/es/a.wav", b"first") is True
    assert storage.create("audio/es/a.wav", b"second") is False

    assert storage.read("audio/es/a.wav") == b"first"
    assert storage.local_path("audio/es/a.wav") == tmp_path / "audio" / "es" / "a.wav"
    assert [p.name for p in (tmp_path / "audio" / "es").iterdir()] == ["a.wav"]  # no temp left


def test_the_pointer_is_replaced_whole_and_its_stamp_changes(tmp_path):
    storage = LocalStorage(tmp_path)
    assert storage.stamp("LIVE") is None
    storage.replace("LIVE", b"1\n")
    first = storage.stamp("LIVE")

    storage.replace("LIVE", b"2\n")

    assert storage.read("LIVE") == b"2\n" and storage.stamp("LIVE") != first


def test_appends_from_many_threads_keep_every_line_whole(tmp_path):
    storage = LocalStorage(tmp_path)
    lines = [f'{{"n": {i}, "pad": "{"x" * 500}"}}\n'.encode() for i in range(200)]
    threads = [threading.Thread(target=storage.append, args=("audit.jsonl", li)) for li in lines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(storage.read("audit.jsonl").splitlines(keepends=True)) == sorted(lines)


def test_keys_are_listed_sorted_and_paths_cannot_escape(tmp_path):
    storage = LocalStorage(tmp_path / "store")
    storage.create("versions/000002/version.json", b"{}")
    storage.create("versions/000001/version.json", b"{}")

    assert storage.keys("versions") == [
        "versions/000001/version.json",
        "versions/000002/version.json",
    ]
    assert storage.keys("nothing") == []
    for bad in ("../outside", "/etc/passwd", "a//b", "a/./b"):
        with pytest.raises(ValueError, match="not a storage key"):
            storage.read(bad)
    with pytest.raises(FileNotFoundError):
        storage.read("versions/000003/version.json")
