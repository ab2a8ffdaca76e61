"""One schema: ``ivr/db/schema.py`` declares the tables and the Alembic migrations are their
history; after the real upgrade (``flask --app ivr db upgrade``, in its own process, on an empty
embedded SQLite file and on an empty PostgreSQL database) Alembic's autogenerate comparison
finds no difference from ``ivr.db.schema.metadata``: tables, columns, types, nullability,
server defaults, indexes, keys. Nothing here names a table, so a new migration is checked the
same way."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ivr.db import EMBEDDED_NAME, revisions, schema
from ivr.db.migrate import MIGRATIONS, head_revision

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path) -> Iterator[tuple[str, Path]]:
    """(DATABASE_URL, DATA_DIR) of a database with no tables at all."""
    data = tmp_path / "data"
    if request.param == "sqlite":
        yield "", data
        return
    server = request.getfixturevalue("postgres_server")
    name = server.new_database(empty=True)
    try:
        yield server.url(name), data
    finally:
        server.drop(name)


def release_upgrade(url: str, data: Path) -> subprocess.CompletedProcess:
    """The Procfile's release phase, as Heroku runs it."""
    env = {
        **os.environ,
        "HOTLINE_ENV": "development",
        "DATABASE_URL": url,
        "DATA_DIR": str(data),
        "PATH": f"{BIN}:{os.environ['PATH']}",
    }
    return subprocess.run(
        [str(BIN / "flask"), "--app", "ivr", "db", "upgrade"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def differences(engine: sa.Engine, metadata: sa.MetaData) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        return compare_metadata(context, metadata)


def engine_for(url: str, data: Path) -> sa.Engine:
    data.mkdir(parents=True, exist_ok=True)
    return sa.create_engine(url or f"sqlite:///{data / EMBEDDED_NAME}")


def drifted(metadata: sa.MetaData) -> sa.MetaData:
    """A copy of the schema with one change of each kind the comparison must notice."""
    copy = sa.MetaData()
    for table in metadata.sorted_tables:
        table.to_metadata(copy)
    first = copy.sorted_tables[0]
    text = next(c for c in first.columns if isinstance(c.type, sa.String) and c.type.length)
    text.type = sa.String(text.type.length + 1)
    with_default = next(
        c for t in copy.sorted_tables for c in t.columns if c.server_default is not None
    )
    with_default.server_default = sa.DefaultClause("7")
    optional = next(c for t in copy.sorted_tables for c in t.columns if c.nullable)
    optional.nullable = False
    sa.Index(f"{first.name}_drift", text)
    return copy


def test_the_release_upgrade_makes_exactly_the_declared_schema(empty_database):
    url, data = empty_database

    release = release_upgrade(url, data)

    assert release.returncode == 0, release.stderr
    if url:  # PostgreSQL: the release phase made every table
        assert f"upgraded: empty -> {head_revision()}" in release.stdout
    else:  # the embedded file: the app made it when it started, the command found it done
        assert f"already at {head_revision()}" in release.stdout
    engine = engine_for(url, data)
    try:
        with engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == head_revision()
            assert revisions.current_revision(conn) == head_revision()  # read without Alembic
        assert differences(engine, schema.metadata) == []
        # ... and the same comparison does see a difference when there is one:
        kinds = {
            diff[0][0] if isinstance(diff, list) else diff[0]
            for diff in differences(engine, drifted(schema.metadata))
        }
    finally:
        engine.dispose()
    assert {"modify_type", "modify_default", "modify_nullable", "add_index"} <= kinds


def test_migrations_are_history_and_never_read_todays_schema():
    # A migration that imported ivr.db.schema would change whenever the schema does, so a
    # database migrated last year and one migrated today would differ.
    scripts = sorted((MIGRATIONS / "versions").glob("*.py"))
    assert scripts
    for script in scripts:
        tree = ast.parse(script.read_text(encoding="utf-8"))
        names = {
            node.module or "" if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        assert not [n for n in names if n == "ivr" or n.startswith("ivr.")], script.name


def test_the_revision_read_without_alembic_is_alembics(empty_database, tmp_path):
    url, data = empty_database
    engine = engine_for(url, data)
    try:
        with engine.connect() as conn:
            assert revisions.current_revision(conn) is None  # nothing there yet
            assert MigrationContext.configure(conn).get_current_revision() is None
    finally:
        engine.dispose()
    assert revisions.head_revision() == head_revision()
    # A longer history (the next migration revises this one): the head is its last script.
    folder = tmp_path / "versions"
    folder.mkdir()
    for name, revision, down in (("a", "0001", None), ("b", "0003", "0002"), ("c", "0002", "0001")):
        (folder / f"{name}.py").write_text(
            f'"""A migration."""\nrevision = {revision!r}\ndown_revision = {down!r}\n'
        )
    assert revisions.head_revision(folder) == "0003"


def test_a_web_worker_checks_its_schema_without_loading_alembic(tmp_path):
    # Alembic and Mako are ~10 MB a worker would carry for ever after one look at the schema.
    env = {
        **os.environ,
        "HOTLINE_ENV": "development",
        "DATABASE_URL": "",
        "DATA_DIR": str(tmp_path / "data"),
    }
    check = "import sys, ivr.wsgi; print(sorted({m.split('.')[0] for m in sys.modules}))"

    def worker() -> str:
        started = subprocess.run(
            [sys.executable, "-c", check],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return started.stdout

    first, second = worker(), worker()
    assert "'alembic'" in first  # the empty embedded file was upgraded: Alembic did that
    assert "'alembic'" not in second and "'mako'" not in second
