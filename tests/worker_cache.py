"""Costly, deterministic work done once per test worker (pytest plugin loaded by conftest.py):
each distinct speech, each distinct content pack, and each staff password's hash.

Most of the suite's time went into computer audio: every publish of a changed number or
text runs espeak-ng and the telephony pipeline (ffmpeg twice, a loudness measure in Python)
for each prompt it touches, and dozens of tests publish the very same words. Both steps are
deterministic -- the same text and voice give the same espeak-ng bytes, and the pipeline's
output bytes are a function of its input (its own test checks that) -- so for the whole
run the workers keep what they returned (in memory, and in a folder of this run's temporary
folder that both workers read), keyed by exactly what they were given:

- ``EspeakEngine.synthesize``: by binary, rate, voice settings and text (when the binary is
  installed; errors are never kept, so a missing voice still fails every time);
- ``to_telephony`` as the publisher, ``flask audio build`` and the offline audio call it: by
  the input bytes (a SHA-256) and the limits. ``ivr.audio.pipeline.to_telephony`` itself is
  left alone: the pipeline's own tests (determinism included) always run it for real.

The first time a text is spoken in a run it is spoken for real, so every code path still runs
in every run; nothing is kept between runs.

Reading and validating a content pack (YAML, every text expanded and checked) was the other
big cost: every app made reads the pack, every publish reads the would-be pack, and nearly all
of them are the repository's prompts/ or one edit away from it. A pack is immutable and a
function of its files alone, so the modules that load packs (the content store, the live
version, the publisher, the simulator) get the pack already made from the same bytes of every
*.yaml under the folder; ``ivr.content.load_pack`` itself is left alone for the content tests,
and a refused pack is never kept (its problems are found again every time).

An edit of the pack rewrites one YAML file through ruamel.yaml's round trip (comments and
quoting kept), slow for the long text files, and the tests make the same few edits to the same
files again and again. ``yamledit.set_values`` is a function of its arguments alone (the file's
bytes, where, what), so its answer is kept by them (a copy is handed out each time; an edit
that fails is never kept).

Every app the tests make compiles the console's Jinja templates anew; they share one
bytecode cache here (Jinja checks each template's source checksum, and the key also holds
every setting of the environment that changes the compiled code).

Every app registers the same ~90 URL rules, and werkzeug compiles Python code for each
rule's URL builder (``Rule._compile_builder``: an AST, ``compile``, ``exec``): about half of
making an app. The builder it returns is a function of the rule's text, its parsed parts, its
defaults and whether unknown arguments are appended, and takes the rule itself as an argument
(bound afterwards), so one compiled per distinct rule serves every app of the worker.

Every app on a new embedded SQLite file runs the Alembic migrations 0001 -> head (a fifth of
making an app). The schema they leave is the same every time, so the first empty SQLite
database a worker upgrades is upgraded for real and the statements that recreate what it
holds (sqlite_master's CREATE statements, in order, and the rows the migrations inserted) are
kept and replayed into every later empty one. ``tests/test_db_schema.py`` runs the real
migrations (in their own processes) and compares them with the declared schema; an upgrade
of a database that is not empty, or to another revision, or on PostgreSQL, is always real.

Nearly every console test makes an account (``staff add``): a scrypt hash, ~0.1 s of a core on
purpose, and nearly every one logs in: another. The hash of a password is made once per
worker and reused for every account given that password (a real scrypt hash all the same, only
with the same salt), and a check that found the RIGHT password for a hash is not hashed again
(the login throttle still counts it and takes its lock as before). A wrong password is always
really checked: the throttle's tests count and time those.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import os
import pickle
import pkgutil
import shutil
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import flask
import jinja2
import jinja2.bccache
import pytest
import werkzeug.routing.rules

import ivr
import ivr.content
from ivr.audio import engines, pipeline
from ivr.console import accounts, sessions, throttle
from ivr.publish import yamledit

# The modules whose own name for to_telephony / load_pack is replaced: every module of ivr/
# that imported it, found when the run starts (a list written by hand went stale when the
# publisher was split into rooms, and the suite silently made all its audio again), except the
# modules that define them: their own tests run the real thing.
DEFINERS = {"to_telephony": "ivr.audio.pipeline", "load_pack": "ivr.content"}

_lock = threading.Lock()
stats: Counter[str] = Counter()  # what was made and what was reused (to look at by hand)


class _Speech:
    """Speech made this run, by exactly what it was made from: in memory, and in a folder the
    run's workers share (each is written whole, then renamed into place), so the second worker
    does not make again what the first one made."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.kept: dict[tuple, Any] = {}

    def _path(self, key: tuple) -> Path:
        return self.folder / hashlib.sha256(repr(key).encode()).hexdigest()

    def get(self, key: tuple, kind: str) -> Any:
        with _lock:
            if key in self.kept:
                stats[f"{kind}_hits"] += 1
                return self.kept[key]
        try:
            value = pickle.loads(self._path(key).read_bytes())
        except FileNotFoundError:
            return None
        with _lock:
            self.kept[key] = value
            stats[f"{kind}_from_the_other_worker"] += 1
        return value

    def put(self, key: tuple, kind: str, value: Any) -> None:
        path = self._path(key)
        partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}")
        partial.write_bytes(pickle.dumps(value))
        os.replace(partial, path)
        with _lock:
            self.kept[key] = value
            stats[f"{kind}_made"] += 1


def _cached_synthesize(real: Callable, speech: _Speech) -> Callable:
    def synthesize(self: Any, text: str, voice_settings: Any) -> bytes:
        if shutil.which(self.binary) is None:
            return real(self, text, voice_settings)  # says it is not installed
        key = ("espeak", self.binary, self.rate_wpm, text, tuple(sorted(voice_settings.items())))
        audio = speech.get(key, "speech")
        if audio is None:
            audio = real(self, text, voice_settings)
            speech.put(key, "speech", audio)
        return audio

    return synthesize


def _cached_to_telephony(real: Callable, speech: _Speech) -> Callable:
    def to_telephony(source: Any, **limits: Any) -> pipeline.TelephonyAudio:
        if not isinstance(source, bytes):
            return real(source, **limits)  # a path: its bytes may change under the same name
        key = ("telephony", hashlib.sha256(source).hexdigest(), tuple(sorted(limits.items())))
        audio = speech.get(key, "audio")
        if audio is None:
            audio = real(source, **limits)
            speech.put(key, "audio", audio)
        return audio

    return to_telephony


def _cached_load_pack(real: Callable) -> Callable:
    kept: dict[bytes, ivr.content.ContentPack] = {}

    def load_pack(root: Path | str) -> ivr.content.ContentPack:
        digest = hashlib.sha256()
        try:
            for path in sorted(Path(root).rglob("*.yaml")):
                digest.update(path.relative_to(root).as_posix().encode() + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError:
            return real(root)  # unreadable: the real loader says what is wrong
        key = digest.digest()
        with _lock:
            if key in kept:
                stats["pack_hits"] += 1
                return kept[key]
        pack = real(root)  # a refused pack raises: never kept
        with _lock:
            kept[key] = pack
            stats["packs_made"] += 1
        return pack

    return load_pack


# Programs, not modules: importing them serves or runs.
PROGRAMS = {"ivr.__main__", "ivr.wsgi"}


def _ivr_modules() -> list[Any]:
    names = [info.name for info in pkgutil.walk_packages(ivr.__path__, "ivr.")]
    names = [name for name in names if name not in PROGRAMS]
    return [importlib.import_module(name) for name in sorted(names)]


def _replace_in_every_module(patch: pytest.MonkeyPatch, name: str, real: Any, new: Any) -> None:
    replaced = []
    for module in _ivr_modules():
        if module.__name__ != DEFINERS[name] and getattr(module, name, None) is real:
            patch.setattr(module, name, new)
            replaced.append(module.__name__)
    stats[f"{name}_replaced_in"] = len(replaced)
    assert replaced, f"no module of ivr/ imports {name}: worker_cache.py needs a look"


def _cached_set_values(real: Callable) -> Callable:
    kept: dict[tuple, Any] = {}

    def set_values(data: bytes, *args: Any, **kwargs: Any) -> Any:
        key = (hashlib.sha256(data).digest(), repr(args), repr(sorted(kwargs.items())))
        with _lock:
            if key in kept:
                stats["edit_hits"] += 1
                return copy.deepcopy(kept[key])
        result = real(data, *args, **kwargs)
        with _lock:
            kept[key] = copy.deepcopy(result)
            stats["edits_made"] += 1
        return result

    return set_values


class _SharedBytecode(jinja2.BytecodeCache):
    """Compiled templates kept in memory for every app of the worker."""

    def __init__(self) -> None:
        self.kept: dict[tuple, bytes] = {}

    @staticmethod
    def _key(bucket: jinja2.bccache.Bucket) -> tuple:
        env = bucket.environment
        autoescape = getattr(env.autoescape, "__func__", env.autoescape)
        settings = tuple(
            getattr(env, name)
            for name in (
                "block_start_string", "block_end_string", "variable_start_string",
                "variable_end_string", "comment_start_string", "comment_end_string",
                "line_statement_prefix", "line_comment_prefix", "trim_blocks",
                "lstrip_blocks", "newline_sequence", "keep_trailing_newline", "optimized",
                "finalize", "is_async",
            )
        )  # fmt: skip
        return (bucket.key, tuple(sorted(env.extensions)), autoescape, settings)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with _lock:
            data = self.kept.get(self._key(bucket))
        if data is not None:
            bucket.bytecode_from_string(data)  # reset by Jinja if the source changed
            stats["templates_reused"] += 1

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with _lock:
            self.kept[self._key(bucket)] = bucket.bytecode_to_string()
            stats["templates_compiled"] += 1


@pytest.fixture(scope="session", autouse=True)
def _templates_compiled_once() -> Iterator[None]:
    shared = _SharedBytecode()
    real = flask.Flask.create_jinja_environment

    def create_jinja_environment(self: flask.Flask) -> jinja2.Environment:
        env = real(self)
        if env.bytecode_cache is None:
            env.bytecode_cache = shared
        return env

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(flask.Flask, "create_jinja_environment", create_jinja_environment)
        yield


@pytest.fixture(scope="session", autouse=True)
def _url_builders_compiled_once() -> Iterator[None]:
    real = werkzeug.routing.rules.Rule._compile_builder
    kept: dict[tuple, Callable] = {}

    def _compile_builder(self: Any, append_unknown: bool = True) -> Callable:
        defaults = self.defaults or {}
        # A default for a part of the URL is folded in as a constant: its text is the key.
        folded = tuple(
            sorted(
                (name, self._converters[name].to_url(value) if name in self._converters else "")
                for name, value in defaults.items()
            )
        )
        key = (self.rule, tuple(self._trace), append_unknown, folded)
        with _lock:
            builder = kept.get(key)
        if builder is None:
            builder = real(self, append_unknown)
            with _lock:
                kept[key] = builder
                stats["url_builders_compiled"] += 1
        return builder

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(werkzeug.routing.rules.Rule, "_compile_builder", _compile_builder)
        yield


@pytest.fixture(scope="session", autouse=True)
def _embedded_schema_made_once() -> Iterator[None]:
    from ivr.db import migrate

    real = migrate.upgrade
    kept: dict[str, Any] = {}

    def upgrade(conn: Any, target: str = "head") -> None:
        if (
            target != "head"
            or conn.dialect.name != "sqlite"
            or conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
        ):
            return real(conn, target)
        if not kept:
            real(conn, target)
            kept["statements"] = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL"
                " AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
            ).scalars().all()
            tables = conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
            ).scalars().all()
            kept["rows"] = {}
            for table in tables:
                result = conn.exec_driver_sql(f'SELECT * FROM "{table}"')
                rows = [tuple(row) for row in result]
                if rows:
                    kept["rows"][table] = (tuple(result.keys()), rows)
            stats["embedded_schemas_migrated"] += 1
            return None
        for statement in kept["statements"]:
            conn.exec_driver_sql(statement)
        for table, (columns, rows) in kept["rows"].items():
            names = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" for _ in columns)
            conn.exec_driver_sql(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
        stats["embedded_schemas_copied"] += 1
        return None

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(migrate, "upgrade", upgrade)
        yield


@pytest.fixture(scope="session", autouse=True)
def _edits_made_once() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(yamledit, "set_values", _cached_set_values(yamledit.set_values))
        yield


@pytest.fixture(scope="session", autouse=True)
def _packs_made_once() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        real = ivr.content.load_pack
        _replace_in_every_module(patch, "load_pack", real, _cached_load_pack(real))
        yield


@pytest.fixture(scope="session", autouse=True)
def _speech_made_once(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    # The workers' temporary folders are popen-gw0, popen-gw1... in this run's own folder.
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = shared / "speech-made-once"
    folder.mkdir(exist_ok=True)
    speech = _Speech(folder)
    with pytest.MonkeyPatch.context() as patch:
        real = engines.EspeakEngine.synthesize
        patch.setattr(engines.EspeakEngine, "synthesize", _cached_synthesize(real, speech))
        real = pipeline.to_telephony
        _replace_in_every_module(patch, "to_telephony", real, _cached_to_telephony(real, speech))
        yield


@pytest.fixture(scope="session", autouse=True)
def _password_hashes_made_once() -> Iterator[None]:
    real = accounts.generate_password_hash
    kept: dict[tuple, str] = {}

    def generate_password_hash(password: str, method: str = "scrypt", **options: Any) -> str:
        key = (password, method, tuple(sorted(options.items())))
        with _lock:
            if key not in kept:
                kept[key] = real(password, method=method, **options)
                stats["hashes"] += 1
            return kept[key]

    real_check = throttle._check_password_hash
    right: set[tuple[str, str]] = set()

    def check_password_hash(password_hash: str, password: str) -> bool:
        with _lock:
            if (password_hash, password) in right:
                stats["right_passwords_reused"] += 1
                return True
        ok = real_check(password_hash, password)
        if ok:
            with _lock:
                right.add((password_hash, password))
        return ok

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "generate_password_hash", generate_password_hash)
        # sessions.py makes the hash an unknown name is checked against (its _dummy_hash).
        patch.setattr(sessions, "generate_password_hash", generate_password_hash)
        patch.setattr(throttle, "_check_password_hash", check_password_hash)
        yield
