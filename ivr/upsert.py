"""INSERT ... ON CONFLICT for the two databases the line runs on (PostgreSQL, SQLite).

Both dialects spell it the same way in SQLAlchemy, from different modules.
"""

from __future__ import annotations

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_for(conn: Connection, table: Table):
    """An INSERT for `table` that has `.on_conflict_do_nothing/.on_conflict_do_update`."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    if conn.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"no upsert for {conn.dialect.name}")
