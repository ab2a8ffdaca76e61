"""The one database for everything staff make: accounts, sessions, versions, audio, the log.

PostgreSQL (psycopg 3) when ``DATABASE_URL`` is set, so any number of web machines share it;
otherwise an embedded SQLite file in ``DATA_DIR`` (WAL, so workers read while one writes).
``init_app(app)`` puts a :class:`Database` in ``app.extensions["db"]``; the app factory adds
``flask db ...`` (:mod:`ivr.db.cli`). This package knows only its tables: nothing above it
(publishing, the console, texts) is imported here. The embedded file is created and upgraded by the
app itself (nothing to coordinate); a shared database is upgraded by the release phase
(``flask --app ivr db upgrade``) and a web process whose schema is behind refuses to start
(:mod:`ivr.wsgi`).
"""

from __future__ import annotations

import atexit
import fcntl
import logging
import os
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from . import schema

__all__ = [
    "Database",
    "SchemaBehind",
    "engine_url",
    "init_app",
    "insert_ignore",
    "schema",
    "upsert",
]

log = logging.getLogger(__name__)

EMBEDDED_NAME = "hotline.sqlite3"
UPGRADE_COMMAND = "flask --app ivr db upgrade"
CONNECT_TIMEOUT = 3  # seconds: a console page says "unreachable" quickly instead of hanging
SQLITE_BUSY_MS = 30_000  # a writer waits this long for another (publishes are short)
# SQLite folds its write-ahead log back into the main file only when a commit leaves the log
# longer than wal_autocheckpoint pages (1000 by default, ~4 MB) or when the last connection
# closes; a web worker's pooled connections never close, so a quiet line's log kept every
# change (password hashes included) and the main file stayed empty. A short threshold folds
# each few changes back; the size limit cuts the file down whenever the log starts over.
SQLITE_CHECKPOINT_PAGES = 16
SQLITE_WAL_LIMIT = 128 * 1024  # bytes
# A hung server or network must end a statement, not hold a worker's thread for ever. Every
# PostgreSQL connection: the server ends a statement after STATEMENT_TIMEOUT_MS and a wait
# for a lock after LOCK_TIMEOUT_MS (a publish waiting for its turn sets longer ones, see
# publishing()); TCP keepalives and TCP_USER_TIMEOUT_MS drop a connection whose peer went
# silent (a dead machine or network: unacknowledged data, or no answer to probes). A server
# that is alive but stopped still acknowledges at the TCP level: the requests that may wait
# on the database are bounded per worker instead (ivr.gate).
STATEMENT_TIMEOUT_MS = 15_000
LOCK_TIMEOUT_MS = 5_000
PUBLISH_WAIT_MS = 60_000  # a publish waits this long for another machine's publish
IDLE_IN_TRANSACTION_MS = 60_000
TCP_USER_TIMEOUT_MS = 10_000
POSTGRES_CONNECT_ARGS: dict[str, Any] = {
    "connect_timeout": CONNECT_TIMEOUT,
    "options": (
        f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout={LOCK_TIMEOUT_MS} "
        f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_MS}"
    ),
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": TCP_USER_TIMEOUT_MS,
}


class SchemaBehind(RuntimeError):
    """The database's schema is older than this code's migrations."""


def engine_url(database_url: str, data_dir: Path) -> str:
    """SQLAlchemy's URL for ``DATABASE_URL`` (Heroku's ``postgres://`` spelling included),
    or the embedded SQLite file in ``data_dir`` when it is empty."""
    url = (database_url or "").strip()
    if not url:
        return f"sqlite:///{Path(data_dir) / EMBEDDED_NAME}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# Every open Database (closed ones leave): a forked child renews their connections, and
# close_all() ends them (between tests).
_open: set[Database] = set()


def _after_fork() -> None:
    # A forked child must not share its parent's sockets: new connections from here on.
    for database in list(_open):
        database.engine.dispose(close=False)


os.register_at_fork(after_in_child=_after_fork)


class Database:
    """An engine plus the few ways the hotline uses it (see the module docstring)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.engine = _sqlite_engine(url)
        else:
            self.engine = sa.create_engine(
                url,
                pool_pre_ping=True,  # a restarted server: reconnect instead of failing once
                pool_size=3,
                max_overflow=5,
                connect_args=dict(POSTGRES_CONNECT_ARGS),
            )
        self._closers: list[Callable[[], None]] = []
        _open.add(self)

    def __repr__(self) -> str:
        return f"Database({self.engine.url.render_as_string(hide_password=True)!r})"

    @contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        """A connection in a write transaction (committed at the end, rolled back on error).
        On SQLite it takes the write lock at once (BEGIN IMMEDIATE), so two writers queue
        instead of one failing when it upgrades a read lock."""
        with self.engine.connect() as conn:
            with conn.begin():
                yield conn

    @contextmanager
    def connect(self) -> Iterator[sa.Connection]:
        """A connection for reads."""
        with self.engine.connect().execution_options(hotline_read=True) as conn:
            yield conn

    @contextmanager
    def publishing(self) -> Iterator[sa.Connection]:
        """A write transaction holding the publish lock, across processes and machines: the
        live row's lock on PostgreSQL, the database's write lock on SQLite."""
        with self.begin() as conn:
            if not self.is_sqlite:
                # Publishes from any machine take turns: this one may wait for another's.
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = {PUBLISH_WAIT_MS}")
                wait = PUBLISH_WAIT_MS + STATEMENT_TIMEOUT_MS
                conn.exec_driver_sql(f"SET LOCAL statement_timeout = {wait}")
                conn.execute(
                    sa.select(schema.live.c.id).where(schema.live.c.id == 1).with_for_update()
                )
            yield conn

    # -- schema ---------------------------------------------------------------------------

    def revision(self) -> str | None:
        """The migration the database is at (None: empty). Read without Alembic, as is
        ``head()``: a web worker asks both at start and never needs Alembic after."""
        from .revisions import current_revision

        with self.connect() as conn:
            return current_revision(conn)

    def head(self) -> str:
        from .revisions import head_revision

        return head_revision()

    def upgrade(self) -> None:
        from .migrate import upgrade  # Alembic: only when there is something to do

        with self.begin() as conn:
            upgrade(conn)

    def require_current(self) -> None:
        """Raise SchemaBehind (naming the command to run) unless the schema is at head."""
        current, head = self.revision(), self.head()
        if current != head:
            raise SchemaBehind(
                f"The database schema is at {current or 'nothing (empty database)'}, this code "
                f"needs {head}. Run `{UPGRADE_COMMAND}` (the Procfile's release phase does) "
                "before starting the web process."
            )

    # -- lifetime --------------------------------------------------------------------------

    def on_close(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` (stop a background thread) when this database is closed."""
        self._closers.append(callback)

    def close(self) -> None:
        """Stop whatever follows this database and close its connections."""
        for callback in self._closers:
            try:
                callback()
            except Exception:  # closing must finish
                log.exception("while closing the database")
        self._closers.clear()
        self.engine.dispose()
        _open.discard(self)


def close_all() -> None:
    """Close every Database this process opened (the test suite, between tests)."""
    for database in list(_open):
        database.close()


def _close_at_exit() -> None:
    """Stop every database's threads (the counts flush, the live-version poll) and close its
    connections before Python runs weakref.finalize's exit handler. SQLAlchemy keeps a
    finalizer per checked-out connection, and a thread still checking one out changed them
    while that handler walked them: "RuntimeError: dictionary changed size during iteration"
    printed at the end of a `flask` command on a loaded machine."""
    close_all()


# atexit runs the last registered first, and weakref.finalize registers its own handler when
# first used: it is used here once (on a function that lives as long as the process), so that
# ours, registered next, runs before it.
weakref.finalize(_close_at_exit, int)
atexit.register(_close_at_exit)


def _sqlite_engine(url: str) -> sa.Engine:
    path = sa.engine.make_url(url).database
    if path and path != ":memory:":
        _private_database_file(Path(path))
    engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_MS / 1000})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below say how each transaction starts (the driver's
        # own implicit BEGIN would always be the deferred kind).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_CHECKPOINT_PAGES}")
        cursor.execute(f"PRAGMA journal_size_limit={SQLITE_WAL_LIMIT}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        reads = conn.get_execution_options().get("hotline_read")
        conn.exec_driver_sql("BEGIN" if reads else "BEGIN IMMEDIATE")

    return engine


def _private_database_file(path: Path) -> None:
    """The database file made 0600 before SQLite opens it: SQLite makes its -wal and -shm
    files with the main file's mode (which it would otherwise make 0644), and password
    hashes pass through them. Side files an older version left readable are tightened."""
    from ..atomic import private_dir, private_file

    private_dir(path.parent)
    os.close(private_file(path))
    for side in ("-wal", "-shm", "-journal"):
        try:
            os.chmod(f"{path}{side}", 0o600)
        except FileNotFoundError:
            pass


def upsert(conn: sa.Connection, table: sa.Table) -> Any:
    """The dialect's INSERT, which knows ``on_conflict_do_nothing/do_update``."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def insert_ignore(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows whose primary key is not there yet; leave existing ones as they are."""
    if rows:
        conn.execute(upsert(conn, table).on_conflict_do_nothing(), rows)


_upgrade_lock = threading.Lock()


def upgrade_embedded(database: Database, data_dir: Path) -> None:
    """Bring the embedded SQLite file to head (workers starting together take turns)."""
    if database.revision() == database.head():
        return
    from ..atomic import private_dir, private_file

    private_dir(Path(data_dir))
    fd = private_file(Path(data_dir) / f".{EMBEDDED_NAME}.lock")
    with _upgrade_lock, os.fdopen(fd, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            database.upgrade()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    try:
        os.chmod(sa.engine.make_url(database.url).database or "", 0o600)  # password hashes
    except OSError:
        pass


def init_app(app: Flask) -> Database:
    """Open the database; upgrade it when it is the embedded file. Never refuses here: the
    CLI needs an app to run `db upgrade` with (the web entry point refuses, ivr.wsgi)."""
    settings = app.config["SETTINGS"]
    database = Database(engine_url(settings.database_url.reveal(), settings.data_dir))
    if database.is_sqlite:
        upgrade_embedded(database, settings.data_dir)
    app.extensions["db"] = database
    return database
