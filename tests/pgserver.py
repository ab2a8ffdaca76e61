"""A throwaway PostgreSQL server for the test suite (pytest plugin loaded by conftest.py).

One server per test session: ``initdb`` into a temporary folder (as the ``postgres`` system
user when the suite runs as root, since PostgreSQL refuses to run as root), the postmaster
started as a child of the test process (``processes.spawn``: it dies with the worker however
the session ends) on a free loopback port with its socket in that folder, stopped and deleted
at the end. Each test gets its own fresh database, copied from a template migrated once.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import signal
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from processes import free_port, run, spawn, stop

TEMPLATE = "hotline_template"


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PostgresServer:
    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.as_root = os.getuid() == 0
        self.user = "postgres" if self.as_root else pwd.getpwuid(os.getuid()).pw_name
        self.root = Path(tempfile.mkdtemp(prefix="hotline-pg-"))
        self.data = self.root / "data"
        self.port = 0
        self.process = None
        self._admin: psycopg.Connection | None = None
        self._version = 0
        self._names = itertools.count(1)
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", self.user, "-E", "UTF8")

    def _run(self, tool: str, *args: str) -> None:
        user = "postgres" if self.as_root else None
        done = run([self.bin / tool, *args], cwd=self.root, user=user, timeout=120)
        if done.returncode:
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr}")

    def start(self) -> None:
        """Start (again, after stop()) on a free port, or the port it had; return once it
        accepts connections."""
        for _ in range(5):
            self.port = self.port or free_port()
            log = (self.root / "log").open("ab")
            self.process = spawn(
                [
                    self.bin / "postgres",
                    *("-D", self.data, "-p", str(self.port), "-k", self.root),
                    *("-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"),
                    *("-c", "synchronous_commit=off", "-c", "full_page_writes=off"),
                    *("-c", "max_connections=300", "-c", "shared_buffers=32MB"),
                ],
                # SIGQUIT: immediate shutdown (what pg_ctl -m immediate sends); the suite's
                # data is throwaway, and a smart shutdown would wait for every client.
                stop_signal=signal.SIGQUIT,
                user="postgres" if self.as_root else None,
                cwd=self.root,
                stdout=log,
                stderr=log,
            )
            log.close()
            deadline = time.monotonic() + 60
            while self.process.poll() is None and time.monotonic() < deadline:
                try:
                    psycopg.connect(self.dsn(), connect_timeout=5).close()
                    return
                except psycopg.OperationalError:
                    time.sleep(0.05)
            stop(self.process)
            self.port = 0  # taken meanwhile by someone else (or too slow): another port
        raise RuntimeError(f"PostgreSQL did not start; see {self.root / 'log'}")

    def stop(self) -> None:
        if self._admin is not None:
            self._admin.close()
        stop(self.process)

    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def admin(self, *statements: str) -> None:
        """Run statements on the server's "postgres" database, over one connection kept for
        the session (a new one per fresh database cost as much as the copy itself)."""
        if self._admin is None or self._admin.closed or self._admin.broken:
            self._admin = psycopg.connect(self.dsn(), autocommit=True, connect_timeout=30)
        for statement in statements:
            self._admin.execute(statement)

    def make_template(self) -> None:
        from ivr.db import Database

        with psycopg.connect(self.dsn()) as conn:
            self._version = int(conn.execute("SHOW server_version_num").fetchone()[0])
        self.admin(f"CREATE DATABASE {TEMPLATE}")
        database = Database(self.url(TEMPLATE))
        database.upgrade()
        database.close()

    def new_database(self, *, empty: bool = False) -> str:
        """A fresh database's URL: migrated to head (copied from the template) or empty."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        # FILE_COPY (PostgreSQL 15+; the older servers' only way): the template's files
        # copied as they are, several times faster for a small template than logging every
        # page (the default since 15); its checkpoints are cheap with fsync off.
        strategy = " STRATEGY FILE_COPY" if self._version >= 150000 else ""
        self.admin(f"CREATE DATABASE {name}" + ("" if empty else f" TEMPLATE {TEMPLATE}{strategy}"))
        return name

    def drop(self, name: str) -> None:
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self) -> None:
        if self.process is not None:
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server():
    """The session's PostgreSQL server; the tests that need it are skipped (loudly) only when
    the PostgreSQL binaries are not installed (scripts/setup installs them)."""
    bin_dir = _binaries()
    if bin_dir is None:
        pytest.skip(
            "!!! PostgreSQL NOT INSTALLED: every PostgreSQL test is SKIPPED. "
            "Run scripts/setup (it installs Debian's postgresql package). !!!"
        )
    server = PostgresServer(bin_dir)
    try:
        server.start()
        server.make_template()
        yield server
    finally:
        server.close()


@pytest.fixture
def postgres_url(postgres_server):
    """A fresh, migrated PostgreSQL database for one test (dropped afterwards)."""
    name = postgres_server.new_database()
    yield postgres_server.url(name)
    _close_apps()
    postgres_server.drop(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request) -> str:
    """Run the test on the embedded SQLite ("") and on a real PostgreSQL (its URL)."""
    if request.param == "sqlite":
        return ""
    return request.getfixturevalue("postgres_url")


def _close_apps() -> None:
    from ivr.db import close_all

    close_all()


@pytest.fixture(autouse=True)
def _close_databases():
    """Stop every app's background thread and connections when a test ends."""
    yield
    _close_apps()
