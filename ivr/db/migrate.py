"""Alembic, configured in code: the scripts live in ``ivr/db/migrations`` (no alembic.ini)."""

from __future__ import annotations

import logging
from functools import cache


class _OnlyMigrations(logging.Filter):
    """Alembic's INFO lines about its own set-up (plugins, "Context impl", "Will assume
    transactional DDL") say nothing to whoever starts the line; "Running upgrade A -> B"
    does (the schema changed), so only that is kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.getMessage().startswith(
            "Running upgrade"
        )


# Installed once, before Alembic is imported (its plugins log as they load), for every use of
# it in this process (the app's start, `db current`, `db upgrade`, the web entry point's
# check): quiet unless something is migrated.
for _name in ("alembic.runtime.migration", "alembic.runtime.plugins"):
    logging.getLogger(_name).addFilter(_OnlyMigrations())


import sqlalchemy as sa  # noqa: E402
from alembic import command  # noqa: E402  (after the filter above)
from alembic.config import Config  # noqa: E402
from alembic.runtime.migration import MigrationContext  # noqa: E402
from alembic.script import ScriptDirectory  # noqa: E402

from .revisions import MIGRATIONS  # noqa: E402


def config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


@cache
def head_revision() -> str:
    """Alembic's own answer (ivr.db.revisions answers without Alembic; the tests compare)."""
    head = ScriptDirectory.from_config(config()).get_current_head()
    assert head is not None, "ivr/db/migrations has no revision"
    return head


def current_revision(conn: sa.Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(conn: sa.Connection, target: str = "head") -> None:
    """Run the migrations up to ``target`` in ``conn``'s transaction (ivr/db/migrations/env.py
    takes the connection from the config)."""
    if target == "head" and current_revision(conn) == head_revision():
        return  # nothing to do, and nothing logged
    cfg = config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, target)
