"""Alembic, configured in code: the scripts live in ``ivr/db/migrations`` (no alembic.ini)."""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from .revisions import MIGRATIONS


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
    cfg = config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, target)
