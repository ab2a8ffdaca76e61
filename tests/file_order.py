"""The slowest test files start first (pytest plugin loaded by conftest.py).

With ``-n 2 --dist loadfile`` each file runs whole on one worker (the browser tests are stories
told step by step), and pytest-xdist hands the files out in order. By default it orders them
by their number of tests, so a file of one long test (a few hundred emulated calls, a browser
story) came last and one worker finished it alone while the other idled. Here the files are
ordered by how long each took in the last runs (kept in pytest's cache, .pytest_cache/), the
longest first, so the two workers end together. A fresh checkout (CI) has no cache yet: it
uses tests/file_seconds.json, the seconds of one whole run from a fresh clone committed with
the suite (a fresh clone's, because CI's is: files that keep work between runs in the cache,
such as test_audio_names' phonemes, are slow there; only the order matters, so it needs no
refresh unless a file's cost changes a lot); a file in neither counts a second a test.
Within a file nothing moves.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

KEY = "hotline/seconds-per-file"
SEED = Path(__file__).with_name("file_seconds.json")
UNTIMED_SECONDS_PER_TEST = 1.0
_seconds = pytest.StashKey[defaultdict]()  # this run's seconds per file (the controller's)


def _file(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def _cache(config: pytest.Config):
    return getattr(config, "cache", None)  # None with -p no:cacheprovider


def pytest_configure(config: pytest.Config) -> None:
    # xdist's own order (by number of tests) would undo ours; the controller reads this.
    if _cache(config) is not None and hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False
    config.stash[_seconds] = defaultdict(float)


@pytest.hookimpl(trylast=True)  # after pytest's own reordering (fixture scopes)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    cache = _cache(config)
    if cache is None:
        return
    timed: dict[str, float] = {**json.loads(SEED.read_text()), **cache.get(KEY, {})}
    files: dict[str, list[pytest.Item]] = {}
    for item in items:
        files.setdefault(_file(item.nodeid), []).append(item)

    def weight(name: str) -> float:
        return timed.get(name, UNTIMED_SECONDS_PER_TEST * len(files[name]))

    order = sorted(files, key=weight, reverse=True)  # stable: ties keep collection order
    items[:] = [item for name in order for item in files[name]]


def pytest_sessionstart(session: pytest.Session) -> None:
    seconds = session.config.stash[_seconds]

    class Recorder:
        # In the controller (or a run without xdist) every report passes here, the workers'
        # included; a worker records nothing of its own.
        @staticmethod
        def pytest_runtest_logreport(report: pytest.TestReport) -> None:
            seconds[_file(report.nodeid)] += report.duration

    if not hasattr(session.config, "workerinput"):
        session.config.pluginmanager.register(Recorder(), "hotline-file-timer")


def pytest_sessionfinish(session: pytest.Session) -> None:
    cache = _cache(session.config)
    seconds = session.config.stash[_seconds]
    if cache is None or hasattr(session.config, "workerinput") or not seconds:
        return
    timed = dict(cache.get(KEY, {}))
    timed.update({name: round(total, 2) for name, total in seconds.items()})
    cache.set(KEY, timed)
