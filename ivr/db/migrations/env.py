"""Alembic's entry point, driven from code (:mod:`ivr.db.migrate`): no alembic.ini needed.

The caller hands over an open connection in ``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context

from ivr.db.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
)
with context.begin_transaction():
    context.run_migrations()
